"""The game journal's records, and how a starting game folds them back into streams.

One record per unit of work (an input handled, a tick): a compact JSON header, a
newline, then the blobs it refers to (envelopes and other message bodies, stored once
even when several players' histories hold the same one). The header says:

* ``t`` the term, ``i`` the writing instance, ``n`` its record number, ``p`` the number
  of its last record whose messages were all published when this one was written;
* ``a`` the wall-clock time, ``d`` the input's delivery id (None for the clock);
* ``h`` the heads of the streams it touched, ``l`` the last numbers of those it touched
  whose head changed in nothing else since this game last recorded it (absent in
  records of older games; a number applies to a head already folded, and a checkpoint
  holds every head in full), ``x`` the streams it closed;
* ``s`` what it stamped: ``[player, seq, event type, blob]`` (seq 0: a new stream starts,
  forget the player's earlier history);
* ``r`` the command answers it remembered: ``[player, command id, blob]``;
* ``f`` the players whose inputs it forwards to another shard: ``{player: [shard, hop]}``
  (a crossing, or an input forwarded since; absent when none, and in older games');
* ``z`` the zones whose owner it changed, or, in a checkpoint, every zone whose owner is
  not the shard map file's: ``{zone: [owner, map version]}`` (a live zone move; absent
  when none);
* ``c`` the admins' commands run by another shard it left pending, or, in a checkpoint
  (and the first record of a game continuing them), every pending one: ``{call id:
  [admin, command, command id, target's name, deadline, [re-sends' delivery ids]]}``
  (the deadline on the wall clock); ``e`` the call ids it settled (answered or given
  up); both absent when none;
* ``o`` the messages it publishes, in order: ``[exchange, key, persistent, blob,
  correlation id, reply to]``; ``b`` the blobs' lengths.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import msgspec
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.events import CommandResponseData
from mythos_contracts.persistence import HandoffEntry, StreamHandoff

from mythos_game.service_layer.links import RECENT_COMMANDS_KEPT
from mythos_game.service_layer.sequencer import HistoryLimits

Head = tuple[str, str, str, int, str, bool, bool]
"""``(session, epoch, opened_for, last, connection, link-dead, room bound)``."""

PendingCallEntry = tuple[str, str, str | None, str, float, tuple[str, ...]]
"""A pending shard call (``shard_calls.PendingCall``): ``(admin, command, command id,
target's name, deadline on the wall clock, the re-sends' delivery ids)``."""


@dataclass(frozen=True)
class OutboxEntry:
    exchange: str
    key: str
    body: bytes
    persistent: bool
    correlation_id: str | None = None
    reply_to: str | None = None


@dataclass
class Record:
    term: int | None
    instance: str
    number: int
    published_through: int
    at: float
    delivery_id: str | None = None
    heads: dict[str, Head] = field(default_factory=dict)
    lasts: dict[str, int] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    stamped: list[tuple[str, int, str, bytes | None]] = field(default_factory=list)
    answered: list[tuple[str, str, bytes]] = field(default_factory=list)
    outbox: list[OutboxEntry] = field(default_factory=list)
    forwards: dict[str, tuple[str, int]] = field(default_factory=dict)
    zones: dict[str, tuple[str, int]] = field(default_factory=dict)
    calls: dict[str, PendingCallEntry] = field(default_factory=dict)
    calls_settled: list[str] = field(default_factory=list)


_encoder = msgspec.json.Encoder()


def encode(record: Record) -> bytes:
    blobs: list[bytes] = []
    index: dict[int, int] = {}  # id(body) -> its blob: a body stored once, however often

    def blob(body: bytes) -> int:
        at = index.get(id(body))
        if at is None:
            at = index[id(body)] = len(blobs)
            blobs.append(body)
        return at

    # A say's record stamps one body for every listener in a row: the last one looked
    # up is tried first. Tuples, not lists: msgspec writes both as JSON arrays.
    stamped: list[tuple[str, int, str, int]] = []
    last: bytes | None = None
    last_at = -1
    for player_id, seq, kind, body in record.stamped:
        if body is not last:
            last, last_at = body, -1 if body is None else blob(body)
        stamped.append((player_id, seq, kind, last_at))
    header: dict[str, object] = {
        "t": record.term,
        "i": record.instance,
        "n": record.number,
        "p": record.published_through,
        "a": record.at,
        "d": record.delivery_id,
        "h": record.heads,
        "l": record.lasts,
        "x": record.closed,
        "s": stamped,
        "r": [(p, c, blob(b)) for p, c, b in record.answered],
        "o": [
            (o.exchange, o.key, o.persistent, blob(o.body), o.correlation_id, o.reply_to)
            for o in record.outbox
        ],
    }
    if record.forwards:
        header["f"] = record.forwards  # only then: a say's record stays as small as it was
    if record.zones:
        header["z"] = record.zones
    if record.calls:
        header["c"] = record.calls
    if record.calls_settled:
        header["e"] = record.calls_settled
    header["b"] = [len(b) for b in blobs]
    # msgspec: a tenth of the stdlib's time for this header, the same compact JSON.
    return b"".join((_encoder.encode(header), b"\n", *blobs))


def decode(raw: bytes) -> Record:
    cut = raw.index(b"\n")
    header: dict[str, Any] = msgspec.json.decode(raw[:cut])
    blobs: list[bytes] = []
    at = cut + 1
    for length in header["b"]:
        blobs.append(raw[at : at + length])
        at += length
    return Record(
        term=header["t"],
        instance=header["i"],
        number=header["n"],
        published_through=header["p"],
        at=header["a"],
        delivery_id=header["d"],
        heads={pid: tuple(head) for pid, head in header["h"].items()},
        lasts=header.get("l", {}),
        closed=header["x"],
        stamped=[(p, s, k, None if b < 0 else blobs[b]) for p, s, k, b in header["s"]],
        answered=[(p, c, blobs[b]) for p, c, b in header["r"]],
        outbox=[
            OutboxEntry(exchange, key, blobs[b], persistent, correlation_id, reply_to)
            for exchange, key, persistent, b, correlation_id, reply_to in header["o"]
        ],
        forwards={pid: (shard, hop) for pid, (shard, hop) in header.get("f", {}).items()},
        zones={zone: (owner, version) for zone, (owner, version) in header.get("z", {}).items()},
        calls={
            call_id: (admin, command, command_id, target, deadline, tuple(also))
            for call_id, (admin, command, command_id, target, deadline, also) in header.get(
                "c", {}
            ).items()
        },
        calls_settled=header.get("e", []),
    )


@dataclass
class Recovered:
    """What a starting game takes from the journal."""

    streams: list[StreamHandoff]
    handled: dict[str, float]
    """delivery id -> seconds since it was handled."""
    unpublished: list[OutboxEntry]
    """The messages of the last records, whose publishing may not have finished:
    published again (every consumer drops what it already has)."""
    records: int = 0
    last_term: int | None = None
    forwards: dict[str, tuple[str, int, float]] = field(default_factory=dict)
    """player -> (the shard their inputs are forwarded to, the hop, seconds since the
    last record that forwarded to it), for players no longer held here."""
    zones: dict[str, tuple[str, int]] = field(default_factory=dict)
    """zone -> (its owner, the map version it got it at): the live zone moves the
    records knew of, the highest version of each."""
    calls: dict[str, PendingCallEntry] = field(default_factory=dict)
    """call id -> the admin's command still waiting for another shard's result."""


@dataclass
class _Stream:
    head: Head
    history: deque[tuple[int, float, str, bytes]] = field(default_factory=deque)
    answered: OrderedDict[str, bytes] = field(default_factory=OrderedDict)


def fold(raw_records: list[bytes], now: float, limits: HistoryLimits) -> Recovered:
    """The streams as the last records left them (``now``: wall-clock seconds)."""
    streams: dict[str, _Stream] = {}
    history: dict[str, deque[tuple[int, float, str, bytes]]] = {}
    handled: dict[str, float] = {}
    forwards: dict[str, tuple[str, int, float]] = {}
    zones: dict[str, tuple[str, int]] = {}
    calls: dict[str, PendingCallEntry] = {}
    newest_term: int | None = None
    records: list[Record] = []
    for raw in raw_records:
        record = decode(raw)
        if newest_term is not None and record.term is not None and record.term < newest_term:
            continue  # a late record of a game already taken over from: fenced off
        if record.term is not None:
            newest_term = record.term
        records.append(record)
        if record.delivery_id is not None:
            handled[record.delivery_id] = max(0.0, now - record.at)
        for player_id, seq, kind, body in record.stamped:
            kept = history.setdefault(player_id, deque())
            if seq == 0:
                kept.clear()  # a new stream: the old one's messages are not its own
            elif body is not None and (not kept or seq > kept[-1][0]):
                kept.append((seq, record.at, kind, body))  # (a record read twice: once)
        for player_id in record.closed:
            streams.pop(player_id, None)
            history.pop(player_id, None)
        for player_id, (shard, hop) in record.forwards.items():
            forwards[player_id] = (shard, hop, max(0.0, now - record.at))
        for zone, (owner, version) in record.zones.items():
            if version > zones.get(zone, ("", 0))[1]:
                zones[zone] = (owner, version)
        calls.update(record.calls)
        for call_id in record.calls_settled:
            calls.pop(call_id, None)
        for player_id, head in record.heads.items():
            forwards.pop(player_id, None)  # held here again
            stream = streams.get(player_id)
            if stream is None:
                stream = streams[player_id] = _Stream(head)
            stream.head = head  # a new epoch keeps the answers: they are the link's
        for player_id, last in record.lasts.items():
            stream = streams.get(player_id)
            if stream is not None:
                stream.head = (*stream.head[:3], last, *stream.head[4:])
        for player_id, command_id, body in record.answered:
            stream = streams.get(player_id)
            if stream is not None:
                stream.answered[command_id] = body
                while len(stream.answered) > RECENT_COMMANDS_KEPT:
                    stream.answered.popitem(last=False)
    return Recovered(
        streams=[
            _handoff(pid, stream, history.get(pid, deque()), now, limits)
            for pid, stream in streams.items()
        ],
        handled=handled,
        unpublished=_unpublished(records),
        records=len(records),
        last_term=newest_term,
        forwards=forwards,
        zones=zones,
        calls=calls,
    )


def _unpublished(records: list[Record]) -> list[OutboxEntry]:
    if not records:
        return []
    last = records[-1]
    return [
        entry
        for record in records
        if record.instance == last.instance and record.number > last.published_through
        for entry in record.outbox
    ]


def _handoff(
    player_id: str,
    stream: _Stream,
    kept: deque[tuple[int, float, str, bytes]],
    now: float,
    limits: HistoryLimits,
) -> StreamHandoff:
    session, epoch, opened_for, last, connection, linkdead, room_bound = stream.head
    entries = [entry for entry in kept if entry[0] <= last]
    # The sequencer's limits: the last ``messages``, or younger than ``seconds``.
    keep_from = max(0, len(entries) - limits.messages)
    entries = [e for n, e in enumerate(entries) if n >= keep_from or now - e[1] <= limits.seconds][
        -limits.hard_cap :
    ]
    return StreamHandoff(
        player_id=player_id,
        connection_id=connection,
        session_id=session,
        epoch=epoch,
        opened_for=opened_for,
        last=last,
        linkdead=linkdead,
        room_bound=room_bound,
        history=[
            HandoffEntry(
                seq=seq,
                age_seconds=max(0.0, now - at),
                envelope=EventEnvelope.model_validate_json(body),
            )
            for seq, at, _, body in entries
        ],
        recent_commands={
            command_id: CommandResponseData.model_validate_json(body)
            for command_id, body in stream.answered.items()
        },
    )
