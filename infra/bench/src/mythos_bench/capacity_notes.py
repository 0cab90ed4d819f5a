"""The parts of docs/capacity.md that put the plans beside other measurements: the front
door behind nginx, the journal's share, the range between two steps' costs, and what is
measured against what is modelled."""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from mythos_bench.capacity_inputs import FRONT_DOOR, Measured
from mythos_bench.capacity_model import Plan
from mythos_bench.capacity_sources import REPO, FrontDoors, JournalShare


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def _component(p: Plan, name: str) -> tuple[float, float]:
    c = next(c for c in p.components if c.name == name)
    return c.load_cores, c.cores


def front_door_lines(plans: list[Plan], doors: FrontDoors, measured: str) -> list[str]:
    other = next(d for d in doors.ms_per_say if d != measured)
    ratio = doors.ratio(other, measured)
    runs = min(len(v) for v in doors.ms_per_say.values())
    behind_other = "; ".join(
        f"{load * ratio:.2f} busy → {cores * ratio:.1f} cores at {p.players:,} players"
        for p in plans
        for load, cores in [_component(p, FRONT_DOOR)]
    )
    role = {"nginx": "nginx, as the Kubernetes ingress", "caddy": "Caddy, as `make run`'s"}
    return [
        f"The front door in this bench is {role.get(measured, measured)} (configured "
        f"alike). {other} used {ratio:.0%} of {measured}'s CPU per say in at least {runs} "
        f"alternating runs of each at {doors.rate:.0f} say/s (measured: "
        f"`{shown(doors.folder)}`, commit {doors.commit}; Caddy "
        f"{mean(doors.ms_per_say['caddy']):.3f} ms, nginx "
        f"{mean(doors.ms_per_say['nginx']):.3f} ms per say; 200 players, unpinned on a busy "
        f"machine, so only the proxies' own columns compare). Behind {other} the front door "
        f"would take about {behind_other} (extrapolated: the measured load times that "
        "ratio).",
    ]


def journal_lines(plans: list[Plan], journal: JournalShare) -> list[str]:
    on, off = journal.on, journal.off
    state = "capped (over 85 % busy)" if on.capped else "with headroom"
    applied = "; ".join(
        f"at {p.players:,} players ≈ {_component(p, 'game')[0] * journal.share('game'):.2f} "
        f"of the game's {_component(p, 'game')[0]:.2f} busy cores and "
        f"{_component(p, 'rabbitmq')[0] * journal.share('rabbitmq'):.2f} of RabbitMQ's "
        f"{_component(p, 'rabbitmq')[0]:.2f}"
        for p in plans
    )
    return [
        "The journal's share. Every run here has the game's journal on (each unit of work "
        "recorded in its shard's stream before it is published). The same command with "
        f"it on (`{shown(on.path)}`, {on.date}, commit {on.commit}, the core {state}) and "
        f"off (`{shown(off.path)}`, {off.date}, commit {off.commit}) at {on.rate:.0f} "
        f"say/s: the journal added {journal.added_ms('game'):.2f} ms to the game's "
        f"{on.cpu_ms_per_say['game']:.2f} ms per say ({journal.share('game'):.0%}) and "
        f"{journal.added_ms('rabbitmq'):.2f} ms to RabbitMQ's "
        f"{on.cpu_ms_per_say['rabbitmq']:.2f} ({journal.share('rabbitmq'):.0%}), "
        f"{journal.added_total_ms:.2f} ms per say in all (measured). The two commits "
        "differ (the journal's record encoding changed between them), so the shares are "
        f"an estimate; applied to the plans (extrapolated), the journal is {applied}.",
    ]


def _cores(p: Plan) -> dict[str, float]:
    return {c.name: c.cores for c in p.components}


