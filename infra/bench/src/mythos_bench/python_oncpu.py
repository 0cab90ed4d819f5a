"""The edge's and the game's Python, on the CPU: their own profiles of the profiled repeat.

Every service of the bench's stack is started with ``MYTHOS_CPU_PROFILE_DIR`` set (armed,
off: it costs nothing until asked). The repeat sends SIGUSR2 to the edge and the game as
it starts and again as it ends; each then writes the stacks it sampled every time it
had used more CPU (``mythos_contracts.ops.cpu_profile``: time waiting for the core is
never a sample, unlike py-spy's). Saved beside the results as ``oncpu-<name>.folded``
(flame graph tools read it); the report lists each one's functions by the share of its
samples they were on the stack for, and by the share they were running themselves.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PROFILED = ("edge", "game")
TOP = 40  # the report leaves out the frames under every sample (about 8)


def toggle(groups: dict[str, list[int]]) -> None:
    """Start (or stop) the edge's and the game's profiles."""
    for name in PROFILED:
        if groups.get(name):
            os.kill(groups[name][0], signal.SIGUSR2)


async def collect(
    groups: dict[str, list[int]], folder: Path, out: Path, timeout: float = 15.0
) -> dict[str, Any]:
    """Stop the profiles and read what each wrote (``summary``), saved under ``out``."""
    before = _written(folder, "*")
    toggle(groups)
    found: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    for name in PROFILED:
        pids = groups.get(name) or []
        if not pids:
            continue
        path = _newer(folder, f"{name}-{pids[0]}", before)
        while path is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)  # the players' sockets keep being read meanwhile
            path = _newer(folder, f"{name}-{pids[0]}", before)
        if path is None:
            found[name] = {"unavailable": f"no profile from the {name} within {timeout:.0f} s"}
            continue
        found[name] = _kept(path, out / f"oncpu-{name}.folded")
    return found


def _written(folder: Path, prefix: str) -> dict[Path, float]:
    """The profiles ``<prefix>-*.folded`` in ``folder``, with when each was written."""
    return {path: path.stat().st_mtime for path in folder.glob(f"{prefix}-*.folded")}


def _newer(folder: Path, prefix: str, before: dict[Path, float]) -> Path | None:
    """The newest profile of ``prefix`` written since ``before`` was taken, if any."""
    written = _written(folder, prefix)
    fresh = [path for path, at in written.items() if before.get(path) != at]
    return max(fresh, key=written.__getitem__, default=None)


def _kept(path: Path, copy: Path) -> dict[str, Any]:
    """``summary`` of the profile at ``path``, copied to ``copy``."""
    shutil.copyfile(path, copy)
    return summary(path.read_text().splitlines())


def summary(lines: Iterable[str]) -> dict[str, Any]:
    """Samples, and the ``TOP`` functions by inclusive and by self share, of folded stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    samples = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not samples:
        return {"samples": 0, "inclusive": [], "self": []}
    return {
        "samples": samples,
        "inclusive": [[f, n / samples] for f, n in inclusive.most_common(TOP)],
        "self": [[f, n / samples] for f, n in own.most_common(TOP)],
    }
