"""Writes docs/capacity.md: cores and memory of each component for 10,000 and 100,000
players at a stated command mix, from the costs ``make bench`` measured, and where the
next bottleneck sits. ``make bench`` rewrites it at the end of a run.

    uv run python -m mythos_bench.capacity            # rewrite docs/capacity.md
    uv run python -m mythos_bench.capacity --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mythos_bench.capacity_inputs import Measured, read
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

REPO = Path(__file__).resolve().parents[4]
RESULTS = REPO / "docs" / "benchmarks" / "results.json"
DEFAULT_PATH = REPO / "docs" / "capacity.md"
SCALES = (10_000, 100_000)
COMMAND = "uv run python -m mythos_bench.capacity"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _inputs(m: Measured, costs: UnitCosts, mix: Mix) -> list[str]:
    measured = [[n, f"{v:.3f}"] for n, v in sorted(m.cpu_ms_per_say.items())]
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
        f"Measured (`{m.command}`): the step at "
        f"{m.step.rate:.0f} say/s, {m.step_reason}. {m.players} players in rooms with "
        f"{m.recipients_per_say:g} recipients per say, {m.edges} edge(s), "
        f"{m.publishes_per_say:.2f} publishes and {m.deliveries_per_say:.2f} deliveries per say "
        + (
            "(counted by the services)."
            if m.broker_counted
            else "(by construction, as that run's harness stated; it did not count them)."
        ),
        "",
        *_table(["component", "CPU ms per say"], measured),
        "",
        f"One idle connection holds {m.kb_per_connection:.1f} KB on an edge; an edge "
        f"holding none {m.edge_base_mb:.0f} MB; the bench held at most "
        f"{costs.connections_per_edge:,} connections on one edge.",
        "",
        "Derived unit costs (ms of CPU): edge "
        f"{costs.per_frame['edge']:.3f} and Caddy {costs.per_frame['caddy']:.3f} per client "
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
        *_table(
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


def _plans(plans: list[Plan]) -> list[str]:
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
        rows.append([name, *cells])
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
        "shards and persistence as single-core processes), and memory.",
        "",
        *_table(header, rows),
        "",
        *notes,
        "",
        "The traffic that drives them:",
        "",
        *_table(["traffic", *(f"{p.players:,} players" for p in plans)], rates),
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
        f"{mix.headroom:.0%}; splitting the zone, or a lighter game path, are the levers. "
        "A say waits on average "
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


ASSUMPTIONS = """\
## Measured and modelled

Measured by `make bench` on one core (docs/benchmarks): each process's CPU per say at one
step, the recipients per say, each process's RSS, the RSS of idle connections on one
edge. Everything else is the model's:

- A say's costs split into units by construction of its path: the edge and Caddy work
  per client frame (one in, one out per recipient, one reply), the game once per
  command, RabbitMQ per publish or delivery (both assumed to cost the same), so one
  say's fan-out costs the game once and the edge per recipient.
- Kinds other than `say` are not measured: their game weight, frames and saves are
  stated in the mix above. Persistence and PostgreSQL per save are assumed.
- The bench's per-say costs include what the processes do at rest (heartbeats, ticks)
  spread over the step's says, so they slightly overstate a say at higher rates.
- Players reach edges at random, so a room event is delivered to the expected number
  of distinct edges holding the room's players; routing a zone's players to the same
  edges would cut the broker's deliveries.
- Idle connections cost memory only: their heartbeats' CPU is not measured.
- Logins (auth, Argon2), the lobby shard, and the CPU of the per-shard journal and of
  the standbys of the shard design (docs/design/shards.md §5, §11) are not modelled:
  the journal adds about one batched publish and one delivery per input, paid on the
  broker and the standby. Its disk is in the traffic table, at the design's 1 KB per
  record kept 5 minutes, per shard and per replica.
- RabbitMQ is one node here; quorum queues replicate to a majority of three nodes,
  which multiplies the cost of what they carry (commands and saves) and is not
  measured. No latency is modelled: only that no core passes the headroom.
- Numbers from an older results.json are projected onto today's message path: the
  broker's cost per message comes from the messages that run made.
"""


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def render(results_path: Path = RESULTS, mix: Mix | None = None) -> str:
    mix = mix or Mix()
    raw = json.loads(results_path.read_text())
    measured = read(raw)
    costs = unit_costs(measured)
    plans = [plan(n, mix, costs) for n in SCALES]
    lines = [
        "# Capacity",
        "",
        "<!-- generated by mythos_bench.capacity: do not edit; make bench rewrites it -->",
        "",
        f"Generated by `{COMMAND}` from the figures of `{_shown(results_path)}` "
        f"({measured.date}, commit {measured.commit}). How many cores of edges, game "
        "shards, RabbitMQ and PostgreSQL a deployment needs at a stated command mix, "
        "from the measured cost of one say by component, and which ceiling binds first.",
        "",
        *_inputs(measured, costs, mix),
        "",
        *_plans(plans),
        "",
        *_bottlenecks(plans, mix, costs),
        "",
        ASSUMPTIONS,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mythos_bench.capacity", description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
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
