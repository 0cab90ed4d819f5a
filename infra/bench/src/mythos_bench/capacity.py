"""Writes docs/capacity.md: cores and memory of each component for 10,000 and 100,000
players at a stated command mix, from the costs ``make bench`` measured, and where the
next bottleneck sits. By default it reads the newest full run saved under
docs/benchmarks (``capacity_sources.newest_full_run``); ``make bench`` rewrites the page
at the end of a run written to docs/benchmarks itself.

    uv run python -m mythos_bench.capacity            # rewrite docs/capacity.md
    uv run python -m mythos_bench.capacity --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from mythos_bench.capacity_inputs import FRONT_DOOR, Measured, fastest_clean_step, read
from mythos_bench.capacity_model import (
    Mix,
    Plan,
    UnitCosts,
    binding_players,
    hot_zone_players,
    mean_wait_ms,
    plan,
    unit_costs,
)
from mythos_bench.capacity_notes import (
    ASSUMPTIONS,
    front_door_lines,
    journal_lines,
    range_section,
    shown,
    table,
)
from mythos_bench.capacity_sources import (
    REPO,
    FrontDoors,
    JournalShare,
    front_doors,
    journal_share,
    newest_full_run,
)

DEFAULT_PATH = REPO / "docs" / "capacity.md"
SCALES = (10_000, 100_000)
COMMAND = "uv run python -m mythos_bench.capacity"


@dataclass(frozen=True)
class Basis:
    """One step's measured costs and the plans they give."""

    measured: Measured
    costs: UnitCosts
    plans: list[Plan]


def basis(measured: Measured, mix: Mix) -> Basis:
    costs = unit_costs(measured)
    return Basis(measured, costs, [plan(n, mix, costs) for n in SCALES])


def _server_cpus(meta: dict[str, object]) -> str:
    cpus = meta.get("server_cpus")
    if cpus is None:
        return "the server's CPUs not recorded"
    return "server processes unpinned" if cpus == "all" else f"every server process on CPU {cpus}"


def _inputs(m: Measured, low: Measured, costs: UnitCosts, mix: Mix, server_cpus: str) -> list[str]:
    names = sorted(m.cpu_ms_per_say)
    measured = [
        [n, f"{m.cpu_ms_per_say[n]:.3f}", f"{low.cpu_ms_per_say.get(n, 0.0):.3f}"] for n in names
    ]
    measured.append(
        [
            "**all**",
            f"{sum(m.cpu_ms_per_say.values()):.2f}",
            f"{sum(low.cpu_ms_per_say.values()):.2f}",
        ]
    )
    kinds = [
        [
            k.name,
            f"{k.per_minute:g}",
            "yes" if k.typed else "no",
            str(k.room_events),
            str(k.reply_frames),
            str(k.extra_publishes),
            str(k.saves),
            f"{k.game_weight:g}" + (" (measured)" if k.name == "say" else " (assumed)"),
        ]
        for k in mix.kinds
    ]
    return [
        "## Inputs",
        "",
        f"Measured (`{m.command}`): {m.players} players in rooms with "
        f"{m.recipients_per_say:g} recipients per say, {m.edges} edge(s), {server_cpus}, "
        f"{m.publishes_per_say:.2f} publishes and "
        f"{m.deliveries_per_say:.2f} deliveries per say "
        + (
            "(counted by the services)."
            if m.broker_counted
            else "(by construction, as that run's harness stated; it did not count them)."
        )
        + f" The plans below use the step at {m.step.rate:.0f} say/s, {m.step_reason}; "
        f"the step at {low.step.rate:.0f} say/s, {low.step_reason}, gives the low end "
        'of the range (see "The range").',
        "",
        *table(
            [
                "component",
                f"CPU ms per say at {m.step.rate:.0f} say/s (plans)",
                f"at {low.step.rate:.0f} say/s (low end)",
            ],
            measured,
        ),
        "",
        f"Per connection (measured): one idle connection holds {m.kb_per_connection:.1f} KB "
        f"of an edge's RSS with {m.most_connections:,} held on one edge; an edge holding "
        f"none {m.edge_base_mb:.0f} MB. The CPU an idle connection costs (its heartbeats) "
        "is not measured, and each edge is planned for at most the "
        f"{costs.connections_per_edge:,} connections the bench held on one (the edge's own "
        "cap, `EDGE_MAX_CONNECTIONS`, is 20,000).",
        "",
        "Derived unit costs (ms of CPU, split by the model): edge "
        f"{costs.per_frame['edge']:.3f} and the front door ({m.front_door}) "
        f"{costs.per_frame[FRONT_DOOR]:.3f} per client "
        f"frame, the game {costs.game_per_say:.3f} per say, RabbitMQ "
        f"{costs.broker_per_message:.3f} per publish or delivery.",
        "",
        f"The mix, per active player; {mix.active_fraction:.0%} of players active, rooms of "
        f"{mix.room_size}, the busiest zone holding {mix.busiest_zone_share:.0%} of players, "
        f"cores run at most {mix.headroom:.0%} busy, a broker node or database host of "
        f"{mix.node_cores} cores, {mix.persistence_ms_per_save:g} ms of persistence and "
        f"{mix.postgresql_ms_per_save:g} ms of PostgreSQL per save (assumed). These are "
        "the defaults of `Mix` in `infra/bench/src/mythos_bench/capacity_model.py`:",
        "",
        *table(
            [
                "kind",
                "per minute",
                "typed",
                "room events",
                "reply frames",
                "unfolded replies",
                "saves",
                "game weight",
            ],
            kinds,
        ),
    ]


