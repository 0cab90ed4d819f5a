"""Crossing a shard boundary (docs/design/shards.md §7): a player who ends a unit of
work in a room of another shard's zone leaves this shard whole, as a ``PlayerTransfer``
on that shard's command key, and the shard that receives it puts them in the world.

``depart`` takes the player out of this shard (roster, link, stream, the items they
hold): what the move already told the room they left (``player_left``) still goes out
from here, and nothing more is numbered for them here. ``arrive`` puts them in on the
other side from the transfer alone (no load from persistence: the sender saved them),
their stream continued at ``last + 1`` in the same epoch, their answered command ids
kept. Both run inside the dispatcher's unit of work, so each is journaled like any
input: the sender's record (stream closed, the transfer in its outbox) is written
before the transfer is published, and the receiver's (stream restored, whole) before
its ``player_entered``, ``room_update`` and answer go out.

The sender then forwards what still comes for the player (their edge switches to the
new shard only once everything it sent to the old one is answered), in order, for
``GAME_TRANSFER_FORWARD_SECONDS`` (120) after the last message it forwarded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from mythos_contracts.bus import Bus
from mythos_contracts.events import CommandResponseData, PresenceData, RoomUpdateData
from mythos_contracts.player_command_wire import AnyPlayerCommand
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key
from mythos_contracts.transfer import (
    TRANSFER_ANSWERED_LIMIT,
    TRANSFER_HISTORY_LIMIT,
    PendingCommand,
    PlayerTransfer,
    transfer_delivery_id,
)

from mythos_game.domain.commands.base import Outcome
from mythos_game.domain.directory import DirectoryView
from mythos_game.domain.game_state import GameState
from mythos_game.domain.movement import arrival_text
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import room_view
from mythos_game.domain.world import World
from mythos_game.domain.zone_owners import ZoneOwners
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Link
from mythos_game.service_layer.player_loading import placed
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.sessions import Sessions
from mythos_game.service_layer.shard_calls import ShardCalls
from mythos_game.service_layer.stored_state import StoredState, next_version, stored_reply_of
from mythos_game.service_layer.stream_handoff import continue_stream, stream_of
from mythos_game.service_layer.stream_journal import StreamJournal

log = logging.getLogger(__name__)

FORWARD_SECONDS = 120.0
"""How long a shard forwards a departed player's inputs after the last it forwarded."""


@dataclass
class Forward:
    shard: str
    hop: int
    until: float
    """Monotonic time the forwarding ends, unless another input is forwarded first."""


