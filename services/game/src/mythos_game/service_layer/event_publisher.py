"""Turns outgoing events into sequenced envelopes on the events exchange.

A room event is published once, on the room key, stamped with each recipient's
sequence number. A recipient whose edge has not yet confirmed it receives that
room (it just arrived) gets its own copy on its player key instead, so a move
never opens a window in which a line could be lost. Every stamped message is
kept in the recipient's history before it is published, so whatever fails to
arrive can be replayed.

A one-player message that directly follows, in the same batch, a message its
player's edge receives anyway (a room event of the room that edge has bound, a global
one, or one on the player's own key) travels inside it (``fold``): a ``say`` is one
publish, not two. The
player's number and history entry are its own, as if it had travelled alone.

Every envelope names its shard and the game's term (``EventEnvelope.shard``, ``term``),
replays included: a message kept from an earlier term goes out again under this one, so
edges that fence off the older term still take it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from mythos_contracts.bus import Bus
from mythos_contracts.envelope import SINGLE_SHARD, EventEnvelope, fold
from mythos_contracts.envelope_json import envelope_json, payload_json
from mythos_contracts.events import EventType
from mythos_contracts.routing import EVENTS_EXCHANGE, global_key, player_key, room_key
from pydantic import TypeAdapter

from mythos_game.domain.outgoing import Outgoing, ToEveryone, ToPlayer, ToSubzone
from mythos_game.domain.roster import Roster
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.metrics import events_published
from mythos_game.service_layer.sequencer import Retained, Sequencer


class EventPublisher:
    def __init__(
        self,
        bus: Bus,
        roster: Roster,
        links: Links,
        sequencer: Sequencer,
        subzone_of: Callable[[str], str] = lambda room_id: room_id,
        *,
        shard: str = SINGLE_SHARD,
        term: int | None = None,
    ) -> None:
        """``term``: this game's, raised as it took the shard over (None: unfenced)."""
        self._shard = shard
        self._term = term
        self._bus = bus
        self._roster = roster
        self._links = links
        self._sequencer = sequencer
        self._subzone_of = subzone_of

    async def publish(self, events: list[Outgoing]) -> None:
        """Publish in order; returns once the broker has confirmed every message.

        Every message is stamped and kept in history first (numbering stays synchronous,
        in event order), then all go out back to back on the one channel, their confirms
        awaited together: the order on the wire is the numbering order."""
        wire: list[_Routed] = []
        for event in events:
            for routed in self._envelopes(event):
                if wire and self._rides_on(routed, wire[-1]):
                    wire[-1].folded.append(routed.message)
                else:
                    wire.append(routed)
        if not wire:
            return
        await self._bus.publish_many(
            EVENTS_EXCHANGE, [(r.key, r.body()) for r in wire], persistent=False
        )
        for routed in wire:
            events_published(routed.message.event_type).inc()
            for message in routed.folded:
                events_published(message.event_type).inc()

    def _rides_on(self, routed: _Routed, carrier: _Routed) -> bool:
        """Whether ``routed`` (a message for one player) may travel inside ``carrier``, the
        message just before it: only if the player's edge receives ``carrier`` anyway (a
        global key, the player's own key, or the room key of the room it has bound). Only
        the last one: the player's number is the batch's latest, and an earlier carrier
        would overtake messages between them (possibly the player's own)."""
        player_id = routed.alone
        if player_id is None:
            return False
        if carrier.everyone or carrier.alone == player_id:
            return True
        if carrier.room_id is None:
            return False
        player = self._roster.get(player_id)
        link = self._links.get(player_id)
        return (
            player is not None
            and player.room_id == carrier.room_id
            and link is not None
            and link.room_bound
        )

    async def publish_to_connection(
        self, event_type: EventType, player_id: str, connection_id: str, data: dict[str, Any]
    ) -> None:
        """A stream message only one connection may deliver (``game_state``)."""
        seq = self._sequencer.next(player_id)
        body = envelope_json(
            event_type,
            _data_json(data),
            {player_id: seq},
            connection_id=connection_id,
            shard=self._shard,
            term=self._term,
        )
        message = _Message(event_type, body)
        self._sequencer.record(player_id, seq, event_type, message.body)
        await self._send(player_key(player_id, event_type), message)

    async def publish_control(
        self,
        event_type: EventType,
        player_id: str,
        data: dict[str, Any],
        connection_id: str | None = None,
    ) -> None:
        """An out-of-stream message: carries the last number issued and does not advance it."""
        body = envelope_json(
            event_type,
            _data_json(data),
            {player_id: self._sequencer.last(player_id)},
            connection_id=connection_id,
            shard=self._shard,
            term=self._term,
        )
        await self._send(player_key(player_id, event_type), _Message(event_type, body))

    async def publish_heartbeats(self, player_ids: list[str], data: dict[str, Any]) -> None:
        """One envelope for every player due a heartbeat, each with their last number."""
        if not player_ids:
            return
        streams = {pid: self._sequencer.get(pid) for pid in player_ids}
        body = envelope_json(
            "heartbeat",
            _data_json(data),
            {pid: s.last for pid, s in streams.items() if s is not None},
            epochs={pid: s.epoch for pid, s in streams.items() if s is not None},
            shard=self._shard,
            term=self._term,
        )
        await self._send(global_key("heartbeat"), _Message("heartbeat", body))

    async def replay(self, player_id: str, connection_id: str, entries: list[Retained]) -> None:
        """Send ``entries`` again, with their original numbers, to one connection."""
        for seq, event_type, body in entries:
            copy = readdressed(body, player_id, seq, connection_id, self._shard, self._term)
            await self._bus.publish(
                EVENTS_EXCHANGE, player_key(player_id, event_type), copy, persistent=False
            )

    async def _send(self, key: str, message: _Message) -> None:
        """Publish one stamped message and count it."""
        await self._bus.publish(EVENTS_EXCHANGE, key, message.body, persistent=False)
        events_published(message.event_type).inc()

    def _envelopes(self, event: Outgoing) -> list[_Routed]:
        # Once per event, whatever number of envelopes.
        data = event.data if isinstance(event.data, bytes) else payload_json(event.data)
        audience = event.audience
        if isinstance(audience, ToPlayer):
            if not self._sequencer.has_stream(audience.player_id):
                return []
            return [self._to_player(event, data, audience.player_id)]

        if isinstance(audience, ToEveryone):
            everyone = [
                p.id
                for p in self._roster.online()
                if p.id not in audience.exclude and self._sequencer.has_stream(p.id)
            ]
            if not everyone:
                return []
            message = self._stamp(event, data, everyone)
            return [_Routed(global_key(event.event_type), message, everyone=True)]
        if isinstance(audience, ToSubzone):
            rooms = [
                r
                for r in self._roster.occupied_rooms()
                if self._subzone_of(r) == audience.subzone_id
            ]
            return [
                e for r in rooms for e in self._room_envelopes(event, data, r, audience.exclude)
            ]
        return self._room_envelopes(event, data, audience.room_id, audience.exclude)

    def _room_envelopes(
        self, event: Outgoing, data: bytes, room_id: str, exclude: frozenset[str]
    ) -> list[_Routed]:
        bound: list[str] = []
        arriving: list[str] = []
        has_stream, links = self._sequencer.has_stream, self._links
        for player_id in self._roster.ids_in_room(room_id):
            if player_id in exclude or not has_stream(player_id):
                continue
            (bound if links[player_id].room_bound else arriving).append(player_id)
        out: list[_Routed] = []
        if bound:
            message = self._stamp(event, data, bound)
            out.append(_Routed(room_key(room_id, event.event_type), message, room_id=room_id))
        out.extend(self._to_player(event, data, player_id) for player_id in arriving)
        return out

    def _to_player(self, event: Outgoing, data: bytes, player_id: str) -> _Routed:
        message = self._stamp(event, data, [player_id])
        return _Routed(player_key(player_id, event.event_type), message, alone=player_id)

    def _stamp(self, event: Outgoing, data: bytes, recipients: list[str]) -> _Message:
        numbers = self._sequencer.next_all(recipients)
        body = envelope_json(
            event.event_type,
            data,
            numbers,
            room_id=event.room_id,
            shard=self._shard,
            term=self._term,
            answers=event.answers,
        )
        message = _Message(event.event_type, body)
        self._sequencer.record_all(numbers, message.event_type, message.body)
        return message


