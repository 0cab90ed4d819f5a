"""The saved runs docs/capacity.md is built from, read from their files under
docs/benchmarks: the newest full run (its costs plan the deployment), the pair of runs
with the game's journal on and off (the journal's share), and the runs comparing the
front doors (nginx against Caddy)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from mythos_bench.capacity_inputs import parse_step

REPO = Path(__file__).resolve().parents[4]
BENCH_DIR = REPO / "docs" / "benchmarks"
# The same command with GAME_JOURNAL on and off (docs/benchmarks/README.md).
JOURNAL_ON = BENCH_DIR / "2026-12-04-group-commit" / "results.json"
JOURNAL_OFF = BENCH_DIR / "2026-12-04-journal-off" / "results.json"
FRONT_DOORS = BENCH_DIR / "2026-12-05-front-doors"
COMPARED_RATE = 200.0  # the step every one of these pairs ran
NOT_PLANNED = {
    "2026-12-07-linger": "the edge's commands lingered 5 ms, a default kept for one run "
    "(EDGE_COMMAND_LINGER_SECONDS is 0 since)",
}
"""Full runs of settings a deployment does not get by default: kept as measured, never
planned from (folder -> why)."""


def is_full_run(raw: dict[str, Any]) -> bool:
    """A run the model can plan from: throughput steps and idle connections held, its
    processes under the kernel's default scheduling policy (as a deployment runs them:
    a run under ``--scheduling batch`` is a comparison, not a plan)."""
    idle = raw.get("idle") or []
    held = any(r.get("connections") and not r.get("closed") for r in idle)
    meta = raw.get("meta", {})
    default_policy = meta.get("scheduling", "normal") == "normal"
    return bool(raw.get("steps")) and held and bool(meta.get("date")) and default_policy


def newest_full_run(root: Path = BENCH_DIR) -> Path:
    """The results.json of the newest full run saved in ``root`` or a folder of it, by
    the date the run wrote (``YYYY-MM-DD HH:MM UTC`` sorts as text)."""
    found = []
    for path in [root / "results.json", *sorted(root.glob("*/results.json"))]:
        if path.exists() and path.parent.name not in NOT_PLANNED:
            raw = json.loads(path.read_text())
            if is_full_run(raw):
                found.append((str(raw["meta"]["date"]), str(path), path))
    if not found:
        raise ValueError(f"no full run (steps and idle connections) under {root}")
    return max(found)[2]


@dataclass(frozen=True)
class Run:
    """One step of a saved run: its CPU per say by component, and where it came from."""

    path: Path
    date: str
    commit: str
    rate: float
    capped: bool
    cpu_ms_per_say: dict[str, float]


def step_of(path: Path, rate: float = COMPARED_RATE) -> Run:
    raw = json.loads(path.read_text())
    step = next(parse_step(s) for s in raw["steps"] if float(s["rate"]) == rate)
    meta = raw["meta"]
    return Run(
        path,
        str(meta["date"]),
        str(meta.get("commit") or "not recorded"),
        rate,
        step.capped,
        step.cpu_ms_per_say,
    )


@dataclass(frozen=True)
class JournalShare:
    """What the journal adds to a say: the run with it on less the run without."""

    on: Run
    off: Run

    def added_ms(self, component: str) -> float:
        return self.on.cpu_ms_per_say[component] - self.off.cpu_ms_per_say[component]

    def share(self, component: str) -> float:
        """The part of the component's cost per say (journal on) that is the journal's."""
        return max(0.0, self.added_ms(component)) / self.on.cpu_ms_per_say[component]

    @property
    def added_total_ms(self) -> float:
        return sum(self.on.cpu_ms_per_say.values()) - sum(self.off.cpu_ms_per_say.values())


def journal_share(on: Path = JOURNAL_ON, off: Path = JOURNAL_OFF) -> JournalShare:
    return JournalShare(step_of(on), step_of(off))


_TABLE_TITLE = "## CPU per say, by component (ms)"


def proxy_ms_per_say(results_md: str, proxy: str, rate: float) -> float:
    """The proxy's CPU per say at ``rate`` from a results.md's table by component."""
    lines = results_md[results_md.index(_TABLE_TITLE) :].splitlines()[2:]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if float(cells[0]) == rate:
            return float(cells[header.index(proxy)])
    raise ValueError(f"no {rate:g} cmd/s step in the table")


@dataclass(frozen=True)
class FrontDoors:
    """Alternating runs of each proxy: its CPU per say at one step, run by run."""

    folder: Path
    commit: str
    rate: float
    ms_per_say: dict[str, list[float]]  # proxy -> one figure per run

    def ratio(self, proxy: str, against: str) -> float:
        return mean(self.ms_per_say[proxy]) / mean(self.ms_per_say[against])


def front_doors(folder: Path = FRONT_DOORS, rate: float = COMPARED_RATE) -> FrontDoors:
    """Each ``<proxy>-<n>.md`` of the folder; the commit from its README's title."""
    runs: dict[str, list[float]] = {}
    for path in sorted(folder.glob("*-*.md")):
        proxy = path.stem.rsplit("-", 1)[0]
        runs.setdefault(proxy, []).append(proxy_ms_per_say(path.read_text(), proxy, rate))
    title = (folder / "README.md").read_text().splitlines()[0]
    commit = re.search(r"at `([0-9a-f]{7,40})`", title)
    return FrontDoors(folder, commit.group(1) if commit else "not recorded", rate, runs)
