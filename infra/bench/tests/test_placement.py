"""The stack's processes start where and as a run asks, and the policy read back is the
kernel's (a real process, started the way the bench starts the stack)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from mythos_bench.placement import launch_prefix, policies, policy_of


def _started(prefix: list[str]) -> subprocess.Popen[bytes]:
    # A child that starts a thread, then waits: its threads inherit the policy.
    code = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)"
    return subprocess.Popen([*prefix, sys.executable, "-c", code])


def _read_back(child: subprocess.Popen[bytes]) -> str | None:
    try:
        # Until the thread is up (the process is there at once, its thread a moment later).
        for _ in range(200):
            if len(os.listdir(f"/proc/{child.pid}/task")) >= 2:
                break
            time.sleep(0.01)
        return policy_of(child.pid)
    finally:
        child.kill()
        child.wait()


def test_batch_starts_every_thread_under_sched_batch() -> None:
    child = _started(launch_prefix({0}, "batch"))
    assert _read_back(child) == "batch"


def test_normal_leaves_the_default_policy() -> None:
    child = _started(launch_prefix(None, "normal"))
    assert _read_back(child) == "normal"


def test_the_prefix_pins_first_then_sets_the_policy() -> None:
    assert launch_prefix({1, 0}, "batch") == ["taskset", "-c", "0,1", "chrt", "--batch", "0"]
    assert launch_prefix(None, "normal") == []


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scheduling 'fifo'"):
        launch_prefix(None, "fifo")


def test_a_gone_process_has_no_policy_and_is_left_out() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert policy_of(child.pid) is None
    assert policies({"gone": [child.pid], "me": [os.getpid()]}) == {"me": policy_of(os.getpid())}
