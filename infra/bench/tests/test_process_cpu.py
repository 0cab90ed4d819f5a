"""Each component's CPU is split into its own code (user time) and the kernel's work for
it (system time): a process that spends its CPU in system calls shows a high kernel
share, one that only computes a low one. No wall-clock figure is asserted: the two
processes are told apart by how their CPU time divides, however fast the machine."""

from __future__ import annotations

import os
import signal
import time

from mythos_bench.processes import sample
from mythos_bench.scenarios import per_component

CPU_SECONDS = 0.5


def _busy_child(in_the_kernel: bool) -> int:
    """A child spending about ``CPU_SECONDS`` of CPU, then waiting to be read and killed:
    copying pages out of ``/dev/zero`` (the kernel's work) or adding numbers (its own)."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        zero = os.open("/dev/zero", os.O_RDONLY)
        started = time.process_time()
        total = 0
        while time.process_time() - started < CPU_SECONDS:
            if in_the_kernel:
                os.read(zero, 1 << 20)
            else:
                for n in range(10_000):
                    total += n
        os.write(writer, b"1")
        signal.pause()
    os.close(writer)
    assert os.read(reader, 1) == b"1"
    os.close(reader)
    return child


def _kernel_share(in_the_kernel: bool) -> float:
    child = _busy_child(in_the_kernel)
    try:
        after = sample(child)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    assert after.cpu_seconds >= CPU_SECONDS * 0.9
    assert 0.0 <= after.system_seconds <= after.cpu_seconds
    before = type(after)(0.0, 0)
    return per_component({"c": before}, {"c": after}, sent=1, seconds=1.0)["c"]["kernel_share"]


def test_system_calls_count_as_the_kernels_share_and_computing_as_the_process_own() -> None:
    assert _kernel_share(in_the_kernel=True) > 0.6
    assert _kernel_share(in_the_kernel=False) < 0.4
