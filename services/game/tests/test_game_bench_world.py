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


def test_a_split_bench_world_has_contiguous_zones_and_a_map_owning_each_once() -> None:
    from mythos_game.adapters.bench_world import bench_shard_map
    from mythos_game.domain.shard_map import check_zones

    world = bench_world(10, zones=2)
    zones = [world.rooms[f"bench-{i}"].zone_id for i in range(10)]
    assert zones == ["bench-1"] * 5 + ["bench-2"] * 5
    # Walking east off the end of the first arc enters the second.
    assert world.rooms["bench-4"].exits["east"].target == "bench-5"
    split = bench_shard_map(2)
    check_zones(split, world.zone_ids())  # raises unless every zone is owned exactly once
    assert split.zones_of("s1") == ("bench-1",) and split.zones_of("s2") == ("bench-2",)
    assert bench_world(3).rooms["bench-0"].zone_id == "bench"
