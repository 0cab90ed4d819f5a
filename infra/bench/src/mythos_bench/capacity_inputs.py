"""The measured figures the capacity model starts from, read from ``results.json``.

Two shapes are read. The harness before 2026-12-03 wrote, per step, ``cpu_ms_per_say``
and ``rss_mb`` as ``{component: value}``; the current one writes
``components: {component: {cpu_ms_per_say, rss_mb, ...}}``, a ``capped`` flag, the
broker messages per say as the services counted them (``broker_per_say``), and in
``meta`` the commit measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# As the harness marks a step capped: its server processes used more than this much of
# their core, so its latencies measure queueing (scenarios.CAPPED_PERCENT).
CAPPED_PERCENT = 85.0
# What the harness before the counted broker_per_say said of a say's path, by
# construction: 3 publishes (command, room event, the sender's command_response) and
# 2 + one per edge with listeners deliveries.
OLD_PUBLISHES_PER_SAY = 3.0
OLD_DELIVERIES_BEFORE_EDGES = 2.0
# The proxy on the public origin, whichever a run used (its own name in results.json):
# the model prices one front door per client frame.
FRONT_DOOR = "front door"
FRONT_DOORS = ("caddy", "nginx")
JOURNAL_PUBLISHES = 'game publishes ""'  # the journal's records, in a run's broker_per_say


@dataclass(frozen=True)
class Step:
    rate: float
    sent: int
    recipients_per_say: float  # deliveries the clients expected per say
    clean: bool  # nothing missing, no gap, no duplicate
    capped: bool
    cpu_ms_per_say: dict[str, float]
    rss_mb: dict[str, float]
    broker_per_say: tuple[float, float] | None  # publishes, deliveries; None: not counted


@dataclass(frozen=True)
class Measured:
    """One step's costs per say by component, and the idle connections' memory."""

    date: str
    commit: str
    command: str
    players: int
    edges: int
    step: Step
    step_reason: str
    cpu_ms_per_say: dict[str, float]
    rss_mb: dict[str, float]
    recipients_per_say: float
    publishes_per_say: float
    deliveries_per_say: float
    broker_counted: bool  # False: the older harness's count by construction
    front_door: str  # the proxy the run measured (caddy, nginx)
    edge_base_mb: float  # one edge holding no connection
    kb_per_connection: float  # one idle connection on an edge
    most_connections: int  # the most idle connections the run held on one edge


def _cpu(ms: float) -> float:
    # A group whose process ended mid-step read below zero in harnesses that summed
    # every process sampled: no work is the most such a reading can say.
    return max(0.0, float(ms))


def parse_step(raw: dict[str, Any]) -> Step:
    sent = int(raw["sent"])
    if "components" in raw:
        components: dict[str, dict[str, float]] = raw["components"]
        cpu = {name: _cpu(row["cpu_ms_per_say"]) for name, row in components.items()}
        rss = {name: float(row["rss_mb"]) for name, row in components.items()}
        capped = bool(raw["capped"])
    else:
        cpu = {k: _cpu(v) for k, v in raw["cpu_ms_per_say"].items() if k != "total"}
        rss = {k: float(v) for k, v in raw["rss_mb"].items()}
        capped = sum(raw.get("cpu_percent", {}).values()) > CAPPED_PERCENT
    cpu, rss = _front_door_named(cpu), _front_door_named(rss)
    clean = raw["missing"] == 0 and raw["gaps"] == 0 and raw["duplicates"] == 0
    counted = raw.get("broker_per_say") or {}
    # Runs from 2026-12-07 count the game's journal records among its publishes (the
    # default exchange's); the model folds the journal into the other messages' cost,
    # as in the runs before, so they are left out here.
    journal = float(counted.get(JOURNAL_PUBLISHES, 0.0))
    broker = (
        float(counted.get("publishes", 0.0)) - journal,
        float(counted.get("deliveries", 0.0)),
    )
    return Step(
        rate=float(raw["rate"]),
        sent=sent,
        recipients_per_say=raw["deliveries_expected"] / max(sent, 1),
        clean=clean,
        capped=capped,
        cpu_ms_per_say=cpu,
        rss_mb=rss,
        broker_per_say=broker if broker[0] > 0 and broker[1] > 0 else None,
    )


def _front_door_named(by_component: dict[str, float]) -> dict[str, float]:
    return {FRONT_DOOR if k in FRONT_DOORS else k: v for k, v in by_component.items()}


def choose_step(steps: list[Step]) -> tuple[Step, str]:
    """The step whose costs stand for the system: the fastest one that delivered every
    line on time with headroom; failing that, the fastest that delivered every line
    (its core was busy, so its per-say costs are a little flattered by batching)."""
    if not steps:
        raise ValueError("results.json has no throughput step to take costs from")
    easy = [s for s in steps if s.clean and not s.capped]
    if easy:
        return max(easy, key=lambda s: s.rate), "the fastest step with headroom and no loss"
    clean = [s for s in steps if s.clean]
    if clean:
        return (
            max(clean, key=lambda s: s.rate),
            "the fastest step with no loss; every step was over 85 % of the server core",
        )
    return min(steps, key=lambda s: s.rate), "the slowest step; no step was free of loss"


def fastest_clean_step(steps: list[Step]) -> tuple[Step, str]:
    """The fastest step that delivered every line, capped or not: its per-say costs are
    the lowest measured, the core's whole second shared by the most says (batching at a
    full core flatters them), so they bound the costs from below."""
    clean = [s for s in steps if s.clean]
    if not clean:
        return choose_step(steps)
    fastest = max(clean, key=lambda s: s.rate)
    busy = "its server core capped" if fastest.capped else "with headroom"
    return fastest, f"the fastest step with no loss, {busy}"


ChooseStep = Callable[[list[Step]], tuple[Step, str]]


def _commit(meta: dict[str, Any]) -> str:
    # Not looked up in git for older results: the page must come out the same before
    # and after the results are committed, or the staleness test could never pass.
    return str(meta.get("commit") or "not recorded by that run's harness")


def _idle(rows: list[dict[str, Any]]) -> tuple[float, float, int]:
    held = [r for r in rows if r["connections"] and not r.get("closed")]
    base = [r for r in rows if not r["connections"] and not r.get("closed") and not r.get("cold")]
    if not held:
        raise ValueError("results.json has no idle-connection row to take memory from")
    largest = max(held, key=lambda r: r["connections"])
    base_kb = (
        base[0]["rss_kb"]
        if base
        else largest["rss_kb"] - largest["kb_per_connection"] * largest["connections"]
    )
    return base_kb / 1024, float(largest["kb_per_connection"]), int(largest["connections"])


def read(results: dict[str, Any], choose: ChooseStep = choose_step) -> Measured:
    meta = results["meta"]
    step, reason = choose([parse_step(s) for s in results["steps"]])
    edges = int(meta.get("edges", 1))
    if step.broker_per_say:
        publishes, deliveries = step.broker_per_say
    else:
        publishes, deliveries = OLD_PUBLISHES_PER_SAY, OLD_DELIVERIES_BEFORE_EDGES + edges
    base_mb, kb, most = _idle(results.get("idle") or [])
    return Measured(
        date=str(meta["date"]),
        commit=_commit(meta),
        command=str(meta["command"]).strip(),
        players=int(meta["players"]),
        edges=edges,
        step=step,
        step_reason=reason,
        cpu_ms_per_say=step.cpu_ms_per_say,
        rss_mb=step.rss_mb,
        recipients_per_say=step.recipients_per_say,
        publishes_per_say=publishes,
        deliveries_per_say=deliveries,
        broker_counted=step.broker_per_say is not None,
        front_door=str(meta.get("front_door", "caddy")),
        edge_base_mb=base_mb,
        kb_per_connection=kb,
        most_connections=most,
    )
