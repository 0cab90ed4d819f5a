from mythos_game.adapters.bench_world import bench_world


def test_new_players_fill_the_rooms_in_turn() -> None:
    world = bench_world(3)
    assert [world.arrival_room() for _ in range(7)] == [
        "bench-0",
        "bench-1",
        "bench-2",
        "bench-0",
        "bench-1",
        "bench-2",
        "bench-0",
    ]


def test_the_ring_is_connected_both_ways() -> None:
    world = bench_world(5)
    assert world.room("bench-4").exits["east"].target == "bench-0"
    assert world.room("bench-0").exits["west"].target == "bench-4"


def test_the_bench_world_has_no_npcs_items_or_spawns() -> None:
    # Benchmarks measure the message path; creatures and resets would skew them.
    world = bench_world(4)
    assert (world.npcs, world.items, world.professions) == ({}, {}, {})
    for room in world.rooms.values():
        assert room.spawns == () and room.flags == frozenset()
        assert room.lucidity_per_minute == 0
    assert world.respawn_room == world.asylum_room == world.start_room
