"""Sessions: who is connected through which connection, resume, link-dead grace.

Each player in the world has a link (``links.py``): the connection side of them, attached,
refreshed and expired here; the domain's ``Player`` is the character alone.

One live connection per player. A connection that drops without ``quit`` leaves its player
in the world, link-dead, for a grace period; coming back in time resumes the same stream. A
player the game does not know (it restarted) is adopted from whatever connection speaks for
them, with a fresh ``game_state`` marked ``resync``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mythos_contracts.accounts import CLOSE_REVOKED, AccountRevoked
from mythos_contracts.close_codes import CloseCode
from mythos_contracts.envelope import (
    EdgeHeartbeat,
    HeldConnection,
    ReplayRequest,
    ResumeFrom,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.events import (
    DisconnectData,
    HeartbeatData,
    PresenceData,
)
from mythos_contracts.heartbeat_wire import WireEdgeHeartbeat, held_model
from mythos_contracts.timing import GAME_EDGE_TIMEOUT_SECONDS, GAME_HEARTBEAT_INTERVAL_SECONDS

from mythos_game.domain.characters import Character, CharacterNames
from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Disconnect, Outgoing, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.item_store import ItemRecords, ItemSaves
from mythos_game.service_layer.links import Link, Links
from mythos_game.service_layer.player_loading import StoredPlayers, entering, placed
from mythos_game.service_layer.player_store import PlayerStore, PlayerStoreUnavailable
from mythos_game.service_layer.resumption import Resumption
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.stored_state import StoredState
from mythos_game.service_layer.stream_handoff import HandedOver
from mythos_game.service_layer.stream_openings import StreamOpenings, Welcome

log = logging.getLogger(__name__)

# Close codes the game asks an edge to use (the contract's, documented in docs/protocol.md).
CLOSE_SESSION_REPLACED = CloseCode.SESSION_REPLACED
CLOSE_TRY_AGAIN_LATER = CloseCode.TRY_AGAIN_LATER


@dataclass(frozen=True)
class SessionTimings:
    linkdead_grace: float = 30.0
    heartbeat_interval: float = GAME_HEARTBEAT_INTERVAL_SECONDS
    edge_timeout: float = GAME_EDGE_TIMEOUT_SECONDS
    """An edge not heard from for this long is presumed dead; its players turn link-dead."""


class Sessions:
    def __init__(
        self,
        world: World,
        roster: Roster,
        links: Links,
        sequencer: Sequencer,
        publisher: EventPublisher,
        store: PlayerStore,
        timings: SessionTimings,
        clock: Callable[[], float] = time.monotonic,
        welcome: Welcome | None = None,
        state: GameState | None = None,
        names: CharacterNames | None = None,
        wall_clock: Callable[[], float] = time.time,
        items: ItemSaves | None = None,
        inventory_slots: int = 20,
    ) -> None:
        self._world = world
        self._roster = roster
        self.links = links
        """Every player's link; a player is in ``links`` exactly while in the roster."""
        self._sequencer = sequencer
        self._publisher = publisher
        self._timings = timings
        self._clock = clock
        self._stored = StoredPlayers(store, roster, wall_clock)
        self._edges_seen: dict[str, float] = {}
        self.state = state or GameState()
        """Items, NPCs and fights: what rooms show besides the players."""
        self.names = names if names is not None else CharacterNames()
        """Every active character's name (loaded at start; shared with the commands)."""
        self.items = items or ItemSaves(ItemRecords(world))
        """Where the items that moved are saved, and how stored ones are placed."""
        self.handed_over = HandedOver()
        """Streams the previous game handed over, continued as their players come back."""
        self._openings = StreamOpenings(
            world,
            roster,
            links,
            sequencer,
            publisher,
            self.state,
            heartbeat_interval=timings.heartbeat_interval,
            inventory_slots=inventory_slots,
            welcome=welcome,
        )
        self._resumption = Resumption(
            world, roster, links, sequencer, publisher, self.state, self._openings
        )
        self._placed: set[str] = set()
        self.owns_room: Callable[[str], bool] = lambda room_id: True
        """True when this shard owns the room (a split map: ``ZoneOwners.owns_room``)."""
        self.opening_elsewhere: dict[str, bool] = {}
        """Players logging in whose room is another shard's: their stream is opened but nothing
        published on it; the shard they cross to opens it (player -> resync)."""
        self.adopt_any_held = True
        """Whether an edge's heartbeat brings every player it holds into the world here. False
        for a shard of a split map: only those whose stream this game continues (its
        predecessor's) are; the others are held by another shard."""

    def current(self, player_id: str, connection_id: str) -> Player | None:
        """The player, if ``connection_id`` is their live connection."""
        player = self._roster.get(player_id)
        if player is None or self.links[player_id].connection_id != connection_id:
            return None
        return player

    def room_bound(self, msg: RoomBound) -> None:
        """The player's edge now receives their room's events by the room key."""
        player = self.current(msg.player_id, msg.connection_id)
        if player is not None and player.room_id == msg.room_id:
            self.links[player.id].room_bound = True

    def unbind_moved(self) -> set[str]:
        """Players who moved (a command) wait for their edges to bind the new room;
        returns who moved."""
        moved = self._roster.take_moved()
        self.links.unbind(moved)
        return moved

    def take_placed(self) -> set[str]:
        """Players put in the world (a login, an adoption) since the last call: those
        standing in another shard's room cross to it."""
        placed, self._placed = self._placed, set()
        return placed

    def arrived(self, player: Player, link: Link) -> None:
        """A player another shard sent here (``player_transfer``) is in the world, as if
        loaded: the sender saved them, and their state is this game's now."""
        self._roster.add(player)
        self.links.add(player.id, link)
        self._stored.entered(player.id)

    async def open(self, msg: SessionOpened) -> None:
        self._edges_seen[msg.edge_id] = self._clock()
        player = self._roster.get(msg.player_id)
        if player is None:
            await self.adopt(
                msg.held(),
                msg.edge_id,
                resync=msg.resume is not None,
                resume=msg.resume,
                open_elsewhere=True,
            )
            return
        link = self.links[player.id]
        if link.connection_id == msg.connection_id and not link.linkdead:
            # Already attached (a redelivery, or adopted from the edge's list): nothing new.
            return
        await self._attach(player, msg.connection_id, msg.edge_id, msg.player_role)
        resume = msg.resume
        stream = self._sequencer.get(player.id)
        if resume is not None and stream is not None and stream.session_id == resume.session_id:
            if await self._resumption.resume(player, resume):
                return
        await self._openings.start(player, resync=resume is not None)
        await self._openings.greet(player)

    async def adopt(
        self,
        held: HeldConnection,
        edge_id: str,
        *,
        resync: bool,
        resume: ResumeFrom | None = None,
        open_elsewhere: bool = False,
    ) -> Player | None:
        """Put a player the game does not hold into the world; None if they cannot be loaded.

        A stream the previous game handed over is continued when the player is on the
        same connection, or resumes it: then nothing shows, not even to the room.
        ``open_elsewhere`` (a login): when another shard owns the player's room, their
        stream is opened here but that shard publishes its ``game_state`` (they cross
        to it before anything is numbered here), so it shows who stands in the room."""
        player_id, name, connection_id, role = (
            held.player_id,
            held.player_name,
            held.connection_id,
            held.player_role,
        )
        try:
            stored = await self._stored.load(player_id, name)
        except PlayerStoreUnavailable:
            await self._publisher.publish_control(
                "disconnect",
                player_id,
                DisconnectData(
                    code=CLOSE_TRY_AGAIN_LATER,
                    reason="your character could not be loaded right now; try again shortly",
                ).model_dump(),
                connection_id,
            )
            return None
        player, to_save = entering(self._world, stored, player_id, name, self.names)
        room_id = player.room_id
        self.items.records.place(self.state, stored.items)
        link = Link(connection_id, edge_id, role, last_heartbeat=self._clock())
        if to_save:
            await self._save(player)
        self._roster.add(player)
        self.links.add(player_id, link)
        self._stored.entered(player_id)
        self._placed.add(player_id)
        handoff = self.handed_over.take(player_id)
        if handoff is not None and await self._resumption.continue_handed_over(
            handoff, player, held, link, resume
        ):
            return player
        if open_elsewhere and not self.owns_room(room_id):
            self._sequencer.open(player_id, connection_id)
            self.opening_elsewhere[player_id] = resync
            return player
        await self._openings.start(player, resync=resync)
        await self._openings.greet(player)
        presence = PresenceData(player_id=player.character_id, player_name=player.name)
        await self._publisher.publish(
            [Outgoing("player_entered", ToRoom(room_id, frozenset({player.id})), presence, room_id)]
        )
        return player

    async def opened_here(self, player: Player, *, resync: bool) -> None:
        """A player who logged in on another shard, sent here before anything was
        numbered (``opening_elsewhere`` there): their stream's ``game_state``, then the
        welcome."""
        await self._openings.announce(player, resync=resync)
        await self._openings.greet(player)

    async def _attach(self, player: Player, connection_id: str, edge_id: str, role: str) -> None:
        link = self.links[player.id]
        if link.connection_id != connection_id and not link.linkdead:
            await self._publisher.publish_control(
                "disconnect",
                player.id,
                DisconnectData(code=CLOSE_SESSION_REPLACED, reason="session replaced").model_dump(),
                link.connection_id,
            )
        link.connection_id = connection_id
        link.edge_id = edge_id
        link.role = role
        link.linkdead_since = None
        link.room_bound = False
        link.last_heartbeat = self._clock()

    async def preload(self, held: Sequence[HeldConnection], *, at_once: int = 16) -> None:
        """Load the players about to be adopted side by side (``StoredPlayers.preload``):
        with ``adopt_any_held`` off, only those whose streams this game continues."""
        wanted = [h for h in held if self.adopt_any_held or h.player_id in self.handed_over]
        await self._stored.preload(wanted, at_once=at_once)

    async def switch_character(self, player: Player, character: Character) -> list[Outgoing]:
        """``play``: the old character leaves its room, the account's stream starts a new
        epoch (``game_state``, the history) as at a login, and the new character is
        placed; returns its ``player_entered`` to send with the command's response."""
        old_room = player.room_id
        left = PresenceData(player_id=player.character_id, player_name=player.name)
        player.pose = None
        self._roster.switch(player, character, placed(self._world, character.room_id))
        self.unbind_moved()
        await self._publisher.publish(
            [Outgoing("player_left", ToRoom(old_room, frozenset({player.id})), left, old_room)]
        )
        await self._openings.start(player, resync=False)
        await self._openings.greet(player)
        await self._save(player)
        entered = PresenceData(player_id=player.character_id, player_name=player.name)
        room = player.room_id
        return [Outgoing("player_entered", ToRoom(room, frozenset({player.id})), entered, room)]

    async def closed(self, msg: SessionClosed) -> None:
        player = self.current(msg.player_id, msg.connection_id)
        if player is None:
            return
        if msg.quit:
            await self.remove(player)
        else:
            self.links[player.id].linkdead_since = self._clock()
            log.info("%s is link-dead", player.name)

    async def remove(self, player: Player) -> None:
        self._roster.remove(player.id)
        self.links.remove(player.id)
        self._sequencer.close(player.id)
        held = tuple(r for cid in player.characters for r in self.items.held(self.state, cid))
        for cid in player.characters:
            self.items.records.forget(self.state.forget_character(cid))
        self._stored.left(player.id, StoredState.of(player, held))
        presence = PresenceData(player_id=player.character_id, player_name=player.name)
        await self._publisher.publish(
            [Outgoing("player_left", ToRoom(player.room_id), presence, player.room_id)]
        )

    async def revoked(self, msg: AccountRevoked) -> None:
        """Logins of an account ended (a ban, a demotion...): when that ends every login,
        the player leaves the world now, link-dead or not; the edges close the sockets.
        One login's logout is left to its edge, which knows the socket's login and sends
        a quit for it."""
        player = self._roster.get(msg.account_id)
        if player is None or not msg.whole_account:
            return
        log.info("%s's logins were revoked (%s): leaving the world", player.name, msg.reason)
        await self.disconnect(Disconnect(player.id, CLOSE_REVOKED, msg.close_reason))

    async def disconnect(self, ending: Disconnect) -> None:
        """Close a player's connection (after their last events); optionally leave the world."""
        player = self._roster.get(ending.player_id)
        if player is None:
            return
        await self._publisher.publish_control(
            "disconnect",
            player.id,
            DisconnectData(code=ending.code, reason=ending.reason).model_dump(),
            self.links[player.id].connection_id,
        )
        if ending.leave_world:
            await self.remove(player)

    async def replay(self, msg: ReplayRequest) -> None:
        """Send again what a connection missed (``Resumption.replay``), adopting the
        player first if the game does not hold them."""
        player = self._roster.get(msg.player_id)
        if player is None:
            player = await self.adopt(msg.held(), msg.edge_id, resync=True)
            continued = self._sequencer.get(msg.player_id)
            if player is None or continued is None or continued.epoch != msg.epoch:
                return  # a fresh stream (game_state) answers it
        await self._resumption.replay(player, msg)

    async def edge_heartbeat(self, msg: EdgeHeartbeat | WireEdgeHeartbeat) -> None:
        self._edges_seen[msg.edge_id] = self._clock()
        for held in msg.connections:
            if self._roster.get(held.player_id) is None and (
                self.adopt_any_held or held.player_id in self.handed_over
            ):
                await self.adopt(held_model(held), msg.edge_id, resync=True)

    async def tick(self) -> None:
        """Once a second: expire link-dead players, presume silent edges dead, heartbeats."""
        now = self._clock()
        timings = self._timings
        due: list[str] = []
        # The edges not heard from for too long, once, not once per player they hold.
        silent = {e for e, seen in self._edges_seen.items() if now - seen > timings.edge_timeout}
        links = self.links
        for player in self._roster.online():
            link = links[player.id]
            if silent and link.linkdead_since is None and link.edge_id in silent:
                log.warning("edge %s is silent; %s turns link-dead", link.edge_id, player.name)
                link.linkdead_since = now
            if link.linkdead_since is not None:
                if now - link.linkdead_since >= timings.linkdead_grace:
                    await self.remove(player)
                continue
            if now - link.last_heartbeat >= timings.heartbeat_interval:
                link.last_heartbeat = now
                due.append(player.id)
        await self._publisher.publish_heartbeats(
            due, HeartbeatData(interval_seconds=timings.heartbeat_interval).model_dump()
        )

    async def _save(self, player: Player) -> None:
        """Save the player (the account's row) and the character played."""
        await self._stored.save(player)

    save = _save

    async def save_player_row(self, player: Player) -> None:
        await self._stored.save_player_row(player)

    async def save_character(self, character: Character) -> None:
        """Save a character at its next version (``StoredPlayers.save_character``)."""
        await self._stored.save_character(character)
