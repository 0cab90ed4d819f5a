"""The pending shard calls in the journal (``shard_calls``, ``stream_journal``): a unit's
record holds the calls it left pending or settled, a checkpoint every one pending (so the
journal's recent window always holds them), a game continuing them records them again
in its first record, and a record with nothing of them holds no field for them."""

from __future__ import annotations

from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand
from mythos_game.service_layer.journal_records import Record, decode
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.shard_calls import ShardCalls
from mythos_game.service_layer.stream_journal import StreamJournal

MUTE = ("alice", "mute", "a-1", "Bob", 1006.0, ())
KICK = ("alice", "kick", None, "Carol", 1009.0, ())


async def _records(journal: MemoryJournal) -> list[Record]:
    return [decode(raw) for raw in await journal.read_recent(60.0)]


async def test_pending_calls_are_recorded_opened_again_at_checkpoints_and_settled() -> None:
    journal = MemoryJournal()
    await journal.open()
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    recorder = StreamJournal(journal, bus, Sequencer(HistoryLimits(100, 120.0)), Links())
    calls = ShardCalls(recorder.bus, shard="s1")
    calls.journal = recorder
    recorder.pending_calls = calls.entries
    calls.restore({"d-1": MUTE, "d-2": KICK})
    async with recorder.unit("first"):
        pass
    async with recorder.unit("say"):
        pass
    resent = PlayerCommand(
        player_id="alice",
        player_name="Alice",
        connection_id="c-2",
        edge_id="edge-1",
        command="mute",
        args=["Bob"],
        command_id="a-1",
        delivery_id="d-1b",
    )
    async with recorder.unit("d-1b"):
        assert calls.waiting(resent), "a re-send of a pending call"
    async with recorder.unit():
        assert [p.delivery_id for p in calls.expired(1007.0)] == ["d-1"]
    async with recorder.unit():
        recorder.touch_everyone()
    await recorder.settled()

    first, say, again, given_up, checkpoint = await _records(journal)
    assert first.calls == {"d-1": MUTE, "d-2": KICK}, "continued: recorded again at once"
    assert say.calls == {} and say.calls_settled == []
    assert again.calls == {"d-1": ("alice", "mute", "a-1", "Bob", 1006.0, ("d-1b",))}
    assert given_up.calls_settled == ["d-1"]
    assert checkpoint.calls == {"d-2": KICK}, "every call still pending"
    await bus.close()
