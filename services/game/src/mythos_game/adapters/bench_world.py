"""A generated world for benchmarks: ``rooms`` rooms in a ring (east/west), each room
its own sub-zone; new players are placed round-robin, so P players fill rooms of
P/rooms. One zone (``bench``), or ``zones`` contiguous arcs of the ring (``bench-1``,
``bench-2``, ...), so a split world can be sharded (``bench_shard_map``): walking east
off the end of one arc enters the next."""

from __future__ import annotations

from mythos_game.domain.shard_map import ShardMap
from mythos_game.domain.world import Exit, Room, World


def bench_zone(index: int, rooms: int, zones: int) -> str:
    """The zone of room ``index``: ``bench`` alone, else its arc of the ring."""
    return "bench" if zones == 1 else f"bench-{index * zones // rooms + 1}"


def bench_world(rooms: int, zones: int = 1) -> World:
    if rooms < 1:
        raise ValueError("the benchmark world needs at least one room")
    if not 1 <= zones <= rooms:
        raise ValueError(f"the benchmark world splits {rooms} rooms into 1 to {rooms} zones")
    ids = [f"bench-{i}" for i in range(rooms)]
    built: dict[str, Room] = {}
    for i, room_id in enumerate(ids):
        exits = (
            {}
            if rooms == 1
            else {
                "east": Exit(ids[(i + 1) % rooms]),
                "west": Exit(ids[(i - 1) % rooms]),
            }
        )
        if rooms == 2:
            exits = {"east": Exit(ids[1 - i]), "west": Exit(ids[1 - i])}
        built[room_id] = Room(
            room_id,
            f"Benchmark Hall {i}",
            "A bare hall of the benchmark world.",
            zone_id=bench_zone(i, rooms, zones),
            zone="Benchmark" if zones == 1 else f"Benchmark {bench_zone(i, rooms, zones)}",
            subzone_id=room_id,
            subzone=f"Hall {i}",
            exits=exits,
        )
    return World(rooms=built, start_room=ids[0], arrival_rooms=tuple(ids))


def bench_shard_map(zones: int) -> ShardMap:
    """The built-in map of a split benchmark world: zone ``bench-k`` to shard ``s<k>``."""
    return ShardMap(
        version=1,
        shards={f"s{k}": (f"bench-{k}",) for k in range(1, zones + 1)},
        source="the split benchmark world",
    )