def _plans(
    plans: list[Plan], journal: JournalShare, doors: FrontDoors, measured_door: str
) -> list[str]:
    names = [c.name for c in plans[0].components]
    header = ["component", *(f"{p.players:,} players" for p in plans)]
    rows = []
    for i, name in enumerate(names):
        cells = []
        for p in plans:
            c = p.components[i]
            count = f", {c.instances} x 1 core" if c.instances else ""
            cells.append(
                f"{c.load_cores:.2f} busy → **{c.cores:.1f} cores**{count}; {c.memory_mb:,.0f} MB"
            )
        label = {"game": "game (shards)"}.get(name, name)
        rows.append([label, *cells])
    rows.append(
        [
            "**total**",
            *(
                f"{sum(c.load_cores for c in p.components):.2f} busy → "
                f"**{sum(c.cores for c in p.components):.1f} cores**; "
                f"{sum(c.memory_mb for c in p.components):,.0f} MB"
                for p in plans
            ),
        ]
    )
    rates = [[k, *(f"{p.rates[k]:,.1f}" for p in plans)] for k in plans[0].rates]
    notes = [f"- {c.name}: memory {c.memory_note}" for c in plans[0].components if c.memory_note]
    return [
        "## Cores and memory",
        "",
        "Busy cores at the load, the cores to provision at the headroom (edges, game "
        "shards and persistence as single-core processes), and memory: extrapolated from "
        "the measured costs by the model.",
        "",
        *table(header, rows),
        "",
        *notes,
        "",
        "A game shard is one core of game logic: one active process consumes the shard's "
        "inbox, so N game cores are at least N shards, and each runs a standby beside it "
        '(docs/operations.md, "Scale"), which follows the journal and is not in the table '
        "(not measured).",
        "",
        *front_door_lines(plans, doors, measured_door),
        "",
        *journal_lines(plans, journal),
        "",
        "The traffic that drives them:",
        "",
        *table(["traffic", *(f"{p.players:,} players" for p in plans)], rates),
    ]


def _bottlenecks(plans: list[Plan], mix: Mix, costs: UnitCosts) -> list[str]:
    zone = hot_zone_players(mix, costs)
    lines = [
        "## Where the next bottleneck sits",
        "",
        "Edges, game shards and persistence scale out: more instances. Three ceilings do "
        "not move by adding instances:",
        "",
    ]
    reached = {}
    for name in ("hot zone", "broker", "database"):
        first = plans[0].limit(name)
        cells = ", ".join(
            f"{p.players:,} players {p.limit(name).load:.2f} of {p.limit(name).ceiling:.1f} "
            f"{first.unit} ({p.limit(name).share:.0%})"
            for p in plans
        )
        binds = reached[name] = binding_players(name, mix, costs)
        lines.append(
            f"- **{name}**: {first.why}. {cells}. Reached at ≈ {binds:,} players"
            + (" (or never below that)" if binds >= 10_000_000 else "")
            + "."
        )
    lines += [
        "",
        f"One game core does {1000 / costs.game_per_say:,.0f} say/s flat out and "
        f"{mix.headroom * 1000 / costs.game_per_say:,.0f} at {mix.headroom:.0%}: that is a "
        f"hot zone's cap. At this mix one zone holds {zone:,.0f} players "
        f"({zone * mix.active_fraction:,.0f} active) before its shard passes "
        f"{mix.headroom:.0%}. A zone lives on one shard and cannot be split across shards. "
        "A shard made hot by several busy zones is rebalanced live by moving zones to "
        'another shard (`admin move <zone> <shard>`, docs/operations.md, "Shards"), '
        "the players in them going along; a single zone past the cap is helped only by "
        "a lighter game path or by fewer players in it (the world's layout). A say waits "
        "on average "
        + ", ".join(
            f"{mean_wait_ms(costs.game_per_say, u):.1f} ms at {u:.0%}"
            for u in (0.5, mix.headroom, 0.9, 0.95)
        )
        + " in its shard's queue before it runs (M/D/1: says at random, each taking the "
        "measured game time): it grows steeply past the headroom.",
        "",
    ]
    for p in plans:
        t = p.tightest
        verdict = "exceeded" if t.share >= 1.0 else f"at {t.share:.0%} of its ceiling"
        lines.append(
            f"- At {p.players:,} players the tightest ceiling is the **{t.name}**, {verdict}."
        )
    order = sorted(reached, key=lambda name: reached[name])
    last = plans[-1]
    room_deliveries = last.rates["room events/s"] * last.rates["edges touched per room event"]
    lines += [
        "",
        "As players grow, the ceilings are reached in this order: "
        + ", then ".join(f"the {n} (≈ {reached[n]:,} players)" for n in order)
        + ". The broker's load grows faster than the players: at "
        f"{last.players:,} players a room event reaches "
        f"{last.rates['edges touched per room event']:.1f} edges on average, and those "
        f"deliveries are {room_deliveries / last.rates['broker messages/s']:.0%} of its "
        "messages.",
    ]
    return lines


