"""The parts of a game that took its shard over, built from the settings: the event
publisher, the names, chat history, sessions, transfers across shards, who owns each
zone and the dispatcher over them. Building does no I/O; ``GameService`` loads what
they hold (names, history, the floor items of the zones it owns) and starts them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mythos_contracts.bus import Bus

from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.domain.characters import CharacterNames
from mythos_game.domain.roster import Roster
from mythos_game.domain.shard_map import ShardMap
from mythos_game.domain.world import World
from mythos_game.domain.zone_owners import ZoneOwners
from mythos_game.service_layer.account_requests import AccountRequests
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.item_store import ItemRecords, ItemSaves
from mythos_game.service_layer.journal_records import PendingCallEntry
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.player_transfer import PlayerTransfers
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.world_directory import DirectoryReplica, world_span
from mythos_game.service_layer.zone_handover import ZoneHandover
from mythos_game.service_layer.zone_states import ZoneStates
from mythos_game.settings import GameSettings


@dataclass(frozen=True)
class GameParts:
    names: CharacterNames
    """Every active character's name: empty until loaded."""
    history: ChatHistory
    sessions: Sessions
    dispatcher: Dispatcher
    owners: ZoneOwners
    """Who owns each zone now (the map as it started, changed by zone moves)."""
    zones: ZoneStates
    """A zone's state out of this game and into it (a zone move, after ``owners``
    changed)."""


def build_game_parts(
    settings: GameSettings,
    world: World,
    *,
    links: Links,
    sequencer: Sequencer,
    bus: Bus,
    unrecorded: Bus,
    store: PersistenceClient,
    recorder: StreamJournal | None,
    term: int,
    shard_map: ShardMap,
    directory: DirectoryReplica | None,
    instance_id: str,
    forwarded: Mapping[str, tuple[str, int, float]],
    moved_zones: Mapping[str, tuple[str, int]],
    pending_calls: Mapping[str, PendingCallEntry],
) -> GameParts:
    """``bus``: what the game publishes on (the journal's, when there is one);
    ``unrecorded``: the same past the journal (``world_span``'s snapshots);
    ``forwarded``: the players whose inputs the journal says go to another shard;
    ``moved_zones``: the live zone moves the journal knows of (zone -> owner, version);
    ``pending_calls``: the admins' commands the journal says wait for another shard;
    ``directory``: None for a game holding the whole world."""
    roster = Roster()
    owners = ZoneOwners(shard_map, settings.shard)
    owners.apply_all(moved_zones)
    owners.durable = recorder is not None
    if recorder is not None:
        recorder.moved_zones = owners.moved  # every checkpoint holds the live map

    def subzone_of(room_id: str) -> str:
        return world.room(room_id).subzone_id

    publisher = EventPublisher(
        bus, roster, links, sequencer, subzone_of, shard=settings.shard, term=term
    )
    names = CharacterNames()
    history = ChatHistory(
        store,
        subzone_of,
        size=settings.chat_history_lines,
        load_timeout=settings.chat_history_timeout_seconds,
    )
    sessions = Sessions(
        world,
        roster,
        links,
        sequencer,
        publisher,
        store,
        SessionTimings(
            linkdead_grace=settings.linkdead_grace_seconds,
            heartbeat_interval=settings.heartbeat_interval_seconds,
            edge_timeout=settings.edge_timeout_seconds,
        ),
        welcome=history.welcome,
        names=names,
        items=ItemSaves(ItemRecords(world), store),
        inventory_slots=settings.inventory_slots,
    )
    # A shard of a split map holds only its own players: heartbeats bring in only
    # those whose streams it continues (the others are another shard's).
    sessions.adopt_any_held = len(shard_map.shards) == 1
    sessions.owns_room = lambda room_id: owners.owns_room(world, room_id)
    transfers = PlayerTransfers(
        world,
        roster,
        sessions,
        sequencer,
        bus,
        publisher,
        recorder,
        shard=settings.shard,
        owners=owners,
        forward_seconds=settings.transfer_forward_seconds,
        forwarded=forwarded,
        directory=directory,
    )
    span = (
        None
        if directory is None
        else world_span(
            directory,
            settings,
            instance_id,
            term,
            world,
            roster,
            links,
            publisher,
            bus,
            transfers,
            unrecorded,
            history,
        )
    )
    if span is not None:
        span.calls.journal = recorder
        span.calls.restore(pending_calls)
        if recorder is not None:
            recorder.pending_calls = span.calls.entries  # every checkpoint holds them
    dispatcher = Dispatcher(
        world,
        roster,
        publisher,
        sessions,
        tick_broadcast_every=settings.tick_broadcast_every,
        rules=settings.rules(),
        history=history,
        account_requests=AccountRequests(bus),
        journal=recorder,
        checkpoint_every=settings.journal_checkpoint_ticks,
        transfers=transfers,
        owners=owners,
        zone_moves=lambda states: ZoneHandover(
            world, roster, owners, transfers, states, bus, recorder
        ),
        span=span,
    )
    assert dispatcher.zones is not None  # built with ``owners``
    return GameParts(names, history, sessions, dispatcher, owners, dispatcher.zones)
