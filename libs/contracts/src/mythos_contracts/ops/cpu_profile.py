"""An on-CPU profile of a running service, on demand: SIGUSR2 starts it, the next
SIGUSR2 stops it and writes what it sampled.

Armed by the shared setting ``cpu_profile_dir`` (``MYTHOS_CPU_PROFILE_DIR``, or
``<PREFIX>_CPU_PROFILE_DIR``); unset, nothing is installed. While on, the kernel sends
SIGPROF each time the process has used another ``INTERVAL_SECONDS`` of CPU
(``ITIMER_PROF``: user and system time; never time spent waiting for the core, for the
network or for a lock), and the handler counts the Python stack it interrupted. That is
what a sampler of runnable threads (py-spy) cannot give on a shared core: there a
process preempted in a ``send`` that woke its reader counts as busy in ``send``.

Stopped, the counts go to ``<dir>/<service>-<pid>-<n>.folded``: one line per distinct
stack, its frames root first (``function (file)``) joined by ``;``, a space and its
number of samples (the "folded" format flame graph tools read).

What to know when reading one:
- CPython runs a signal handler in the main thread, between bytecodes: time in a C call
  (a socket write, msgspec, a regex) is counted to the Python code running when the
  call returns, usually its caller's next line. Other threads are not sampled.
- Linux looks at the timer on its scheduler tick, so at most one signal comes per tick
  of CPU (250 a second on a 250 Hz kernel) whatever the interval: samples are
  proportional to CPU time, each worth about a tick.
- A sample costs tens of microseconds (the stack walked and counted): a few per cent of
  the process at most while on, nothing while off.
"""

from __future__ import annotations

import collections
import logging
import os
import signal
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.001


class CpuProfile:
    """Start and stop with ``toggle`` (SIGUSR2 once ``install``-ed)."""

    def __init__(self, folder: Path, service: str) -> None:
        self._folder = folder
        self._service = service
        self._counts: collections.Counter[str] = collections.Counter()
        self._written = 0
        self.running = False

    def install(self) -> None:
        """Take SIGPROF (the samples) and SIGUSR2 (on and off) in this process."""
        signal.signal(signal.SIGPROF, self._sample)
        signal.signal(signal.SIGUSR2, lambda _signum, _frame: self.toggle())

    def toggle(self) -> Path | None:
        """Start sampling, or stop and write the profile (its path)."""
        if not self.running:
            self._counts.clear()
            self.running = True
            signal.setitimer(signal.ITIMER_PROF, INTERVAL_SECONDS, INTERVAL_SECONDS)
            log.info("cpu profile started")
            return None
        signal.setitimer(signal.ITIMER_PROF, 0.0)
        self.running = False
        return self._write()

    def _sample(self, _signum: int, frame: FrameType | None) -> None:
        frames: list[str] = []
        while frame is not None:
            code = frame.f_code
            frames.append(f"{code.co_name} ({os.path.basename(code.co_filename)})")
            frame = frame.f_back
        frames.reverse()
        self._counts[";".join(frames)] += 1

    def _write(self) -> Path | None:
        self._written += 1
        path = self._folder / f"{self._service}-{os.getpid()}-{self._written}.folded"
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{s} {n}\n" for s, n in self._counts.most_common()))
        except OSError as exc:
            log.error("cpu profile not written to %s: %s", path, exc)
            return None
        log.info("cpu profile written", extra={"path": str(path), "samples": self.samples})
        return path

    @property
    def samples(self) -> int:
        return sum(self._counts.values())


def arm(folder: Path | None, service: str) -> CpuProfile | None:
    """``CpuProfile(folder, service)`` installed, or None without a folder."""
    if folder is None:
        return None
    profile = CpuProfile(folder, service)
    profile.install()
    log.info("cpu profile armed: SIGUSR2 starts and stops it", extra={"folder": str(folder)})
    return profile
