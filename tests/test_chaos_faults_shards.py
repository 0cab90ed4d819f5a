"""``make chaos`` in short, on two game shards (Arkham split by
services/game/world/shards.2.json, two edges): a shard's active game killed or rolled,
and a zone moved live, while four players talk and one in four walks across the
boundary. The goal, as in ``test_chaos_faults.py``: all zeros, and every player
answered again after the fault. The long form and its figures: docs/reliability.md."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from mythos_chaos.faults import FAULTS, Target
from mythos_chaos.player import ChaosPlayer, Ledger
from mythos_chaos.run import CHAOS_TUNING, Phases, run_fault
from test_gameplay_support import grant_admin, join

PLAYERS = 4

# Two shards (Arkham split by services/game/world/shards.2.json): half the players walk
# north into s2 first; then one player in four walks across the boundary every other
# turn while everyone talks, and a shard's active game is killed.
SPLIT_PHASES = Phases(warmup=2.0, observe=6.0, drain=30.0, walk_every=2, walks=("south", "north"))


async def _split_talkers(
    system: Any, players: Any, ws_url: str, ledger: Ledger
) -> list[ChaosPlayer]:
    """The talkers of a two-shard run: every other one walks north into s2 first."""
    talkers = []
    for index in range(PLAYERS):
        account = await players.register_and_login(system.url, f"Chaos{uuid.uuid4().hex[:6]}")
        if index % 2 == 0:  # to s2 before the load starts
            await account.connect(system.url)
            await account.event("game_state")
            assert (await account.run("north"))["success"] is True
            await account.close()
        talkers.append(ChaosPlayer(account.name, account.token, ws_url, ledger))
    return talkers


def _assert_nothing_cost(row: Any) -> None:
    print(row)
    assert row.sent >= PLAYERS * (SPLIT_PHASES.warmup + SPLIT_PHASES.observe - 1), "the load ran"
    assert row.zeros() == dict.fromkeys(row.zeros(), 0), row
    assert row.recovery_seconds is not None, f"a player was never answered again: {row}"


@pytest.mark.parametrize("fault", ["game-kill", "game-s2-kill", "game-s2-term"])
async def test_a_game_killed_or_rolled_on_either_of_two_shards_costs_the_players_nothing(
    start_system: Any, players: Any, fault: str
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2", **CHAOS_TUNING)
    ws_url = system.url.replace("http://", "ws://") + "/api/ws"
    ledger = Ledger()
    talkers = await _split_talkers(system, players, ws_url, ledger)
    target = Target(system.pid, system.env["MYTHOS_VHOST"])

    row = await run_fault(FAULTS[fault], target, talkers, ledger, SPLIT_PHASES)

    _assert_nothing_cost(row)


async def test_a_zone_moved_live_under_talking_and_walking_players_costs_them_nothing(
    start_system: Any, players: Any
) -> None:
    """The same load on two shards; an admin moves downtown (Independence Square, where
    half the players talk and walkers come and go) from s1 to s2."""
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2", **CHAOS_TUNING)
    ws_url = system.url.replace("http://", "ws://") + "/api/ws"
    ledger = Ledger()
    talkers = await _split_talkers(system, players, ws_url, ledger)
    admin_account = await join(system, players, f"Admin{uuid.uuid4().hex[:6]}")
    admin_account = await grant_admin(system, players, admin_account.name)
    await admin_account.close()
    admin = ChaosPlayer(admin_account.name, admin_account.token, ws_url, Ledger())
    await admin.start()

    async def as_admin(words: list[str]) -> tuple[bool, str]:
        command = await admin.run(words[0], words[1:])
        return command.succeeded, command.result

    target = Target(system.pid, system.env["MYTHOS_VHOST"], admin=as_admin, zone="downtown")
    try:
        row = await run_fault(FAULTS["zone-move"], target, talkers, ledger, SPLIT_PHASES)
    finally:
        await admin.stop()

    _assert_nothing_cost(row)
