"""Bus deliveries -> decoded contract messages -> handlers -> replies.

Each queue has a handler table, routing key -> ``Route`` (the contract model the body
must parse as, and the use case it goes to), built once from the stores this instance
has. Every message takes the same path: look up its route, parse its body once, hand
it on. A request that cannot be served gets an error reply; a save that can never
succeed is dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from mythos_contracts.bus import Bus, Delivery, Handler
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.persistence import (
    CharacterNamesReply,
    CharacterNamesRequest,
    CharacterStateChanged,
    ChatHistoryReply,
    ChatLine,
    FenceHandled,
    HandoffReply,
    HandoffSaved,
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
    TakeHandoffRequest,
    TermRaised,
)
from mythos_contracts.routing import (
    CHARACTER_NAMES_REQUEST_KEY,
    ITEM_SAVE_KEY,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    RAISE_TERM_KEY,
    SAVE_CHARACTER_KEY,
    SAVE_FENCE_KEY,
    load_request_key,
    save_key,
)
from pydantic import BaseModel, ValidationError

from mythos_persistence.service_layer.character_handlers import (
    handle_character_names,
    handle_character_save,
)
from mythos_persistence.service_layer.chat_handlers import handle_chat_history, handle_chat_save
from mythos_persistence.service_layer.handlers import handle_load, handle_save
from mythos_persistence.service_layer.handoff_handlers import (
    handle_raise_term,
    handle_save_handoff,
    handle_take_handoff,
)
from mythos_persistence.service_layer.item_handlers import handle_floor_items, handle_item_save
from mythos_persistence.service_layer.ports import (
    CharacterStore,
    ChatStore,
    HandoffStore,
    ItemStore,
    PlayerStore,
)
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)

SAVE_HANDOFF_KEY = load_request_key("save_handoff")
TAKE_HANDOFF_KEY = load_request_key("take_handoff")
_HANDOFF_KEYS = (SAVE_HANDOFF_KEY, TAKE_HANDOFF_KEY)

Reply = (
    LoadPlayerReply
    | ChatHistoryReply
    | HandoffSaved
    | HandoffReply
    | LoadFloorItemsReply
    | CharacterNamesReply
    | TermRaised
    | PersistenceError
)
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass(frozen=True)
class Route(Generic[M, R]):
    """How one message type is read and handled."""

    what: str
    """Named in logs and error replies, e.g. ``load_player request``."""
    model: type[M]
    handle: Callable[[M], Awaitable[R]]

    def parse(self, delivery: Delivery) -> M:
        """The body as the contract model; a ValidationError (logged here) when it is not one."""
        try:
            return self.model.model_validate_json(delivery.body)
        except ValidationError as exc:
            log.warning("invalid %s: %s", self.what, _summary(exc))
            raise


def request_routes(
    store: PlayerStore,
    chat: ChatStore | None,
    handoffs: HandoffStore | None,
    items: ItemStore | None = None,
    characters: CharacterStore | None = None,
) -> dict[str, Route[Any, Reply]]:
    """Request/reply handlers by routing key; a store this instance lacks serves nothing."""
    routes: dict[str, Route[Any, Reply]] = {
        load_request_key("load_player"): Route(
            "load_player request",
            LoadPlayerRequest,
            partial(handle_load, store, items=items, characters=characters),
        ),
    }
    if characters is not None:
        routes[CHARACTER_NAMES_REQUEST_KEY] = Route(
            "character_names request",
            CharacterNamesRequest,
            partial(handle_character_names, characters),
        )
    if items is not None:
        routes[LOAD_FLOOR_ITEMS_KEY] = Route(
            "load_floor_items request", LoadFloorItemsRequest, partial(handle_floor_items, items)
        )
    if chat is not None:
        routes[load_request_key("chat_history")] = Route(
            "chat_history request", LoadChatHistoryRequest, partial(handle_chat_history, chat)
        )
    if handoffs is not None:
        routes[SAVE_HANDOFF_KEY] = Route(
            "save_handoff request", SaveHandoffRequest, partial(handle_save_handoff, handoffs)
        )
        routes[TAKE_HANDOFF_KEY] = Route(
            "take_handoff request", TakeHandoffRequest, partial(handle_take_handoff, handoffs)
        )
        routes[RAISE_TERM_KEY] = Route(
            "raise_term request", RaiseTermRequest, partial(handle_raise_term, handoffs)
        )
    return routes


async def handle_fence(fence: SaveFence) -> FenceHandled:
    """Reached in queue order, so every save queued before the fence is written."""
    log.info("save fence %s handled: every save queued before it is written", fence.fence_id)
    return FenceHandled(fence_id=fence.fence_id)


def save_routes(
    store: PlayerStore,
    chat: ChatStore | None,
    backoff: Backoff,
    items: ItemStore | None = None,
    characters: CharacterStore | None = None,
) -> dict[str, Route[Any, object]]:
    """Save handlers by routing key. Database outages are waited out inside them. A
    result that is a contract model (the fence's) is the reply its sender waits for."""
    routes: dict[str, Route[Any, object]] = {
        save_key("player"): Route(
            "player save", PlayerStateChanged, partial(handle_save, store, backoff=backoff)
        ),
        SAVE_FENCE_KEY: Route("save fence", SaveFence, handle_fence),
    }
    if chat is not None:
        routes[save_key("chat")] = Route(
            "chat save", ChatLine, partial(handle_chat_save, chat, backoff=backoff)
        )
    if items is not None:
        routes[ITEM_SAVE_KEY] = Route(
            "item save", ItemStateChanged, partial(handle_item_save, items, backoff=backoff)
        )
    if characters is not None:
        routes[SAVE_CHARACTER_KEY] = Route(
            "character save",
            CharacterStateChanged,
            partial(handle_character_save, characters, backoff=backoff),
        )
    return routes


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
        items: ItemStore | None = None,
        characters: CharacterStore | None = None,
    ) -> None:
        self._bus = bus
        self._requests = request_routes(store, chat, handoffs, items, characters)
        self._saves = save_routes(store, chat, backoff, items, characters)

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

    async def _answer(self, delivery: Delivery) -> Reply:
        route = self._requests.get(delivery.routing_key)
        if route is None:
            log.warning("unknown persistence request %r", delivery.routing_key)
            return PersistenceError(error=f"unknown request {delivery.routing_key!r}")
        try:
            request = route.parse(delivery)
        except ValidationError as exc:
            return PersistenceError(error=f"invalid {route.what}: {_summary(exc)}")
        return await route.handle(request)

    async def on_save(self, delivery: Delivery) -> None:
        # Raising here dead-letters the message: only for messages that can never
        # succeed (an unknown kind, a body that is not the contract's).
        route = self._saves.get(delivery.routing_key)
        if route is None:
            raise ValueError(f"no saves of {delivery.routing_key!r} are handled here")
        if route.model is SaveFence and delivery.reply_to is None:
            raise ValueError("a save fence without reply_to cannot be answered")
        reply = await route.handle(route.parse(delivery))
        if isinstance(reply, BaseModel):
            await self._bus.reply(delivery, reply.model_dump_json().encode())

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