def range_section(
    high: tuple[Measured, list[Plan]],
    low: tuple[Measured, list[Plan]],
    reached: dict[str, tuple[int, int]],
) -> list[str]:
    (hm, hplans), (lm, lplans) = high, low
    h, lo = f"{hm.step.rate:.0f}", f"{lm.step.rate:.0f}"
    if hm.step == lm.step:
        return ["## The range", "", f"Only the step at {h} say/s was clean: no range."]
    names = list(_cores(hplans[0]))
    rows = [
        [n, *(f"{_cores(p)[n]:.1f}" for pair in zip(hplans, lplans, strict=True) for p in pair)]
        for n in names
    ]
    rows.append(
        [
            "**total**",
            *(
                f"**{sum(_cores(p).values()):.1f}**"
                for pair in zip(hplans, lplans, strict=True)
                for p in pair
            ),
        ]
    )
    header = ["cores to provision"]
    for p in hplans:
        header += [f"{p.players:,} at {h} say/s's costs", f"at {lo} say/s's"]
    per_second = {
        name: (hm.step.rate * hm.cpu_ms_per_say[name], lm.step.rate * lm.cpu_ms_per_say[name])
        for name in ("rabbitmq", "game")
    }
    order = sorted(reached, key=lambda name: reached[name][1])
    return [
        "## The range",
        "",
        f"The plans use the step at {h} say/s, the fastest with headroom. Its costs per "
        "say include what the processes do whatever the rate, spread over fewer says: "
        f"RabbitMQ used {per_second['rabbitmq'][0]:.0f} ms of CPU per second at {h} say/s "
        f"and {per_second['rabbitmq'][1]:.0f} at {lo}, the game "
        f"{per_second['game'][0]:.0f} and {per_second['game'][1]:.0f} (measured), so they "
        f"are high. The step at {lo} say/s is {lm.step_reason}: a full core batches more "
        "work per wake-up, so its costs are low. A deployment whose cores run at the "
        "headroom should lie between (not measured). The same mix at either step's "
        "costs (extrapolated):",
        "",
        *table(header, rows),
        "",
        f"The ceilings are reached at (at {h} say/s's costs to {lo}'s):",
        "",
        *(
            f"- the {n}: ≈ {reached[n][0]:,} to {reached[n][1]:,} players"
            for n in sorted(reached, key=lambda name: reached[name][0])
        ),
        "",
        "At the low end the order is " + ", then ".join(f"the {n}" for n in order) + ".",
    ]


ASSUMPTIONS = """\
## Measured and modelled

Measured by `make bench` with every server process on one core (the files named above):
each process's CPU per say at each step, the recipients and broker messages per say,
each process's RSS, the RSS of idle connections on one edge; the journal's and the
front door's costs from their own runs. Nothing here ran 10,000 or 100,000 players: the
plans are a model, not a simulation of a run. It takes the load in steady state, the
mix's rates times each unit's measured cost, and checks that no core passes the
headroom; the only latency it models is a say's wait in its shard's queue (M/D/1).
Everything else is the model's:

- A say's costs split into units by construction of its path: the edge and Caddy work
  per client frame (one in, one out per recipient, one reply), the game once per
  command, RabbitMQ per publish or delivery (both assumed to cost the same), so one
  say's fan-out costs the game once and the edge per recipient.
- Kinds other than `say` are not measured: their game weight, frames and saves are
  stated in the mix above. Persistence and PostgreSQL per save are assumed.
- The costs of one step stand for every rate; "The range" shows how far two steps
  apart the plans move.
- Players reach edges at random, so a room event is delivered to the expected number
  of distinct edges holding the room's players; routing a zone's players to the same
  edges would cut the broker's deliveries.
- Idle connections cost memory only: their heartbeats' CPU is not measured.
- The journal's CPU is inside the measured game and RabbitMQ costs; its share is the
  estimate above. Its disk is in the traffic table at the shard design's 1 KB per
  record (not measured), kept `GAME_JOURNAL_MAX_AGE_SECONDS` (300) per shard, per
  replica, at most `GAME_JOURNAL_MAX_BYTES` (2 GB). The standbys (one per shard), which
  read every record of their shard's journal, logins (auth, Argon2) and the lobby shard
  (not built: `s1` takes the logins) are not modelled.
- RabbitMQ is one node here; quorum queues replicate to a majority of three nodes,
  which multiplies the cost of what they carry (commands and saves) and is not
  measured.
- Numbers from an older results.json are projected onto today's message path: the
  broker's cost per message comes from the messages that run made.
"""
