"""The capacity model: from the bench's measured cost of one ``say`` by component, and a
stated command mix, the load of a deployment of N players, component by component.

A say's measured costs are split into units that other commands share:

* the edge and the front door work per client frame (one in for a typed command, one out per
  recipient and one reply to the actor), so a say costs them once per recipient;
* the game works once per command (a say is weight 1; other kinds carry an assumed
  weight), whatever the fan-out, as it publishes a room event once;
* RabbitMQ works per message operation: each publish and each delivery. A room event
  is published once and delivered to every edge holding one of the room's players;
* persistence and PostgreSQL cost what the bench measured per say (their background)
  plus an assumed cost per save, which a say does not make;
* any other component (auth) costs what it cost per say, per command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mythos_bench.capacity_inputs import FRONT_DOOR, Measured

PER_FRAME = ("edge", FRONT_DOOR)
SCALE_OUT = ("edge", "game", "persistence")  # single-core processes, added as load grows


@dataclass(frozen=True)
class Kind:
    """One kind of command in the mix, and what it does by construction."""

    name: str
    per_minute: float  # per active player
    typed: bool  # sent by a client: one frame in, one publish edge -> game
    room_events: int  # published once each, to everyone else in the room
    reply_frames: int  # frames to the actor besides the room events
    extra_publishes: int  # replies not folded onto a room event
    saves: int  # save.* messages to persistence
    game_weight: float  # game CPU relative to a say (1.0: measured; others assumed)


def default_kinds() -> tuple[Kind, ...]:
    return (
        Kind("say", 2.0, True, 1, 1, 0, 0, 1.0),
        Kind("move (go)", 3.0, True, 2, 1, 1, 1, 2.0),
        Kind("combat round (tick)", 2.0, False, 1, 1, 0, 1, 1.0),
        Kind("private (look, who, inventory)", 2.0, True, 0, 1, 1, 0, 0.5),
    )


@dataclass(frozen=True)
class Mix:
    """The stated load: who is active, what they do, how the world is shaped."""

    kinds: tuple[Kind, ...] = field(default_factory=default_kinds)
    active_fraction: float = 0.5  # the rest hold a connection and send nothing
    room_size: int = 10  # players per room: a room event reaches room_size - 1 others
    busiest_zone_share: float = 0.1  # share of all players standing in the busiest zone
    headroom: float = 0.7  # run every core at most this busy
    node_cores: int = 16  # the largest single broker node / database host considered
    persistence_ms_per_save: float = 0.4  # assumed: a consume and validate, like the game's
    postgresql_ms_per_save: float = 0.2  # assumed: one upsert transaction
    journal_kb_per_record: float = 1.0  # the shard design's estimate (not measured)
    journal_retention_seconds: float = 300.0  # the shard design's 5 minutes

    def per_second(self, kind: Kind, players: float) -> float:
        return players * self.active_fraction * kind.per_minute / 60.0


@dataclass(frozen=True)
class UnitCosts:
    """CPU ms per unit of work, derived from the measured say."""

    game_per_say: float
    per_frame: dict[str, float]  # edge, front door
    broker_per_message: float
    background_per_command: dict[str, float]  # everything else, per command
    kb_per_connection: float
    edge_base_mb: float
    rss_mb: dict[str, float]
    bench_players: int
    connections_per_edge: int  # the most the bench held on one edge


def unit_costs(m: Measured) -> UnitCosts:
    frames = 1.0 + m.recipients_per_say + 1.0  # the say in, each recipient, the reply
    modelled = {"game", "rabbitmq", *PER_FRAME}
    return UnitCosts(
        game_per_say=m.cpu_ms_per_say["game"],
        per_frame={n: m.cpu_ms_per_say.get(n, 0.0) / frames for n in PER_FRAME},
        broker_per_message=m.cpu_ms_per_say["rabbitmq"]
        / (m.publishes_per_say + m.deliveries_per_say),
        background_per_command={
            n: v for n, v in sorted(m.cpu_ms_per_say.items()) if n not in modelled
        },
        kb_per_connection=m.kb_per_connection,
        edge_base_mb=m.edge_base_mb,
        rss_mb=m.rss_mb,
        bench_players=m.players,
        connections_per_edge=m.most_connections,
    )


def edges_touched(players_reached: int, edges: int) -> float:
    """Expected number of distinct edges holding ``players_reached`` players, each on an
    edge picked at random by the load balancer: the deliveries of one room event."""
    if edges <= 1 or players_reached <= 0:
        return float(min(edges, max(players_reached, 0)))
    return edges * (1.0 - (1.0 - 1.0 / edges) ** players_reached)


@dataclass(frozen=True)
class Component:
    name: str
    load_cores: float  # busy cores at this load
    cores: float  # provisioned at the headroom
    instances: int  # single-core processes for what scales out; 0 for one cluster
    memory_mb: float
    memory_note: str


@dataclass(frozen=True)
class Limit:
    """A ceiling that adding instances does not raise."""

    name: str
    load: float
    ceiling: float
    unit: str
    why: str

    @property
    def share(self) -> float:
        return self.load / self.ceiling


@dataclass(frozen=True)
class Plan:
    players: int
    rates: dict[str, float]
    components: list[Component]
    limits: list[Limit]

    def limit(self, name: str) -> Limit:
        return next(x for x in self.limits if x.name == name)

    @property
    def tightest(self) -> Limit:
        return max(self.limits, key=lambda x: x.share)


def _edge_count(players: int, edge_load: float, mix: Mix, costs: UnitCosts) -> int:
    by_cpu = math.ceil(edge_load / mix.headroom - 1e-9)
    by_connections = math.ceil(players / costs.connections_per_edge)
    return max(1, by_cpu, by_connections)


def plan(players: int, mix: Mix, costs: UnitCosts) -> Plan:
    others = mix.room_size - 1
    commands = sum(mix.per_second(k, players) for k in mix.kinds if k.typed)
    all_kinds = sum(mix.per_second(k, players) for k in mix.kinds)
    frames = sum(
        mix.per_second(k, players) * (k.typed + k.room_events * others + k.reply_frames)
        for k in mix.kinds
    )
    game_ms = sum(mix.per_second(k, players) * k.game_weight for k in mix.kinds)
    game_ms *= costs.game_per_say
    saves = sum(mix.per_second(k, players) * k.saves for k in mix.kinds)
    events = sum(mix.per_second(k, players) * k.room_events for k in mix.kinds)

    edge_load = frames * costs.per_frame["edge"] / 1000
    edges = _edge_count(players, edge_load, mix, costs)
    touched = edges_touched(mix.room_size, edges)
    # typed: publish + delivery to the game; each room event: one publish, a delivery
    # per edge touched; unfolded replies and saves: a publish and a delivery each.
    messages = sum(
        mix.per_second(k, players)
        * (2 * k.typed + k.room_events * (1 + touched) + 2 * (k.extra_publishes + k.saves))
        for k in mix.kinds
    )
    loads = {
        "edge": edge_load,
        FRONT_DOOR: frames * costs.per_frame[FRONT_DOOR] / 1000,
        "game": game_ms / 1000,
        "rabbitmq": messages * costs.broker_per_message / 1000,
    }
    for name, ms in costs.background_per_command.items():
        loads[name] = all_kinds * ms / 1000
    loads["persistence"] = (
        loads.get("persistence", 0.0) + saves * mix.persistence_ms_per_save / 1000
    )
    loads["postgresql"] = loads.get("postgresql", 0.0) + saves * mix.postgresql_ms_per_save / 1000

    components = [_component(n, loads[n], players, edges, mix, costs) for n in sorted(loads)]
    zone_players = players * mix.busiest_zone_share
    limits = [
        Limit(
            "hot zone",
            loads["game"] * mix.busiest_zone_share,
            mix.headroom,
            "game cores",
            f"a zone lives on one shard: its {zone_players:,.0f} players' game work on one core",
        ),
        Limit(
            "broker",
            loads["rabbitmq"],
            mix.node_cores * mix.headroom,
            "cores",
            f"one RabbitMQ node of {mix.node_cores} cores carries every message (the bench "
            "measured one node; a cluster spreads queue leaders, not a queue's traffic)",
        ),
        Limit(
            "database",
            loads["postgresql"],
            mix.node_cores * mix.headroom,
            "cores",
            f"one PostgreSQL primary of {mix.node_cores} cores takes every save",
        ),
    ]
    rates = {
        "typed commands/s": commands,
        "commands and ticks/s": all_kinds,
        "room events/s": events,
        "client frames/s": frames,
        "broker messages/s": messages,
        "saves/s": saves,
        "journal MB per shard (1 KB per record: the design's estimate)": all_kinds
        / next(c.instances for c in components if c.name == "game")
        * mix.journal_kb_per_record
        * mix.journal_retention_seconds
        / 1024,
        "edges touched per room event": touched,
    }
    return Plan(players, rates, components, limits)


def _component(
    name: str, load: float, players: int, edges: int, mix: Mix, costs: UnitCosts
) -> Component:
    cores = load / mix.headroom
    measured_mb = costs.rss_mb.get(name, 0.0)
    if name == "edge":
        mb = edges * costs.edge_base_mb + players * costs.kb_per_connection / 1024
        return Component(name, load, edges, edges, mb, "measured: base + KB per connection")
    if name in SCALE_OUT:
        count = max(1, math.ceil(cores - 1e-9))
        if name != "game":
            return Component(name, load, count, count, count * measured_mb, "measured RSS each")
        # Upper bound: the whole RSS at the bench's players, grown in proportion.
        mb = max(count * measured_mb, measured_mb * players / max(costs.bench_players, 1))
        return Component(name, load, count, count, mb, "upper bound: bench RSS per player")
    return Component(name, load, cores, 0, measured_mb, "measured RSS of one instance")


def binding_players(name: str, mix: Mix, costs: UnitCosts, most: int = 10_000_000) -> int:
    """The fewest players at which ``name`` reaches its ceiling (``most`` if never)."""

    def over(n: int) -> bool:
        return plan(n, mix, costs).limit(name).share >= 1.0

    if not over(most):
        return most
    low, high = 0, most
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if over(middle) else (middle, high)
    return high


def hot_zone_players(mix: Mix, costs: UnitCosts) -> float:
    """Players one zone holds at this mix before its shard's core passes the headroom."""
    per_player_ms = sum(
        mix.active_fraction * k.per_minute / 60.0 * k.game_weight * costs.game_per_say
        for k in mix.kinds
    )
    return mix.headroom * 1000 / per_player_ms if per_player_ms else math.inf


def mean_wait_ms(service_ms: float, utilisation: float) -> float:
    """Mean time a command waits in a single-core queue before it runs (M/D/1: arrivals
    at random, each taking ``service_ms``): what a shard's headroom buys in latency."""
    if not 0 <= utilisation < 1:
        raise ValueError("a queue at or over 100 % never drains")
    return utilisation * service_ms / (2 * (1 - utilisation))
