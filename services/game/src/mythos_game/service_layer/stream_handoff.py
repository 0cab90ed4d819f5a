"""Hands the players' streams from a stopping game to the next one.

A planned restart (a rollout, a SIGTERM) must not show: the stopping game, once its
last command is done, saves every stream (epoch, last number, history, answered command
ids) through the persistence service; the next game takes them before it syncs with the
edges, and continues each stream where it stopped: the same epoch, the next number, no
``game_state``, no resync, nobody seen leaving or entering. A crash leaves no handoff:
then players get a resync, as before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Protocol

from mythos_contracts.envelope import EventEnvelope, HeldConnection
from mythos_contracts.events import RoomUpdateData, RoomView, StatusUpdateData
from mythos_contracts.persistence import HandoffEntry, StreamHandoff

from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player
from mythos_game.service_layer.links import Link, Links
from mythos_game.service_layer.metrics import TAKEOVER_AHEAD
from mythos_game.service_layer.sequencer import Sequencer, Stream

log = logging.getLogger(__name__)

STREAMS_PER_PART = 100
"""Streams per save request: keeps each message a few MB at most."""


def told_of_the_restart(player: Player, room: RoomView | None) -> list[Outgoing]:
    """What a stream continued across a restart is told: fights and NPCs are not stored,
    so its room as it is now (the creatures are new; ``None`` when a resume has just sent
    it), then a ``status_update`` with reason ``restart`` (no longer fighting)."""
    events = []
    if room is not None:
        events.append(
            Outgoing("room_update", ToPlayer(player.id), RoomUpdateData(room=room), room.id)
        )
    status = StatusUpdateData(
        status=player.character.status(),
        changes={},
        tier_changed=None,
        reason="restart",
        text=None,
    )
    events.append(Outgoing("status_update", ToPlayer(player.id), status))
    return events


class HandoffStore(Protocol):
    async def save_handoff(
        self, handoff_id: str, streams: list[StreamHandoff], *, timeout: float
    ) -> None: ...

    async def take_handoff(
        self, max_age_seconds: float, *, timeout: float
    ) -> list[StreamHandoff]: ...


def export_streams(links: Links, sequencer: Sequencer) -> list[StreamHandoff]:
    """Every online player's stream, as it stands (call with no command running)."""
    handoffs = []
    for player_id, link in links.items():
        handoff = stream_of(player_id, link, sequencer)
        if handoff is not None:
            handoffs.append(handoff)
    return handoffs


def stream_of(player_id: str, link: Link, sequencer: Sequencer) -> StreamHandoff | None:
    """One player's stream as it stands: the sequencer's numbering and history (its
    stored bytes as envelopes again), and their link's connection and answers."""
    stream = sequencer.get(player_id)
    if stream is None:
        return None
    return StreamHandoff(
        player_id=player_id,
        connection_id=link.connection_id,
        session_id=stream.session_id,
        epoch=stream.epoch,
        opened_for=stream.opened_for,
        last=stream.last,
        linkdead=link.linkdead,
        room_bound=link.room_bound,
        history=[
            HandoffEntry(
                seq=seq,
                age_seconds=age,
                envelope=EventEnvelope.model_validate_json(body),
            )
            for seq, age, _, body in sequencer.aged_history(player_id)
        ],
        recent_commands=link.answered(),
    )


async def hand_off(
    store: HandoffStore, links: Links, sequencer: Sequencer, *, timeout: float
) -> int:
    """Save every stream for the next game; returns how many were saved."""
    streams = export_streams(links, sequencer)
    handoff_id = uuid.uuid4().hex
    for start in range(0, len(streams), STREAMS_PER_PART):
        part = streams[start : start + STREAMS_PER_PART]
        await store.save_handoff(handoff_id, part, timeout=timeout)
    return len(streams)


class HandedOver:
    """Streams taken from the previous game, waiting for their players to be adopted."""

    def __init__(self, streams: Sequence[StreamHandoff] = ()) -> None:
        self._streams = {s.player_id: s for s in streams}

    def __len__(self) -> int:
        return len(self._streams)

    def __contains__(self, player_id: object) -> bool:
        return player_id in self._streams

    def take(self, player_id: str) -> StreamHandoff | None:
        return self._streams.pop(player_id, None)


def continue_stream(handoff: StreamHandoff, link: Link, sequencer: Sequencer) -> None:
    """Put ``handoff``'s stream back in the sequencer, its answered commands on ``link``
    (the link of the player it belongs to)."""
    sequencer.restore(
        handoff.player_id,
        Stream(
            session_id=handoff.session_id,
            epoch=handoff.epoch,
            opened_for=handoff.opened_for,
            last=handoff.last,
        ),
        [
            (e.seq, e.age_seconds, e.envelope.event_type, e.envelope.model_dump_json().encode())
            for e in handoff.history
        ],
    )
    link.take_answers(handoff.recent_commands)


def edge_is_ahead(handoff: StreamHandoff, held: HeldConnection) -> bool:
    """Whether the edge holding ``held`` delivered numbers of this stream that the
    continued stream does not have: impossible while every record is journaled before
    it is published, so it is logged as an error, counted
    (``mythos_game_takeover_ahead_total``, which must stay 0) and the stream is not
    continued (a resync): numbering on from ``last`` would give old numbers new lines."""
    if held.epoch != handoff.epoch or held.delivered is None:
        return False  # another stream, or an edge that does not say: its own rules apply
    if held.delivered <= handoff.last:
        return False
    log.error(
        "the edge delivered %s up to %d of stream %s, past the %d continued: resyncing",
        handoff.player_id,
        held.delivered,
        handoff.epoch,
        handoff.last,
    )
    TAKEOVER_AHEAD.inc()
    return True


def behind(handoff: StreamHandoff, held: HeldConnection) -> int | None:
    """The last number the edge delivered, when it is behind the continued stream (the
    missing ones are replayed at once, not on the edge's next gap); else None."""
    if held.epoch != handoff.epoch or held.delivered is None or held.delivered >= handoff.last:
        return None
    return held.delivered