def _summary(high: Basis, low: Basis, mix: Mix) -> list[str]:
    def cores(b: Basis, i: int, name: str | None = None) -> float:
        return sum(c.cores for c in b.plans[i].components if name in (None, c.name))

    scales = [
        f"**{p.players:,} players** ≈ {cores(high, i):.1f} cores "
        f"({cores(low, i):.1f} at the low end): "
        + ", ".join(
            f"{label} {cores(high, i, name):.1f}"
            for name, label in (
                ("edge", "edges"),
                ("game", "game shards"),
                ("rabbitmq", "RabbitMQ"),
                ("postgresql", "PostgreSQL"),
                (FRONT_DOOR, "front door"),
                ("persistence", "persistence"),
            )
        )
        for i, p in enumerate(high.plans)
    ]
    reached = {n: binding_players(n, mix, high.costs) for n in ("hot zone", "broker", "database")}
    low_reached = {n: binding_players(n, mix, low.costs) for n in reached}
    first = min(reached, key=lambda n: reached[n])
    zone = hot_zone_players(mix, high.costs)
    return [
        "## Summary",
        "",
        f"At the mix below, with cores at most {mix.headroom:.0%} busy (extrapolated from "
        f"the costs measured at {high.measured.step.rate:.0f} say/s; the low end from "
        f"{low.measured.step.rate:.0f} say/s):",
        "",
        *(f"- {line}." for line in scales),
        f"- The next bottleneck: the **{first}**, reached at ≈ {reached[first]:,} players "
        f"({low_reached[first]:,} at the low end); then "
        + ", then ".join(
            f"the {n} (≈ {reached[n]:,}; {low_reached[n]:,})"
            for n in sorted(reached, key=lambda n: reached[n])
            if n != first
        )
        + f". The hot zone is the busiest zone holding {mix.busiest_zone_share:.0%} of "
        f"players: one zone caps at ≈ {zone:,.0f} players on its shard's one core, and "
        "cannot be split; zones move between shards live (`admin move`).",
    ]


def render(results_path: Path | None = None, mix: Mix | None = None) -> str:
    mix = mix or Mix()
    path = results_path or newest_full_run()
    raw = json.loads(path.read_text())
    plans_on = basis(read(raw), mix)
    low = basis(read(raw, fastest_clean_step), mix)
    m = plans_on.measured
    journal, doors = journal_share(), front_doors()
    lines = [
        "# Capacity",
        "",
        "<!-- generated by mythos_bench.capacity: do not edit; make bench rewrites it -->",
        "",
        f"Generated by `{COMMAND}` from the newest full run saved in docs/benchmarks, "
        f"`{shown(path)}` ({m.date}, commit {m.commit}), with the journal's share from "
        f"`{shown(journal.on.path)}` and `{shown(journal.off.path)}` and the front door's "
        f"from `{shown(doors.folder)}`. How many cores of edges, game shards, RabbitMQ, "
        "PostgreSQL and the front door a deployment needs at a stated command mix, from "
        "the measured cost of one say by component, and which ceiling binds first. "
        "Measured figures are marked so and name their file; the mix is stated, its kinds "
        "other than `say` assumed; every other figure is the model's extrapolation (see "
        '"Measured and modelled").',
        "",
        *_summary(plans_on, low, mix),
        "",
        *_inputs(m, low.measured, plans_on.costs, mix, _server_cpus(raw["meta"])),
        "",
        *_plans(plans_on.plans, journal, doors, m.front_door),
        "",
        *_bottlenecks(plans_on.plans, mix, plans_on.costs),
        "",
        *range_section(
            (plans_on.measured, plans_on.plans),
            (low.measured, low.plans),
            {
                name: (
                    binding_players(name, mix, plans_on.costs),
                    binding_players(name, mix, low.costs),
                )
                for name in ("hot zone", "broker", "database")
            },
        ),
        "",
        ASSUMPTIONS,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mythos_bench.capacity", description=__doc__)
    parser.add_argument(
        "--results", type=Path, default=None, help="default: the newest full run saved"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="fail if the file is not current")
    args = parser.parse_args(argv)
    text = render(args.results)
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            print(f"{args.out} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
