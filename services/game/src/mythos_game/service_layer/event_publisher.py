"""Turns outgoing events into sequenced envelopes on the events exchange.

A room event is published once, on the room key, stamped with each recipient's
sequence number. A recipient whose edge has not yet confirmed it receives that
room (it just arrived) gets its own copy on its player key instead, so a move
never opens a window in which a line could be lost.
"""

from __future__ import annotations

from mythos_contracts.bus import Bus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import EVENTS_EXCHANGE, player_key, room_key

from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Roster
from mythos_game.service_layer.sequencer import Sequencer


class EventPublisher:
    def __init__(self, bus: Bus, roster: Roster, sequencer: Sequencer) -> None:
        self._bus = bus
        self._roster = roster
        self._sequencer = sequencer

    async def publish(self, events: list[Outgoing]) -> None:
        """Publish in order; returns once the broker has confirmed every message."""
        for event in events:
            for key, envelope in self._envelopes(event):
                await self._bus.publish(
                    EVENTS_EXCHANGE, key, envelope.model_dump_json().encode(), persistent=False
                )

    async def publish_to_session(
        self, event_type: str, player_id: str, session_id: str, data: dict[str, object]
    ) -> None:
        """An event that opens or ends one session's stream (only that session delivers it)."""
        envelope = EventEnvelope.model_validate(
            {
                "event_type": event_type,
                "data": data,
                "recipients": {player_id: self._sequencer.next(player_id)},
                "session_id": session_id,
            }
        )
        await self._bus.publish(
            EVENTS_EXCHANGE,
            player_key(player_id, event_type),
            envelope.model_dump_json().encode(),
            persistent=False,
        )

    def _envelopes(self, event: Outgoing) -> list[tuple[str, EventEnvelope]]:
        data = event.data.model_dump(mode="json")
        audience = event.audience
        if isinstance(audience, ToPlayer):
            if not self._sequencer.has_stream(audience.player_id):
                return []
            envelope = self._envelope(event, data, [audience.player_id])
            return [(player_key(audience.player_id, event.event_type), envelope)]

        assert isinstance(audience, ToRoom)
        bound: list[str] = []
        arriving: list[str] = []
        for player in self._roster.in_room(audience.room_id):
            if player.id in audience.exclude or not self._sequencer.has_stream(player.id):
                continue
            (bound if player.room_bound else arriving).append(player.id)
        out: list[tuple[str, EventEnvelope]] = []
        if bound:
            out.append(
                (room_key(audience.room_id, event.event_type), self._envelope(event, data, bound))
            )
        for player_id in arriving:
            out.append(
                (player_key(player_id, event.event_type), self._envelope(event, data, [player_id]))
            )
        return out

    def _envelope(
        self, event: Outgoing, data: dict[str, object], recipients: list[str]
    ) -> EventEnvelope:
        return EventEnvelope(
            event_type=event.event_type,
            room_id=event.room_id,
            data=data,
            recipients={pid: self._sequencer.next(pid) for pid in recipients},
        )
