"""The other side of the game's bus, for tests that run the whole ``GameService``: a peer
that sends what edges send, answers what the persistence service answers (and can keep
a player's load waiting, so a command stays in hand), and records every event."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.envelope import EventEnvelope, PlayerCommand
from mythos_contracts.persistence import (
    CharacterName,
    CharacterNamesReply,
    CharacterRecord,
    CharacterStateChanged,
    ChatHistoryReply,
    ChatLine,
    FenceHandled,
    HandoffReply,
    HandoffSaved,
    ItemRecord,
    ItemStateChanged,
    LoadFloorItemsReply,
    LoadPlayerReply,
    LoadPlayerRequest,
    PlayerStateChanged,
    RaiseTermRequest,
    SaveFence,
    SaveHandoffRequest,
    StreamHandoff,
    TermRaised,
)
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DIRECTORY_KEYS,
    EVENTS_EXCHANGE,
    GAME_SYNC_KEY,
    ITEM_SAVE_KEY,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    RAISE_TERM_KEY,
    SAVE_CHARACTER_KEY,
    SAVE_FENCE_KEY,
    command_key,
    load_request_key,
    save_key,
)
from mythos_game.settings import GameSettings


@dataclass
class Peer:
    bus: Bus
    events: list[EventEnvelope] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    """Player ids the game asked persistence for, in order."""
    answer_loads: asyncio.Event = field(default_factory=asyncio.Event)
    """While clear, player loads get no answer: the command that needs one stays in hand."""
    characters: dict[str, CharacterStateChanged] = field(default_factory=dict)
    """Characters as saved (the newest version of each), by id."""
    active: dict[str, str] = field(default_factory=dict)
    """Account id -> the character last played, as saved."""
    rooms: dict[str, str] = field(default_factory=dict)
    """Account id -> the room saved with the player (what a load answers)."""
    handoffs: dict[str, StreamHandoff] = field(default_factory=dict)
    """Streams a stopping game handed over, by player, until a starting game takes them."""
    items: dict[str, ItemRecord] = field(default_factory=dict)
    """The stored items, by id, as persistence would keep them (versioned upserts)."""
    item_saves: list[ItemStateChanged] = field(default_factory=list)
    """Every item save the games sent, in the order persistence got them."""
    terms: dict[str, int] = field(default_factory=dict)
    """Each shard's term, as persistence keeps it (raised by every starting game)."""
    directory: list[tuple[str, bytes]] = field(default_factory=list)
    """The world directory's messages (games of a split map), by key: no edge gets them."""
    chat_lines: list[ChatLine] = field(default_factory=list)
    """Chat lines saved for the history (``save.chat``), as they came."""

    @staticmethod
    def command_json(pid: str, command: str, *args: str, command_id: str) -> bytes:
        """``pid``'s command as this peer's edge sends it (alone, or in a batch)."""
        message = PlayerCommand(
            player_id=pid,
            player_name=pid.title(),
            connection_id=f"c-{pid}",
            edge_id="edge-1",
            command=command,
            args=list(args),
            command_id=command_id,
        )
        return message.model_dump_json().encode()

    async def send_command(self, pid: str, command: str, *args: str, command_id: str) -> None:
        body = self.command_json(pid, command, *args, command_id=command_id)
        await self.bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), body)

    def responses(self, pid: str) -> list[dict[str, object]]:
        return [
            e.data
            for e in self.events
            if e.event_type == "command_response" and pid in e.recipients
        ]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            # Polled: the test watches state from outside, with nothing to await.
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.01)