class PlayerTransfers:
    def __init__(
        self,
        world: World,
        roster: Roster,
        sessions: Sessions,
        sequencer: Sequencer,
        bus: Bus,
        publisher: EventPublisher,
        journal: StreamJournal | None = None,
        *,
        shard: str,
        owners: ZoneOwners,
        forward_seconds: float = FORWARD_SECONDS,
        forwarded: Mapping[str, tuple[str, int, float]] | None = None,
        directory: DirectoryView | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``bus``: the one the game publishes through (inside a unit, the journal's);
        ``journal``: where departures, forwards and answers are recorded too;
        ``forwarded``: the previous game's forwards, from its journal (player -> shard,
        hop, seconds since the last record of it); ``directory``: where the other shards
        say their players are (a split map's replica); ``owners``: who owns each zone now
        (shared with the rest of the game, changed by zone moves)."""
        self._world = world
        self._roster = roster
        self._sessions = sessions
        self._sequencer = sequencer
        self._bus = bus
        self._publisher = publisher
        self._journal = journal
        self.shard = shard
        self.owners = owners
        self._forward_seconds = forward_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._hops: dict[str, int] = {}
        """Each player's last hop this shard saw (sent or taken)."""
        self._forwards: dict[str, Forward] = {}
        self._directory = directory
        self.calls: ShardCalls | None = None
        """The admins' commands waiting for another shard (a split map's): a player
        crossing takes theirs along."""
        now = clock()
        for player_id, (to, hop, age) in (forwarded or {}).items():
            if age < forward_seconds:
                self._hops[player_id] = hop
                self._forwards[player_id] = Forward(to, hop, now - age + forward_seconds)

    def owner_of(self, room_id: str) -> str | None:
        """The shard whose zone holds ``room_id`` now (None: a zone of no shard)."""
        return self.owners.owner(self._world.room(room_id).zone_id)

    def leaving(self, moved: Iterable[str]) -> list[tuple[Player, str]]:
        """Of the players who moved, those now standing in another shard's room, with
        that shard."""
        out = []
        for player_id in sorted(moved):
            player = self._roster.get(player_id)
            if player is None:
                continue
            owner = self.owner_of(player.room_id)
            if owner is not None and owner != self.shard:
                out.append((player, owner))
        return out

    def departures(
        self,
        moved: Iterable[str],
        actor: Player | None = None,
        pending: PendingCommand | None = None,
    ) -> list[PlayerTransfer]:
        """Those of ``moved`` now in another shard's room leave this shard (the command's
        ``actor`` with ``pending``, which the other shard answers); returns the transfers
        to ``send`` once the unit's other messages are out."""
        leaving = self.leaving(moved)
        return [self.depart(p, s, pending if p is actor else None) for p, s in leaving]

    async def send(self, transfers: list[PlayerTransfer]) -> None:
        for transfer in transfers:
            forward = self._forwards[transfer.player_id]
            key = command_key(forward.shard, transfer.player_id)
            await self._bus.publish(COMMANDS_EXCHANGE, key, transfer.model_dump_json().encode())

    def depart(
        self,
        player: Player,
        destination: str,
        pending: PendingCommand | None,
        *,
        zone_move: bool = False,
    ) -> PlayerTransfer:
        """Take ``player`` out of this shard and return their transfer to ``destination``
        (send it with ``send``). Their saves are queued already (the move saved them).
        ``zone_move``: they go with the zone they stand in and did not move (their room
        stays bound; the receiver tells nobody)."""
        sessions = self._sessions
        link = sessions.links[player.id]
        stream = stream_of(player.id, link, self._sequencer)
        if stream is None:
            raise ValueError(f"{player.id} has no stream to transfer")
        stream = stream.model_copy(
            update={
                "room_bound": stream.room_bound and zone_move,
                "history": stream.history[-TRANSFER_HISTORY_LIMIT:],
                "recent_commands": dict(
                    list(stream.recent_commands.items())[-TRANSFER_ANSWERED_LIMIT:]
                ),
            }
        )
        held = tuple(
            r for cid in player.characters for r in sessions.items.held(sessions.state, cid)
        )
        hop = next_version(self._hops.get(player.id, 0), self._wall_clock())
        now = self._clock()
        resync = sessions.opening_elsewhere.pop(player.id, None)
        opening: Literal["login", "resync"] | None = (
            None if resync is None else "resync" if resync else "login"
        )
        transfer = PlayerTransfer(
            delivery_id=transfer_delivery_id(player.id, hop),
            player_id=player.id,
            player_name=player.account_name,
            from_shard=self.shard,
            hop=hop,
            room_id=player.room_id,
            stream=stream,
            stored=stored_reply_of(player, held),
            edge_id=link.edge_id,
            player_role=link.role,
            linkdead_seconds=None
            if link.linkdead_since is None
            else max(0.0, now - link.linkdead_since),
            pending=pending,
            last_whisper_from=player.last_whisper_from,
            zone_move=zone_move,
            opening=opening,
            pending_calls=[] if self.calls is None else self.calls.take(player.id),
        )
        self._roster.remove(player.id)
        sessions.links.remove(player.id)
        self._sequencer.close(player.id)
        for cid in player.characters:
            sessions.items.records.forget(sessions.state.forget_character(cid))
        self._hops[player.id] = hop
        for gone in [pid for pid, f in self._forwards.items() if now > f.until]:
            del self._forwards[gone]
        self._forwards[player.id] = Forward(destination, hop, now + self._forward_seconds)
        if self._journal is not None:
            self._journal.forwarding(player.id, destination, hop)
        log.info("%s crosses to shard %s (hop %d)", player.id, destination, hop)
        return transfer

    async def arrive(self, transfer: PlayerTransfer) -> None:
        """Put the transferred player in the world here and tell it (``arrival``); the
        answer to the command that moved them is remembered under its id. Nothing when
        this hop was taken already (a transfer published again after a crash)."""
        player_id = transfer.player_id
        if not self._takes(transfer) or self._roster.get(player_id) is not None:
            log.info("ignoring transfer %s: hop already taken", transfer.delivery_id)
            return
        owner = self.owner_of(transfer.room_id)
        if owner is not None and owner != self.shard:
            # Its zone moved on (the sender's map is older): on to the owner, and the
            # player's inputs after it.
            await self._send_on(transfer, owner)
            return
        stored = StoredState.from_reply(transfer.stored)
        character = stored.active()
        if character is None:
            raise ValueError(f"transfer {transfer.delivery_id} carries no character")
        player = Player(
            player_id,
            character.name,
            placed(self._world, transfer.room_id),
            stored.version,
            character=character,
            account_name=transfer.player_name,
        )
        stored.apply_to(player)
        player.last_whisper_from = transfer.last_whisper_from
        sessions = self._sessions
        sessions.items.records.place(sessions.state, stored.items)
        now = self._clock()
        link = Link(
            transfer.stream.connection_id,
            transfer.edge_id,
            transfer.player_role,
            # A zone move's player stands where they stood: their edge still has the room.
            room_bound=transfer.zone_move and transfer.stream.room_bound,
            last_heartbeat=now,
            linkdead_since=None
            if transfer.linkdead_seconds is None
            else now - transfer.linkdead_seconds,
        )
        sessions.arrived(player, link)
        continue_stream(transfer.stream, link, self._sequencer)
        if self.calls is not None and transfer.pending_calls:
            self.calls.carried(player_id, transfer.pending_calls)
        self._hops[player_id] = transfer.hop
        self._forwards.pop(player_id, None)  # back from where it was sent
        log.info("%s arrives from shard %s (hop %d)", player_id, transfer.from_shard, transfer.hop)
        events, response = arrival(self._world, self._roster, sessions.state, player, transfer)
        if transfer.zone_move:
            events = [e for e in events if e.event_type == "command_response"]  # nobody moved
        if transfer.opening is not None:
            # A login sent on before anything was numbered: its game_state opens the
            # stream here (number 1), with the room as this shard sees it.
            await sessions.opened_here(player, resync=transfer.opening == "resync")
            events = [e for e in events if e.event_type != "room_update"]
        if response is not None and response.command_id is not None:
            remembered = link.remember(response.command_id, response)
            if self._journal is not None:
                self._journal.answered(player_id, response.command_id, remembered)
        await self._publisher.publish(events)

    def _takes(self, transfer: PlayerTransfer) -> bool:
        """True unless ``transfer``'s hop was taken here already. A hop this shard sent
        itself, sent back to it (the room's zone moved here meanwhile: the shard the
        player walked to sent them on), is still to take, once: arriving ends the
        forward at that hop."""
        taken = self._hops.get(transfer.player_id, 0)
        if transfer.hop != taken:
            return transfer.hop > taken
        forward = self._forwards.get(transfer.player_id)
        return transfer.from_shard == self.shard and forward is not None and forward.hop == taken

    async def _send_on(self, transfer: PlayerTransfer, owner: str) -> None:
        player_id = transfer.player_id
        self._hops[player_id] = transfer.hop
        self._forwards[player_id] = Forward(
            owner, transfer.hop, self._clock() + self._forward_seconds
        )
        if self._journal is not None:
            self._journal.forwarding(player_id, owner, transfer.hop)
        log.info("%s sent on to shard %s, which owns their room now", player_id, owner)
        key = command_key(owner, player_id)
        await self._bus.publish(COMMANDS_EXCHANGE, key, transfer.model_dump_json().encode())

    def arrived_by(self, transfer: PlayerTransfer) -> bool:
        """True when ``transfer`` brought its player here (not ignored as taken already)."""
        player_id = transfer.player_id
        return self._roster.get(player_id) is not None and self.hop_of(player_id) == transfer.hop

    def hop_of(self, player_id: str) -> int:
        """The last hop of ``player_id`` this shard saw (0: none)."""
        return self._hops.get(player_id, 0)

    def note_hop(self, player_id: str, hop: int) -> None:
        """A login here took ``hop`` (the directory's): a crossing from here goes above it."""
        self._hops[player_id] = max(self._hops.get(player_id, 0), hop)

    def forwarding(self, player_id: str) -> str | None:
        """The shard this one forwards ``player_id``'s inputs to, if any (never while the
        player is here): where they crossed to, for a while after; else the shard the
        directory says holds them (a reconnect comes to the lobby, which ``s1`` hosts,
        and goes on to the player's shard: the lobby's part of §7)."""
        if self._roster.get(player_id) is not None:
            return None
        now = self._clock()
        forward = self._forwards.get(player_id)
        if forward is not None and now > forward.until:
            del self._forwards[player_id]
            forward = None
        if forward is None:
            present = None if self._directory is None else self._directory.get_elsewhere(player_id)
            if present is None or present.shard == self.shard:
                return None
            forward = Forward(present.shard, present.hop, now + self._forward_seconds)
            self._forwards[player_id] = forward
        return forward.shard

    async def forward(self, player_id: str, body: bytes) -> None:
        """Send an input for a departed player on to the shard now holding them, as it
        came (its delivery id kept: the holder handles it once)."""
        forward = self._forwards[player_id]
        forward.until = self._clock() + self._forward_seconds
        if self._journal is not None:
            self._journal.forwarding(player_id, forward.shard, forward.hop)
        await self._bus.publish(COMMANDS_EXCHANGE, command_key(forward.shard, player_id), body)


def pending_command(msg: AnyPlayerCommand, outcome: Outcome) -> PendingCommand:
    """The command ``msg`` as the shard its sender crosses to answers it: a move's
    ``lead``, then the room as that shard sees it; else ``outcome``'s text as it is."""
    return PendingCommand(
        delivery_id=msg.delivery_id,
        command=msg.command,
        command_id=msg.command_id,
        success=outcome.success,
        lead=outcome.text if outcome.lead is None else outcome.lead,
        describe_room=outcome.lead is not None,
    )


def arrival(
    world: World, roster: Roster, state: GameState, player: Player, transfer: PlayerTransfer
) -> tuple[list[Outgoing], CommandResponseData | None]:
    """What a transferred player's arrival tells: the room they enter (``player_entered``,
    never to them), then them: their new room (``room_update``), then the answer to the
    command that moved them, if one did (returned too, to remember under its id)."""
    room = player.room_id
    presence = PresenceData(player_id=player.character_id, player_name=player.name)
    view = room_view(world, roster, room, state)
    events = [
        Outgoing("player_entered", ToRoom(room, frozenset({player.id})), presence, room),
        Outgoing("room_update", ToPlayer(player.id), RoomUpdateData(room=view), room),
    ]
    pending = transfer.pending
    if pending is None:
        return events, None
    text = pending.lead
    if pending.describe_room:
        text = f"{text}\n{arrival_text(world, roster, room, state)}"
    response = CommandResponseData(
        command=pending.command,
        command_id=pending.command_id,
        success=pending.success,
        result=text,
    )
    # Names the edge's delivery id: the edge's route waits for it before it switches here.
    answered = Outgoing(
        "command_response", ToPlayer(player.id), response, answers=pending.delivery_id
    )
    events.append(answered)
    return events, response
