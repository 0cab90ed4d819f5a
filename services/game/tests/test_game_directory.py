"""The directory replica's merge: deltas and snapshots in any order give the newest
state per player (by hop, then an absence over a presence, then stamp)."""

from __future__ import annotations

import itertools

from mythos_contracts.directory import Absent, Present, ShardSnapshot
from mythos_game.domain.directory import Directory, supersedes


def present(pid: str, shard: str, hop: int, stamp: float, room: str = "r1") -> Present:
    return Present(player_id=pid, name=pid.title(), shard=shard, hop=hop, stamp=stamp, room_id=room)


def absent(pid: str, shard: str, hop: int, stamp: float, to: str | None = None) -> Absent:
    reason = "crossed" if to else "left"
    return Absent(player_id=pid, shard=shard, hop=hop, stamp=stamp, reason=reason, crossed_to=to)


def snapshot(shard: str, at: float, *players: Present, term: int = 1) -> ShardSnapshot:
    return ShardSnapshot(
        shard=shard, term=term, instance=f"{shard}-a", at=at, started_at=0.0, players=[*players]
    )


def where(directory: Directory, pid: str) -> tuple[str, str] | None:
    entry = directory.get(pid)
    return None if entry is None else (entry.shard, entry.room_id)


def test_order_is_hop_then_absence_then_stamp() -> None:
    assert supersedes(present("a", "s2", 2, 1.0), absent("a", "s1", 1, 9.0))
    assert not supersedes(absent("a", "s1", 1, 9.0), present("a", "s2", 2, 1.0))
    assert supersedes(absent("a", "s1", 1, 1.0), present("a", "s1", 1, 9.0))
    assert not supersedes(present("a", "s1", 1, 9.0), absent("a", "s1", 1, 1.0))
    assert supersedes(present("a", "s1", 1, 2.0, "r2"), present("a", "s1", 1, 1.0))
    assert not supersedes(present("a", "s1", 1, 1.0), present("a", "s1", 1, 2.0, "r2"))


def test_a_crossing_ends_on_the_new_shard_whatever_order_its_two_deltas_arrive_in() -> None:
    left = absent("alice", "s1", 1, 5.0, to="s2")
    arrived = present("alice", "s2", 2, 5.0, "r9")
    for order in itertools.permutations([present("alice", "s1", 1, 1.0), left, arrived]):
        directory = Directory()
        for entry in order:
            directory.apply(entry, now=0.0)
        assert where(directory, "alice") == ("s2", "r9"), order


def test_a_logout_then_a_login_elsewhere_in_any_order() -> None:
    logout = absent("bob", "s2", 10, 7.0)
    login = present("bob", "s1", 11, 8.0)
    for order in itertools.permutations([present("bob", "s2", 10, 1.0), logout, login]):
        directory = Directory()
        for entry in order:
            directory.apply(entry, now=0.0)
        assert where(directory, "bob") == ("s1", "r1"), order
    directory = Directory()
    directory.apply(login, 0.0)
    directory.apply(present("bob", "s1", 11, 9.0), 0.0)
    directory.apply(absent("bob", "s1", 11, 10.0), 0.0)
    assert directory.get("bob") is None
    assert directory.present() == []


def test_a_late_delta_never_undoes_a_newer_one() -> None:
    directory = Directory()
    directory.apply(present("a", "s1", 1, 2.0, "r2"), 0.0)
    assert not directory.apply(present("a", "s1", 1, 1.0, "r1"), 0.0)
    assert where(directory, "a") == ("s1", "r2")


def test_a_snapshot_ends_whom_it_no_longer_lists_but_not_a_later_arrival() -> None:
    directory = Directory()
    directory.apply(present("a", "s1", 1, 1.0), 0.0)  # its absence was missed
    directory.apply(present("b", "s1", 1, 6.0), 0.0)  # arrived after the snapshot's time
    directory.apply(present("c", "s2", 1, 1.0), 0.0)  # another shard's
    directory.apply_snapshot(snapshot("s1", 5.0), now=0.5)
    assert directory.get("a") is None
    assert where(directory, "b") == ("s1", "r1")
    assert where(directory, "c") == ("s2", "r1")
    # The missed absence's own late copy, or a re-published presence, changes nothing.
    assert not directory.apply(present("a", "s1", 1, 1.0), 0.6)
    assert directory.get("a") is None


def test_a_replica_that_starts_late_learns_every_shard_from_snapshots() -> None:
    directory = Directory()
    directory.apply_snapshot(snapshot("s1", 1.0, present("a", "s1", 1, 0.5)), 0.0)
    directory.apply_snapshot(snapshot("s2", 1.0, present("b", "s2", 3, 0.7, "r7")), 0.0)
    assert sorted(p.player_id for p in directory.present()) == ["a", "b"]
    assert [p.player_id for p in directory.present(besides="s1")] == ["b"]
    assert directory.find_by_name("B", besides="s1") == present("b", "s2", 3, 0.7, "r7")
    assert directory.find_by_name("a", besides="s1") is None
    assert [s.shard for s in directory.shards()] == ["s1", "s2"]


def test_an_older_snapshot_or_a_stale_terms_is_ignored() -> None:
    directory = Directory()
    directory.apply_snapshot(snapshot("s1", 5.0, present("a", "s1", 1, 4.0), term=2), 0.0)
    directory.apply_snapshot(snapshot("s1", 9.0, term=1), 0.1)  # the old instance, late
    directory.apply_snapshot(snapshot("s1", 3.0, term=2), 0.2)  # overtaken by a newer one
    assert where(directory, "a") == ("s1", "r1")
    assert directory.shards()[0].term == 2


def test_a_shard_silent_past_the_timeout_is_dropped_with_its_players() -> None:
    directory = Directory(shard_timeout=3.0)
    directory.apply_snapshot(snapshot("s1", 1.0, present("a", "s1", 1, 0.5)), now=0.0)
    directory.apply_snapshot(snapshot("s2", 1.0, present("b", "s2", 1, 0.5)), now=0.0)
    directory.apply(present("c", "s2", 1, 2.0), now=2.5)  # a delta counts as hearing s2
    assert directory.expire(now=3.5) == ["s1"]
    assert directory.get("a") is None
    assert sorted(p.player_id for p in directory.present()) == ["b", "c"]
    assert [s.shard for s in directory.shards()] == ["s2"]


def test_absences_are_forgotten_after_the_tombstone_time() -> None:
    directory = Directory(shard_timeout=1000.0, tombstone_seconds=10.0)
    directory.apply(absent("a", "s1", 4, 1.0), now=0.0)
    directory.expire(now=5.0)
    assert not directory.apply(present("a", "s1", 4, 0.5), now=5.0)  # still remembered
    directory.expire(now=11.0)
    assert directory.apply(present("a", "s1", 5, 12.0), now=11.0)
    assert where(directory, "a") == ("s1", "r1")