async def attach_peer(bus: Bus) -> Peer:
    """Connect ``bus`` (a connection of the test's own) and start playing the peer."""
    await bus.connect()
    peer = Peer(bus)
    peer.answer_loads.set()

    async def record(delivery: Delivery) -> None:
        if delivery.routing_key == GAME_SYNC_KEY:
            return  # the game asking edges who is connected: no edge here
        if delivery.routing_key.split(".", 1)[0] == DIRECTORY_KEYS:
            peer.directory.append((delivery.routing_key, delivery.body))
            return
        # As an edge reads it: a response folded into a room event counts as its own.
        peer.events.extend(EventEnvelope.model_validate_json(delivery.body).carried())

    async def persistence(delivery: Delivery) -> None:
        if delivery.routing_key == load_request_key("chat_history"):
            await bus.reply(delivery, ChatHistoryReply(lines=[]).model_dump_json().encode())
            return
        if delivery.routing_key == load_request_key("character_names"):
            names = [
                CharacterName(character_id=c.character_id, account_id=c.account_id, name=c.name)
                for c in peer.characters.values()
                if not c.deleted
            ]
            await bus.reply(delivery, CharacterNamesReply(names=names).model_dump_json().encode())
            return
        if delivery.routing_key == LOAD_FLOOR_ITEMS_KEY:
            floor = [i for i in peer.items.values() if i.location_kind == "room"]
            await bus.reply(delivery, LoadFloorItemsReply(items=floor).model_dump_json().encode())
            return
        if delivery.routing_key == load_request_key("save_handoff"):
            part = SaveHandoffRequest.model_validate_json(delivery.body)
            peer.handoffs.update({s.player_id: s for s in part.streams})
            saved = HandoffSaved(saved=len(part.streams))
            await bus.reply(delivery, saved.model_dump_json().encode())
            return
        if delivery.routing_key == RAISE_TERM_KEY:
            shard = RaiseTermRequest.model_validate_json(delivery.body).shard
            peer.terms[shard] = peer.terms.get(shard, 0) + 1
            raised = TermRaised(shard=shard, term=peer.terms[shard])
            await bus.reply(delivery, raised.model_dump_json().encode())
            return
        if delivery.routing_key == load_request_key("take_handoff"):
            taken = HandoffReply(streams=list(peer.handoffs.values()))
            peer.handoffs.clear()
            await bus.reply(delivery, taken.model_dump_json().encode())
            return
        request = LoadPlayerRequest.model_validate_json(delivery.body)
        peer.loads.append(request.player_id)
        await peer.answer_loads.wait()
        held = [
            i
            for i in peer.items.values()
            if i.location_kind in ("carried", "worn") and i.location_id == request.player_id
        ]
        mine = [
            c
            for c in peer.characters.values()
            if c.account_id == request.player_id and not c.deleted
        ]
        reply = LoadPlayerReply(
            player_id=request.player_id,
            name=request.name,
            room_id=peer.rooms.get(request.player_id),
            version=0,
            items=held,
            characters=[
                CharacterRecord.model_validate(c.model_dump(exclude={"deleted"})) for c in mine
            ],
            active_character_id=peer.active.get(request.player_id),
        )
        await bus.reply(delivery, reply.model_dump_json().encode())

    async def saved(delivery: Delivery) -> None:
        if delivery.routing_key == SAVE_FENCE_KEY:
            fence = SaveFence.model_validate_json(delivery.body)
            handled = FenceHandled(fence_id=fence.fence_id)
            await bus.reply(delivery, handled.model_dump_json().encode())
            return
        if delivery.routing_key == SAVE_CHARACTER_KEY:
            character = CharacterStateChanged.model_validate_json(delivery.body)
            kept = peer.characters.get(character.character_id)
            if kept is None or kept.version < character.version:
                peer.characters[character.character_id] = character
        if delivery.routing_key == save_key("chat"):
            peer.chat_lines.append(ChatLine.model_validate_json(delivery.body))
        if delivery.routing_key == save_key("player"):
            player = PlayerStateChanged.model_validate_json(delivery.body)
            if player.active_character_id is not None:
                peer.active[player.player_id] = player.active_character_id
            peer.rooms[player.player_id] = player.room_id
        if delivery.routing_key == ITEM_SAVE_KEY:
            change = ItemStateChanged.model_validate_json(delivery.body)
            peer.item_saves.append(change)
            known = peer.items.get(change.item_id)
            if known is None or (known.version < change.version and known.location_kind != "gone"):
                peer.items[change.item_id] = change

    await bus.declare_queue("test.events", exclusive=True, dead_letter=False)
    await bus.bind("test.events", EVENTS_EXCHANGE, "#")
    await bus.consume("test.events", record)
    await bus.consume(PERSISTENCE_REQUESTS_QUEUE, persistence)
    await bus.consume(PERSISTENCE_SAVES_QUEUE, saved)
    return peer


@pytest.fixture
def peer_on() -> Callable[[Bus], Awaitable[Peer]]:
    return attach_peer


def quick_settings(**overrides: object) -> GameSettings:
    """A game that starts at once (no edge sync wait) and waits long for persistence."""
    values: dict[str, object] = {
        "edge_sync_seconds": 0,
        "chat_history_timeout_seconds": 2.0,
        "persistence_timeout": 20.0,
        "persistence_attempts": 1,
        "shutdown_grace_seconds": 10.0,
        "tick_seconds": 0.05,
        **overrides,
    }
    return GameSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def game_settings() -> Callable[..., GameSettings]:
    return quick_settings
