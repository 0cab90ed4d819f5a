"""Bus deliveries -> decoded contract messages -> handlers -> replies."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from mythos_contracts.bus import Bus, Delivery, Handler
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.persistence import (
    ChatHistoryReply,
    ChatLine,
    HandoffReply,
    HandoffSaved,
    LoadChatHistoryRequest,
    LoadPlayerReply,
    LoadPlayerRequest,
    PersistenceError,
    PlayerStateChanged,
    SaveHandoffRequest,
    TakeHandoffRequest,
)
from mythos_contracts.routing import (
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    load_request_key,
    save_key,
)
from pydantic import ValidationError

from mythos_persistence.service_layer.chat_handlers import handle_chat_history, handle_chat_save
from mythos_persistence.service_layer.handlers import handle_load, handle_save
from mythos_persistence.service_layer.handoff_handlers import (
    handle_save_handoff,
    handle_take_handoff,
)
from mythos_persistence.service_layer.ports import ChatStore, HandoffStore, PlayerStore
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)

LOAD_PLAYER_KEY = load_request_key("load_player")
SAVE_PLAYER_KEY = save_key("player")
CHAT_HISTORY_KEY = load_request_key("chat_history")
SAVE_CHAT_KEY = save_key("chat")
SAVE_HANDOFF_KEY = load_request_key("save_handoff")
TAKE_HANDOFF_KEY = load_request_key("take_handoff")
_HANDOFF_KEYS = (SAVE_HANDOFF_KEY, TAKE_HANDOFF_KEY)


class Consumers:
    """The service's two consumers, and their graceful stop.

    Stopping is the bus's ``stop_consuming``: nothing new is delivered, the messages in
    hand get a grace period to finish and be acked, and whatever is not done by then is
    cancelled unacked, so the broker hands it to the next instance when the bus closes.
    Saves are idempotent: a write cancelled after it committed is harmless redelivered.
    """

    def __init__(
        self,
        bus: Bus,
        store: PlayerStore,
        backoff: Backoff,
        chat: ChatStore | None = None,
        handoffs: HandoffStore | None = None,
    ) -> None:
        self._bus = bus
        self._store = store
        self._chat = chat
        self._handoffs = handoffs
        self._backoff = backoff

    async def start(self) -> None:
        # One consumer per queue: a save waiting out a database outage holds up
        # only the saves queue, while loads keep being answered (with an error).
        await self._bus.consume(PERSISTENCE_REQUESTS_QUEUE, self._guarded(self.on_request))
        await self._bus.consume(PERSISTENCE_SAVES_QUEUE, self._guarded(self.on_save))

    async def stop(self, grace: float) -> None:
        try:
            async with asyncio.timeout(grace):
                await self._bus.stop_consuming()
        except TimeoutError:
            log.warning("a message was still in hand after %.1fs; it goes back to its queue", grace)

    async def on_request(self, delivery: Delivery) -> None:
        if delivery.reply_to is None:
            # Nobody to answer: dead-letter it so the faulty sender shows up.
            raise ValueError(f"request {delivery.routing_key!r} has no reply_to")
        reply = await self._answer(delivery)
        await self._bus.reply(delivery, reply.model_dump_json().encode())

    async def _answer(
        self, delivery: Delivery
    ) -> LoadPlayerReply | ChatHistoryReply | HandoffSaved | HandoffReply | PersistenceError:
        if delivery.routing_key in _HANDOFF_KEYS and self._handoffs is not None:
            return await self._answer_handoff(self._handoffs, delivery)
        if delivery.routing_key == CHAT_HISTORY_KEY and self._chat is not None:
            try:
                wanted = LoadChatHistoryRequest.model_validate_json(delivery.body)
            except ValidationError as exc:
                log.warning("invalid chat_history request: %s", exc)
                return PersistenceError(error=f"invalid chat_history request: {_summary(exc)}")
            return await handle_chat_history(self._chat, wanted)
        if delivery.routing_key != LOAD_PLAYER_KEY:
            log.warning("unknown persistence request %r", delivery.routing_key)
            return PersistenceError(error=f"unknown request {delivery.routing_key!r}")
        try:
            request = LoadPlayerRequest.model_validate_json(delivery.body)
        except ValidationError as exc:
            log.warning("invalid load_player request: %s", exc)
            return PersistenceError(error=f"invalid load_player request: {_summary(exc)}")
        return await handle_load(self._store, request)

    async def _answer_handoff(
        self, store: HandoffStore, delivery: Delivery
    ) -> HandoffSaved | HandoffReply | PersistenceError:
        if delivery.routing_key == SAVE_HANDOFF_KEY:
            try:
                part = SaveHandoffRequest.model_validate_json(delivery.body)
            except ValidationError as exc:
                log.warning("invalid save_handoff request: %s", _summary(exc))
                return PersistenceError(error=f"invalid save_handoff request: {_summary(exc)}")
            return await handle_save_handoff(store, part)
        try:
            take = TakeHandoffRequest.model_validate_json(delivery.body)
        except ValidationError as exc:
            log.warning("invalid take_handoff request: %s", _summary(exc))
            return PersistenceError(error=f"invalid take_handoff request: {_summary(exc)}")
        return await handle_take_handoff(store, take)

    async def on_save(self, delivery: Delivery) -> None:
        # Raising here dead-letters the message: only for messages that can never
        # succeed. Database outages are waited out inside handle_save.
        if delivery.routing_key == SAVE_CHAT_KEY and self._chat is not None:
            line = ChatLine.model_validate_json(delivery.body)
            await handle_chat_save(self._chat, line, backoff=self._backoff)
            return
        if delivery.routing_key != SAVE_PLAYER_KEY:
            raise ValueError(f"no saves of {delivery.routing_key!r} are handled here")
        change = PlayerStateChanged.model_validate_json(delivery.body)
        await handle_save(self._store, change, backoff=self._backoff)

    def _guarded(self, handler: Callable[[Delivery], Coroutine[Any, Any, None]]) -> Handler:
        async def run(delivery: Delivery) -> None:
            # The ids go on every line logged while handling this message (the retry
            # warnings of a save waiting out an outage included). A handoff part is
            # megabytes of JSON with no player_id at its top: not parsed twice for ids.
            ids = {} if delivery.routing_key in _HANDOFF_KEYS else _correlation_ids(delivery)
            with log_context(**ids):
                try:
                    await handler(delivery)
                except Exception as exc:
                    # The bus logs the traceback as it dead-letters the message, but
                    # outside this context; this line ties the failure to the player.
                    log.error(
                        "%s failed (%s); the message is dead-lettered",
                        delivery.routing_key,
                        type(exc).__name__,
                    )
                    raise

        return run


def _correlation_ids(delivery: Delivery) -> dict[str, str | None]:
    """``player_id`` from the body (saves and loads carry one), ``command_id`` from the
    headers when the sender set one. Best effort: a body that is not a JSON object
    gets no ids here and is rejected by the handler's own validation."""
    player_id: object = None
    try:
        body = json.loads(delivery.body)
    except ValueError:
        body = None
    if isinstance(body, dict):
        player_id = body.get("player_id")
    return {
        "player_id": player_id if isinstance(player_id, str) else None,
        "command_id": delivery.headers.get("command_id"),
    }


def _summary(exc: ValidationError, most: int = 5) -> str:
    # A handoff part holds thousands of fields: name the first few errors, not all.
    errors = exc.errors(include_url=False, include_input=False)
    text = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in errors[:most]
    )
    return text if len(errors) <= most else f"{text}; and {len(errors) - most} more"
