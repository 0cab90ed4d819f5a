"""Admin commands on another shard's player run exactly once and are always answered
(docs/design/shards.md §9), with two games whose maps split the shipped world
(``world_span_support``): the admin's shard dead right after recording the call and
continued from its journal, the same while the target's shard never answers, and a
client re-sending the command (the same ``command_id``, a new delivery id) while the
call is pending. The test is the edge. On the in-process bus, and on RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossing_support import (
    QUAD,
    SPLIT,
    MakeBus,
    Peer,
    PeerOn,
    ids,
    make_bus,
    start_game,
    stop_all,
)
from journal_faults import DiesAfterRecording, crash, crash_settings, held_heartbeat
from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.envelope import PlayerCommand
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from world_span_support import SpanEdge, span_pair, start_span_shard

__all__ = ["make_bus"]  # the fixture, used by name

MUTED = "[system] Alice has muted you for 5 minutes: you cannot speak until then."


def _answers(edge: SpanEdge, pid: str, command_id: str) -> list[tuple[str | None, str]]:
    """``(the delivery id it answers, text)`` of each answer to ``command_id``."""
    return [
        (e.answers, e.data["result"])
        for e in edge.peer.events
        if e.event_type == "command_response"
        and pid in e.recipients
        and e.data["command_id"] == command_id
    ]


def _mutes(edge: SpanEdge) -> list[tuple[str | None, str]]:
    return [(shard, text) for shard, text in edge.chats("bob") if text == MUTED]


async def _bob_on_s2(edge: SpanEdge) -> None:
    """Alice and Bob join on s1; Bob walks north to s2, and s1's replica has him there."""
    for pid in ("alice", "bob"):
        await edge.join(pid)
    await edge.walk("bob", "north", QUAD)
    assert edge.route("bob") == "s2"
    await edge.until("alice", lambda text: "Bob" in text, "who")


@dataclass
class _DyingCaller:
    """s2, and an s1 that dies right after recording the unit that sends a shard call
    (its messages wait for the record: ``journal_confirm_first``); Alice on s1, Bob on
    s2 (``_bob_on_s2``)."""

    peer: Peer
    edge: SpanEdge
    dying: DiesAfterRecording
    s1: GameService
    s1_bus: Bus
    s2: GameService
    s2_bus: Bus
    make_bus: MakeBus
    settings: GameSettings
    journal: MemoryJournal

    async def restart_s1(self) -> None:
        """The next s1, from the journal. Alice's edge still holds her: its heartbeat
        waits in s1's inbox (a real edge answers the starting game's sync), so she is
        adopted before anything else there is handled."""
        await self.edge.send("alice", held_heartbeat("alice"))
        self.s1, self.s1_bus = await start_game(
            self.make_bus, "game-s1-next", self.settings, self.journal
        )

    async def stop(self) -> None:
        await stop_all(self.peer, (self.s1, self.s1_bus), (self.s2, self.s2_bus))


