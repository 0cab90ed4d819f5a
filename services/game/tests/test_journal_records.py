"""Journal records: what goes in comes out, and folding them gives the streams as the
last game left them (a record read twice counts once; a dead game's late record is
fenced off; a closed stream is gone; only the last records' messages go out again)."""

from __future__ import annotations

from mythos_contracts.envelope import EventEnvelope
from mythos_game.service_layer.journal_records import OutboxEntry, Record, decode, encode, fold
from mythos_game.service_layer.sequencer import HistoryLimits

LIMITS = HistoryLimits(messages=100, seconds=120.0)


def _envelope(pid: str, seq: int, text: str) -> bytes:
    data = {"message": text}
    return (
        EventEnvelope(event_type="chat_message", data=data, recipients={pid: seq})
        .model_dump_json()
        .encode()
    )


def _record(
    number: int, *, term: int = 1, instance: str = "i1", through: int | None = None, **kw: object
) -> Record:
    fields: dict[str, object] = {"at": 1000.0 + number, **kw}
    return Record(
        term=term,
        instance=instance,
        number=number,
        published_through=number - 1 if through is None else through,
        **fields,  # type: ignore[arg-type]
    )


def _head(last: int, epoch: str = "e1") -> tuple[str, str, str, int, str, bool, bool]:
    return ("s1", epoch, "c1", last, "c1", False, True)


def test_a_record_comes_back_as_it_went_in() -> None:
    body = _envelope("alice", 1, "hi")
    record = _record(
        1,
        delivery_id="d-1",
        heads={"alice": _head(1)},
        stamped=[("alice", 0, "", None), ("alice", 1, "chat_message", body)],
        answered=[("alice", "a-1", b'{"x":1}')],
        outbox=[
            OutboxEntry("mythos.events", "room.r1.chat_message", body, False),
            OutboxEntry("mythos.persistence", "save.player", b"\n{}\n", True, "c", "r"),
        ],
    )
    raw = encode(record)
    assert raw.count(body) == 1, "a body held twice is stored once"
    assert decode(raw) == record


def test_each_body_is_stored_once_whatever_the_order_it_is_stamped_in() -> None:
    room, own = _envelope("bob", 4, "room"), _envelope("alice", 7, "own")
    stamped: list[tuple[str, int, str, bytes | None]] = [
        ("alice", 3, "chat_message", room),
        ("bob", 4, "chat_message", room),
        ("alice", 4, "command_response", own),
        ("carol", 0, "", None),
        ("carol", 1, "chat_message", room),
    ]
    record = _record(1, stamped=stamped, answered=[("alice", "a-1", own)])
    raw = encode(record)
    assert (raw.count(room), raw.count(own)) == (1, 1)
    header = raw[: raw.index(b"\n")]
    assert b'"s":[["alice",3,"chat_message",0],["bob",4,"chat_message",0]' in header
    assert b'["carol",0,"",-1],["carol",1,"chat_message",0]]' in header
    assert decode(raw) == record


def test_folding_gives_each_stream_with_its_history_and_answers() -> None:
    one, two = _envelope("alice", 1, "one"), _envelope("alice", 2, "two")
    records = [
        _record(
            1,
            heads={"alice": _head(1)},
            stamped=[("alice", 0, "", None), ("alice", 1, "chat_message", one)],
        ),
        _record(
            2,
            delivery_id="d-2",
            heads={"alice": _head(2)},
            stamped=[("alice", 2, "chat_message", two)],
            answered=[
                (
                    "alice",
                    "a-2",
                    b'{"command":"say","command_id":"a-2","success":true,"result":"ok"}',
                )
            ],
        ),
    ]
    raws = [encode(r) for r in records]
    recovered = fold([*raws, raws[1]], now=1010.0, limits=LIMITS)  # the last one read twice

    (stream,) = recovered.streams
    assert (stream.player_id, stream.epoch, stream.last) == ("alice", "e1", 2)
    assert [e.seq for e in stream.history] == [1, 2]
    assert [e.envelope.data["message"] for e in stream.history] == ["one", "two"]
    assert list(stream.recent_commands) == ["a-2"]
    assert set(recovered.handled) == {"d-2"}
    assert recovered.handled["d-2"] == 8.0


def test_a_new_epoch_forgets_the_old_history() -> None:
    old, new = _envelope("alice", 7, "old"), _envelope("alice", 1, "new")
    records = [
        _record(1, heads={"alice": _head(7)}, stamped=[("alice", 7, "chat_message", old)]),
        _record(
            2,
            heads={"alice": _head(1, "e2")},
            stamped=[("alice", 0, "", None), ("alice", 1, "chat_message", new)],
        ),
    ]
    (stream,) = fold([encode(r) for r in records], now=1003.0, limits=LIMITS).streams
    assert (stream.epoch, stream.last, [e.seq for e in stream.history]) == ("e2", 1, [1])


