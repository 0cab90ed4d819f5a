"""Reaches the persistence service over the bus: request/reply loads, durable saves."""

from __future__ import annotations

import logging

from mythos_contracts.bus import Bus, RequestTimeout
from mythos_contracts.persistence import (
    CharacterName,
    CharacterNamesReply,
    CharacterNamesRequest,
    CharacterStateChanged,
    ChatHistoryReply,
    ChatLine,
    FenceHandled,
    HandoffReply,
    HandoffSaved,
    ItemRecord,
    ItemStateChanged,
    LoadChatHistoryRequest,
    LoadFloorItemsReply,
    LoadFloorItemsRequest,
    LoadPlayerReply,
    LoadPlayerRequest,
    PersistenceError,
    PlayerStateChanged,
    RaiseTermRequest,
    SaveFence,
    SaveHandoffRequest,
    StreamHandoff,
    TakeHandoffRequest,
    TermRaised,
)
from mythos_contracts.routing import (
    CHARACTER_NAMES_REQUEST_KEY,
    ITEM_SAVE_KEY,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_EXCHANGE,
    RAISE_TERM_KEY,
    SAVE_CHARACTER_KEY,
    SAVE_FENCE_KEY,
    load_request_key,
    save_key,
)
from pydantic import ValidationError

from mythos_game.service_layer.player_store import PlayerStoreUnavailable

log = logging.getLogger(__name__)

CHAT_HISTORY_REQUEST = load_request_key("chat_history")
CHAT_SAVE_KEY = save_key("chat")
SAVE_HANDOFF_REQUEST = load_request_key("save_handoff")
TAKE_HANDOFF_REQUEST = load_request_key("take_handoff")


class PersistenceClient:
    def __init__(self, bus: Bus, *, timeout: float, attempts: int) -> None:
        self._bus = bus
        self._timeout = timeout
        self._attempts = attempts

    async def load(self, player_id: str, name: str) -> LoadPlayerReply:
        body = LoadPlayerRequest(player_id=player_id, name=name).model_dump_json().encode()
        for attempt in range(1, self._attempts + 1):
            try:
                raw = await self._bus.request(
                    PERSISTENCE_EXCHANGE,
                    load_request_key("load_player"),
                    body,
                    timeout=self._timeout,
                )
            except RequestTimeout:
                log.warning(
                    "load_player %s: no answer (attempt %d/%d)", player_id, attempt, self._attempts
                )
                continue
            try:
                return LoadPlayerReply.model_validate_json(raw)
            except ValidationError:
                log.warning("load_player %s refused: %s", player_id, _reason(raw))
        raise PlayerStoreUnavailable("the persistence service did not answer")

    async def save(self, change: PlayerStateChanged) -> None:
        await self._bus.publish(
            PERSISTENCE_EXCHANGE, save_key("player"), change.model_dump_json().encode()
        )

    async def save_character(self, change: CharacterStateChanged) -> None:
        await self._bus.publish(
            PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY, change.model_dump_json().encode()
        )

    async def character_names(self) -> list[CharacterName]:
        """Every active character's name (one request; the caller retries)."""
        body = CharacterNamesRequest().model_dump_json().encode()
        raw = await self._ask(CHARACTER_NAMES_REQUEST_KEY, body, self._timeout)
        try:
            return CharacterNamesReply.model_validate_json(raw).names
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"character_names refused: {_reason(raw)}") from exc

    async def raise_term(self, shard: str, timeout: float) -> int:
        """``shard``'s next term, stored; raises ``PlayerStoreUnavailable`` when not answered."""
        body = RaiseTermRequest(shard=shard).model_dump_json().encode()
        raw = await self._ask(RAISE_TERM_KEY, body, timeout)
        try:
            return TermRaised.model_validate_json(raw).term
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"raise_term refused: {_reason(raw)}") from exc

    async def save_item(self, change: ItemStateChanged) -> None:
        await self._bus.publish(
            PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, change.model_dump_json().encode()
        )

    async def load_floor_items(self, timeout: float) -> list[ItemRecord]:
        """Every item on a floor; raises ``PlayerStoreUnavailable`` when not answered."""
        body = LoadFloorItemsRequest().model_dump_json().encode()
        raw = await self._ask(LOAD_FLOOR_ITEMS_KEY, body, timeout)
        try:
            return LoadFloorItemsReply.model_validate_json(raw).items
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"load_floor_items refused: {_reason(raw)}") from exc

    async def load_chat_history(self, limit: int, timeout: float) -> list[ChatLine]:
        """One attempt, ``timeout`` seconds at most: history is never worth a wait."""
        body = LoadChatHistoryRequest(limit=limit).model_dump_json().encode()
        try:
            raw = await self._bus.request(
                PERSISTENCE_EXCHANGE, CHAT_HISTORY_REQUEST, body, timeout=timeout
            )
        except RequestTimeout as exc:
            raise PlayerStoreUnavailable("no answer to chat_history") from exc
        try:
            return ChatHistoryReply.model_validate_json(raw).lines
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"chat_history refused: {_reason(raw)}") from exc

    async def save_chat_line(self, line: ChatLine) -> None:
        await self._bus.publish(
            PERSISTENCE_EXCHANGE, CHAT_SAVE_KEY, line.model_dump_json().encode()
        )

    async def save_handoff(
        self, handoff_id: str, streams: list[StreamHandoff], *, timeout: float
    ) -> None:
        """Store one part of a handoff; raises ``PlayerStoreUnavailable`` when not stored."""
        body = SaveHandoffRequest(handoff_id=handoff_id, streams=streams).model_dump_json()
        raw = await self._ask(SAVE_HANDOFF_REQUEST, body.encode(), timeout)
        try:
            HandoffSaved.model_validate_json(raw)
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"save_handoff refused: {_reason(raw)}") from exc

    async def take_handoff(self, max_age_seconds: float, *, timeout: float) -> list[StreamHandoff]:
        """Every stream handed over, a page (a few MB) per request."""
        body = TakeHandoffRequest(max_age_seconds=max_age_seconds).model_dump_json().encode()
        streams: list[StreamHandoff] = []
        while True:
            raw = await self._ask(TAKE_HANDOFF_REQUEST, body, timeout)
            try:
                page = HandoffReply.model_validate_json(raw)
            except ValidationError as exc:
                raise PlayerStoreUnavailable(f"take_handoff refused: {_reason(raw)}") from exc
            streams.extend(page.streams)
            if not page.more or not page.streams:
                return streams

    async def pass_save_fence(self, fence_id: str, *, timeout: float) -> None:
        """Send a fence down the saves queue and wait until persistence handled it, so
        every save queued before it is written; raises ``PlayerStoreUnavailable`` when
        not answered within ``timeout``."""
        body = SaveFence(fence_id=fence_id).model_dump_json().encode()
        raw = await self._ask(SAVE_FENCE_KEY, body, timeout)
        try:
            FenceHandled.model_validate_json(raw)
        except ValidationError as exc:
            raise PlayerStoreUnavailable(f"save fence refused: {_reason(raw)}") from exc

    async def _ask(self, key: str, body: bytes, timeout: float) -> bytes:
        try:
            return await self._bus.request(PERSISTENCE_EXCHANGE, key, body, timeout=timeout)
        except RequestTimeout as exc:
            raise PlayerStoreUnavailable(f"no answer to {key}") from exc


def _reason(raw: bytes) -> str:
    try:
        return PersistenceError.model_validate_json(raw).error
    except ValidationError:
        return f"unreadable reply {raw[:200]!r}"
