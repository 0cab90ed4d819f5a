"""The on-demand on-CPU profile: SIGUSR2 on, SIGUSR2 off, the stacks it sampled written."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mythos_contracts.ops.cpu_profile import CpuProfile, arm
from mythos_contracts.settings import ServiceSettings


@pytest.fixture
def handlers() -> Iterator[None]:
    """The process's own SIGPROF and SIGUSR2 handlers, and no timer, after each test."""
    saved = signal.getsignal(signal.SIGPROF), signal.getsignal(signal.SIGUSR2)
    yield
    signal.setitimer(signal.ITIMER_PROF, 0.0)
    signal.signal(signal.SIGPROF, saved[0])
    signal.signal(signal.SIGUSR2, saved[1])


def spin_for_cpu(seconds: float) -> int:
    """Use ``seconds`` of this process's CPU (what ITIMER_PROF counts)."""
    end, n = time.process_time() + seconds, 0
    while time.process_time() < end:
        n += 1
    return n


def test_sigusr2_starts_and_stops_it_and_the_stacks_are_written(
    tmp_path: Path, handlers: None
) -> None:
    profile = arm(tmp_path, "svc")
    assert profile is not None and not profile.running
    os.kill(os.getpid(), signal.SIGUSR2)
    assert profile.running
    spin_for_cpu(0.3)
    os.kill(os.getpid(), signal.SIGUSR2)
    assert not profile.running
    (written,) = tmp_path.glob(f"svc-{os.getpid()}-1.folded")
    lines = written.read_text().splitlines()
    counts = [int(line.rpartition(" ")[2]) for line in lines]
    assert sum(counts) == profile.samples > 0
    # Root first, the sampled function last: the spinning loop, called by this test.
    stack = max(lines, key=lambda line: int(line.rpartition(" ")[2])).rpartition(" ")[0]
    frames = stack.split(";")
    assert frames[-1] == "spin_for_cpu (test_cpu_profile.py)"
    assert (
        "test_sigusr2_starts_and_stops_it_and_the_stacks_are_written (test_cpu_profile.py)"
        in frames
    )


def test_no_samples_while_off_and_each_profile_anew(tmp_path: Path, handlers: None) -> None:
    profile = CpuProfile(tmp_path, "svc")
    profile.install()
    spin_for_cpu(0.1)
    assert profile.samples == 0  # off: nothing counted
    profile.toggle()
    spin_for_cpu(0.1)
    first = profile.toggle()
    profile.toggle()
    second = profile.toggle()  # nothing used in between: an empty profile of its own
    assert first is not None and second is not None and first != second
    assert first.read_text() and second.read_text() == ""


def test_unarmed_without_a_folder(handlers: None) -> None:
    before = signal.getsignal(signal.SIGUSR2)
    assert arm(None, "svc") is None
    assert signal.getsignal(signal.SIGUSR2) is before


def test_the_shared_setting_arms_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MYTHOS_CPU_PROFILE_DIR", str(tmp_path))
    assert ServiceSettings().cpu_profile_dir == tmp_path
    monkeypatch.delenv("MYTHOS_CPU_PROFILE_DIR")
    assert ServiceSettings().cpu_profile_dir is None