def test_a_number_alone_moves_a_known_head_and_nothing_else() -> None:
    one, two = _envelope("alice", 1, "one"), _envelope("alice", 2, "two")
    records = [
        _record(1, heads={"alice": _head(1)}, stamped=[("alice", 1, "chat_message", one)]),
        _record(2, lasts={"alice": 2, "bob": 7}, stamped=[("alice", 2, "chat_message", two)]),
    ]
    raw = [encode(r) for r in records]
    assert decode(raw[1]).lasts == {"alice": 2, "bob": 7}
    (stream,) = fold(raw, now=1003.0, limits=LIMITS).streams
    assert (stream.player_id, stream.epoch, stream.last) == ("alice", "e1", 2)
    assert [e.seq for e in stream.history] == [1, 2]


def test_a_record_of_an_older_game_without_numbers_alone_still_decodes() -> None:
    raw = encode(_record(1, heads={"alice": _head(3)}))
    older = raw.replace(b'"l":{},', b"")
    assert older != raw
    assert decode(older).lasts == {}
    (stream,) = fold([older], now=1003.0, limits=LIMITS).streams
    assert stream.last == 3


def test_a_closed_stream_is_not_continued() -> None:
    records = [
        _record(1, heads={"alice": _head(1), "bob": _head(1)}),
        _record(2, closed=["alice"]),
    ]
    recovered = fold([encode(r) for r in records], now=1003.0, limits=LIMITS)
    assert [s.player_id for s in recovered.streams] == ["bob"]


def test_forwards_are_kept_until_the_player_is_held_here_again() -> None:
    records = [
        _record(1, closed=["alice"], forwards={"alice": ("s2", 7), "bob": ("s2", 3)}),
        _record(2, delivery_id="d-2", forwards={"alice": ("s2", 7)}),
        _record(3, heads={"bob": _head(4)}),
    ]
    raw = [encode(r) for r in records]
    assert decode(raw[0]) == records[0]
    recovered = fold(raw, now=1010.0, limits=LIMITS)
    assert recovered.forwards == {"alice": ("s2", 7, 8.0)}, "bob came back: his head"
    assert b'"f"' in raw[0] and b'"f"' not in raw[2], "written only when there are some"


def test_pending_calls_are_kept_until_settled() -> None:
    mute = ("alice", "mute", "a-1", "Bob", 1006.0, ())
    resent = ("alice", "mute", "a-1", "Bob", 1006.0, ("d-1b",))
    kick = ("alice", "kick", None, "Carol", 1007.0, ())
    records = [
        _record(1, delivery_id="d-1", calls={"d-1": mute}),
        _record(2, delivery_id="d-1b", calls={"d-1": resent}),
        _record(3, delivery_id="d-2", calls={"d-2": kick}),
        _record(4, delivery_id="r-2", calls_settled=["d-2"]),
        _record(5, delivery_id="d-3"),
    ]
    raw = [encode(r) for r in records]
    assert [decode(r) for r in raw] == records
    recovered = fold(raw, now=1010.0, limits=LIMITS)
    assert recovered.calls == {"d-1": resent}
    assert b'"c"' not in raw[4] and b'"e"' not in raw[4], "written only when there are some"


def test_a_late_record_of_an_older_term_is_fenced_off() -> None:
    records = [
        _record(1, heads={"alice": _head(1)}),
        _record(1, term=2, instance="i2", heads={"alice": _head(2)}),
        _record(2, term=1, heads={"alice": _head(9)}),  # the dead game's last publish
    ]
    recovered = fold([encode(r) for r in records], now=1003.0, limits=LIMITS)
    assert recovered.streams[0].last == 2
    assert recovered.last_term == 2


def test_only_the_records_after_the_last_one_published_go_out_again() -> None:
    def out(n: int) -> list[OutboxEntry]:
        return [OutboxEntry("mythos.events", "k", b"%d" % n, False)]

    records = [
        _record(1, outbox=out(1)),
        _record(2, outbox=out(2)),
        _record(3, through=1, outbox=out(3)),  # 2 was not published when 3 was written
    ]
    recovered = fold([encode(r) for r in records], now=1004.0, limits=LIMITS)
    assert [e.body for e in recovered.unpublished] == [b"2", b"3"]


def test_history_keeps_the_sequencers_limits() -> None:
    limits = HistoryLimits(messages=2, seconds=5.0)
    stamped = [("alice", n, "chat_message", _envelope("alice", n, str(n))) for n in range(1, 6)]
    records = [_record(n, heads={"alice": _head(n)}, stamped=[stamped[n - 1]]) for n in range(1, 6)]
    (stream,) = fold([encode(r) for r in records], now=1009.0, limits=limits).streams
    # Records at 1001..1005: younger than 5 s at 1009 are 4 and 5 (and the last 2 anyway).
    assert [e.seq for e in stream.history] == [4, 5]


def test_a_standbys_tail_keeps_the_window_only() -> None:
    from mythos_game.service_layer.journal_start import JournalTail

    now = [0.0]
    tail = JournalTail(10.0, clock=lambda: now[0])
    for n in range(5):
        now[0] = n * 4.0  # 0, 4, 8, 12, 16
        tail.add(b"%d" % n)
    assert tail.records() == [b"2", b"3", b"4"], "older than 10 s at 16 s: gone"