def _data_json(data: dict[str, Any]) -> bytes:
    """A payload given as a dict (the service layer's own messages), as JSON."""
    return msgspec.json.encode(data)


class _Message:
    """An envelope as it goes on the bus: its JSON, encoded once (also what history keeps)."""

    __slots__ = ("body", "event_type")

    def __init__(self, event_type: str, body: bytes) -> None:
        self.event_type = event_type
        self.body = body


@dataclass(slots=True)
class _Routed:
    """A stamped message, where it goes, and who that reaches (for folding)."""

    key: str
    message: _Message
    room_id: str | None = None
    """On the room key of this room: every edge that bound the room receives it."""
    everyone: bool = False
    """On a global key: every edge receives it."""
    alone: str | None = None
    """On this one player's key."""
    folded: list[_Message] = field(default_factory=list)

    def body(self) -> bytes:
        """What is published: the message, with what rides on it."""
        return fold(self.message.body, [m.body for m in self.folded])


_RECIPIENTS = b',"recipients":'
_NO_EPOCHS = b',"epochs":null'
_ANSWERS = b',"answers":'
_NO_ANSWERS = b',"answers":null'
_JSON_STR: TypeAdapter[str] = TypeAdapter(str)


def readdressed(
    body: bytes,
    player_id: str,
    seq: int,
    connection_id: str,
    shard: str | None = None,
    term: int | None = None,
) -> bytes:
    """``body`` (an ``EventEnvelope``'s JSON as a game published it) for one connection:
    ``recipients`` only ``player_id`` at ``seq``, ``connection_id`` set, ``shard`` and
    ``term`` those of the game sending it now; the rest as stored.

    The recipients key is found from the end: it follows ``data`` in the envelope's field
    order, and what follows it (JSON strings, in which a quote is always escaped, numbers
    and nulls) cannot spell ``,"recipients":`` again, so its last occurrence is the
    envelope's own whatever ``data`` holds. Everything after ``"epochs":null`` (the
    shard and term it was first sent with, if any) is written anew, but ``answers``, the
    last field, found from the end too (a JSON string or null), is kept as stored
    (null when the body is older than it). An envelope of
    another shape (``epochs`` set: heartbeats are never stored) is rebuilt through the
    model instead."""
    cut = body.rfind(_RECIPIENTS)
    answers = body.rfind(_ANSWERS)
    if cut < 0 or body.rfind(_NO_EPOCHS) < cut:
        envelope = EventEnvelope.model_validate_json(body)
        update = {
            "recipients": {player_id: seq},
            "connection_id": connection_id,
            "shard": shard,
            "term": term,
        }
        return envelope.model_copy(update=update).model_dump_json().encode()
    return b"".join(
        (
            body[:cut],
            b',"recipients":{',
            _JSON_STR.dump_json(player_id),
            b":%d}" % seq,
            b',"connection_id":',
            _JSON_STR.dump_json(connection_id),
            _NO_EPOCHS,
            b',"shard":',
            b"null" if shard is None else _JSON_STR.dump_json(shard),
            b',"term":',
            b"null" if term is None else b"%d" % term,
            body[answers:-1] if answers > cut else _NO_ANSWERS,
            b"}",
        )
    )