async def _dying_caller(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> _DyingCaller:
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    settings = crash_settings(
        game_settings,
        shard="s1",
        shard_map=SPLIT,
        heartbeat_interval_seconds=0.2,
        directory_snapshot_seconds=0.2,
    )
    s2, s2_bus, _ = await start_span_shard(make_bus, game_settings, "s2")
    dying = DiesAfterRecording(journal, b'"shard_call"')
    s1, s1_bus = await start_game(make_bus, "game-s1", settings, dying)
    edge = SpanEdge(peer)
    await _bob_on_s2(edge)
    return _DyingCaller(peer, edge, dying, s1, s1_bus, s2, s2_bus, make_bus, settings, journal)


async def test_an_admins_shard_dead_after_recording_the_call_answers_it_once_restarted(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 records Alice's mute of Bob (the call pending, the ShardCall in its outbox)
    and dies before publishing: the next s1 publishes the call again from the journal,
    s2 mutes Bob once, and its result answers Alice from the pending call restored."""
    caller = await _dying_caller(make_bus, peer_on, game_settings)
    peer, edge = caller.peer, caller.edge
    mute = await edge.post("alice", "mute", "Bob", "5", role="admin")
    await asyncio.wait_for(caller.dying.died.wait(), 10)
    assert _answers(edge, "alice", mute) == [], "recorded, not published"
    await crash(caller.s1, caller.s1_bus)

    await caller.restart_s1()
    # A restart on a loaded machine: the answer comes once the next game took over.
    await peer.wait_until(lambda: _answers(edge, "alice", mute) != [], timeout=30)
    await asyncio.sleep(0.5)  # a second answer or mute would have come by now

    assert [text for _, text in _answers(edge, "alice", mute)] == ["Bob is muted for 5 minutes."]
    assert _mutes(edge) == [("s2", MUTED)], "s2 ran the mute once"
    refused = await edge.command("bob", "say", "hello")
    assert refused.startswith("You are muted for"), refused
    await caller.stop()


async def test_an_admins_shard_restarted_gives_up_on_a_call_never_answered(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s2 is gone; s1 records Alice's call and dies: the next s1 answers her once, with
    the refusal, at its first tick past the call's deadline (on the wall clock: the
    restart does not extend it)."""
    caller = await _dying_caller(make_bus, peer_on, game_settings)
    peer, edge = caller.peer, caller.edge
    await caller.s2.stop()  # Bob stays in s1's directory for a while
    loop = asyncio.get_running_loop()
    started = loop.time()
    mute = await edge.post("alice", "mute", "Bob", role="admin")
    await asyncio.wait_for(caller.dying.died.wait(), 10)
    await crash(caller.s1, caller.s1_bus)

    await caller.restart_s1()
    await peer.wait_until(lambda: _answers(edge, "alice", mute) != [], timeout=30)
    waited = loop.time() - started
    await asyncio.sleep(1.5)  # past a checkpoint's ticks: still one answer

    assert [text for _, text in _answers(edge, "alice", mute)] == [
        "Could not reach Bob; try again."
    ]
    assert waited > 4.9, waited
    await caller.stop()


async def test_a_command_resent_while_its_call_is_pending_runs_once(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Alice's client sends her mute again (the same command id) while s2 has not yet
    answered the first: s2 mutes Bob once, and both deliveries are answered."""
    async with span_pair(make_bus, peer_on, game_settings) as pair:
        peer, edge = pair.peer, pair.edge
        await _bob_on_s2(edge)
        sent = [
            PlayerCommand(
                **ids("alice"),
                command="mute",
                args=["Bob", "5"],
                command_id="a-mute",
                player_role="admin",
            )
            for _ in range(2)
        ]
        assert sent[0].delivery_id != sent[1].delivery_id
        # Both at once: the second is in s1's inbox before s2 can have answered the first.
        key = command_key(edge.route("alice"), "alice")
        messages = [(key, message.model_dump_json().encode()) for message in sent]
        await peer.bus.publish_many(COMMANDS_EXCHANGE, messages)
        await peer.wait_until(lambda: len(_answers(edge, "alice", "a-mute")) == 2)
        await asyncio.sleep(0.5)  # a second mute would have come by now

        answered: dict[Any, str] = dict(_answers(edge, "alice", "a-mute"))
        assert answered == {m.delivery_id: "Bob is muted for 5 minutes." for m in sent}
        assert _mutes(edge) == [("s2", MUTED)], "s2 ran the mute once"
        # Answered since: a later re-send is answered from the remembered answers.
        again = sent[0].model_copy(update={"delivery_id": "a-mute-again"})
        await edge.send("alice", again)
        await peer.wait_until(lambda: len(_answers(edge, "alice", "a-mute")) == 3)
        assert _mutes(edge) == [("s2", MUTED)]


async def test_an_admin_crossing_while_a_call_is_pending_is_answered_on_the_new_shard(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Alice mutes Bob (on s2) and walks north at once: her call leaves s1 with her, so
    the result, which s1 forwards to s2 after her, answers her there, once."""
    async with span_pair(make_bus, peer_on, game_settings) as pair:
        peer, edge = pair.peer, pair.edge
        await _bob_on_s2(edge)
        muting = await edge.post("alice", "mute", "Bob", "5", role="admin")
        walking = await edge.post("alice", "go", "north")  # to s1 too: her route is s1's

        await peer.wait_until(lambda: _answers(edge, "alice", muting) != [], timeout=10)
        await peer.wait_until(lambda: edge.answer("alice", walking) is not None)
        await asyncio.sleep(0.3)  # a second answer would be out by now
        assert [text for _, text in _answers(edge, "alice", muting)] == [
            "Bob is muted for 5 minutes."
        ]
        assert edge.route("alice") == "s2"
        assert len(_mutes(edge)) == 1
