"""A generated world for benchmarks: ``rooms`` rooms in a ring (east/west), one zone,
each room its own sub-zone; new players are placed round-robin, so P players fill
rooms of P/rooms."""

from __future__ import annotations

from mythos_game.domain.world import Exit, Room, World


def bench_world(rooms: int) -> World:
    if rooms < 1:
        raise ValueError("the benchmark world needs at least one room")
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
            zone_id="bench",
            zone="Benchmark",
            subzone_id=room_id,
            subzone=f"Hall {i}",
            exits=exits,
        )
    return World(rooms=built, start_room=ids[0], arrival_rooms=tuple(ids))
