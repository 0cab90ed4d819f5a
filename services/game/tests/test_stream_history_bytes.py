"""The per-player history keeps each message as the bytes that were published, and a
replay re-addresses those bytes to one connection exactly as re-serialising the envelope
would."""

from __future__ import annotations

import gc

import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import EVENTS_EXCHANGE
from mythos_game.domain.roster import Roster
from mythos_game.service_layer.event_publisher import EventPublisher, readdressed
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.stream_history import History

TRICKY = ',"recipients":{"x":1},"connection_id":null,"epochs":null}'


def _envelopes() -> list[EventEnvelope]:
    return [
        EventEnvelope(
            event_type="chat_message",
            room_id="r1",
            data={"message": "hi"},
            recipients={"a": 3, "b": 7},
        ),
        # ``data`` spelling the tail, as text and as structure, must not confuse the splice.
        EventEnvelope(
            event_type="chat_message",
            room_id=None,
            data={"message": TRICKY, "recipients": {"a": 1}, "epochs": None},
            recipients={"a": 4},
        ),
        EventEnvelope(
            event_type="game_state",
            data={"s": 'é "quoted" \\ \n'},
            recipients={'p"1': 1},
            connection_id='old"conn',
        ),
        EventEnvelope(
            event_type="heartbeat", data={}, recipients={"a": 9}, epochs={"a": "e1"}
        ),  # never stored; still handled by the fallback
    ]


@pytest.mark.parametrize("original", _envelopes(), ids=lambda e: e.event_type)
@pytest.mark.parametrize(("player", "connection"), [("a", "c-2"), ('p"1\\é', "c\n3")])
@pytest.mark.parametrize(("shard", "term"), [("s1", 7), (None, None)])
@pytest.mark.parametrize("stored_term", [None, 3], ids=["unfenced", "older-term"])
@pytest.mark.parametrize("answers", [None, 'd"1,"answers":'], ids=["no-answer", "answer"])
def test_readdressing_bytes_matches_readdressing_the_model(
    original: EventEnvelope,
    player: str,
    connection: str,
    shard: str | None,
    term: int | None,
    stored_term: int | None,
    answers: str | None,
) -> None:
    stored = original.model_copy(update={"shard": "s1", "term": stored_term, "answers": answers})
    body = stored.model_dump_json().encode()
    update = {"recipients": {player: 12}, "connection_id": connection, "shard": shard, "term": term}
    expected = stored.model_copy(update=update).model_dump_json().encode()
    again_bytes = readdressed(body, player, 12, connection, shard, term)
    assert again_bytes == expected
    again = EventEnvelope.model_validate_json(again_bytes)
    assert again.recipients == {player: 12} and again.connection_id == connection
    assert (again.shard, again.term) == (shard, term)  # sent again under the current term
    assert again.data == original.data and again.timestamp == original.timestamp
    assert again.answers == answers  # the input it answers, as stored


def test_a_body_of_a_game_older_than_terms_is_readdressed_under_the_current_term() -> None:
    original = _envelopes()[0]
    body = original.model_dump_json(exclude={"shard", "term"}).encode()
    assert b'"term"' not in body
    again = EventEnvelope.model_validate_json(readdressed(body, "a", 5, "c-1", "s1", 4))
    assert (again.shard, again.term, again.recipients) == ("s1", 4, {"a": 5})
    assert again.answers is None


def _collector_reads(history: History) -> int:
    walked = [o for o in gc.get_referents(history) if not isinstance(o, type)]
    looked_into = [o for o in walked if gc.is_tracked(o)]
    return len(walked) + sum(len(gc.get_referents(o)) for o in looked_into)


async def test_history_holds_published_bytes_the_collector_does_not_track() -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    await bus.declare_queue("spy", exclusive=True, dead_letter=False)
    await bus.bind("spy", EVENTS_EXCHANGE, "#")
    sequencer = Sequencer()
    publisher = EventPublisher(bus, Roster(), Links(), sequencer)
    sequencer.open("a", "c-1")
    for n in range(50):
        await publisher.publish_to_connection("game_state", "a", "c-1", {"n": n})
    stream = sequencer.get("a")
    assert stream is not None and len(stream.history) == 50
    gc.collect()
    # A full collection reads what the history refers to, and looks into those it
    # tracks: a chunk of 32 bodies once (a tuple), never an entry (a deque of them: one
    # read per retained message), nor the newest bodies (an untracked dict).
    one = History([(1, 0.0, "game_state", b"{}")])
    gc.collect()
    assert _collector_reads(stream.history) == _collector_reads(one) + 1 < 15
    *_, (before_last, _, _, before_body), (seq, _, kind, body) = stream.history
    assert (before_last, seq, kind) == (49, 50, "game_state")
    assert EventEnvelope.model_validate_json(body).data == {"n": 49}
    assert sequencer.missed("a", stream.epoch, 48) == [
        (49, "game_state", before_body),
        (50, "game_state", body),
    ]
    await bus.close()
