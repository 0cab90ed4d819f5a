"""Before a game runs queued commands, it asks the edges who is connected."""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.envelope import EdgeHeartbeat
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    EDGE_HEARTBEATS_PATTERN,
    EVENTS_EXCHANGE,
    GAME_SYNC_KEY,
    game_sync_queue,
)

from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.sessions import Sessions

log = logging.getLogger(__name__)


async def sync_with_edges(
    bus: Bus, dispatcher: Dispatcher, sessions: Sessions, *, seconds: float, publisher: str
) -> None:
    """Learn who is connected before running queued commands, so a line said while
    the game was down reaches everyone who was in the room (they are adopted first).
    ``seconds``: how long edges have to answer; ``publisher``: the edges' broker user
    (empty: any)."""
    queue = game_sync_queue()
    answers: list[EdgeHeartbeat] = []

    async def collect(delivery: Delivery) -> None:
        if publisher and delivery.user_id != publisher:
            log.warning("ignored an edge sync answer from broker user %r", delivery.user_id)
            return
        answers.append(EdgeHeartbeat.model_validate_json(delivery.body))

    # Edges answer with a heartbeat on their own key (the same one they send every
    # few seconds), so this private queue listens to those while the sync lasts.
    await bus.declare_queue(queue, exclusive=True, dead_letter=False)
    await bus.bind(queue, COMMANDS_EXCHANGE, EDGE_HEARTBEATS_PATTERN)
    await bus.consume(queue, collect)
    # reply_to still lets an edge of the previous release answer during a rollout.
    await bus.publish(EVENTS_EXCHANGE, GAME_SYNC_KEY, b"{}", persistent=False, reply_to=queue)
    await asyncio.sleep(seconds)
    await bus.unbind(queue, COMMANDS_EXCHANGE, EDGE_HEARTBEATS_PATTERN)
    await sessions.preload([held for beat in answers for held in beat.connections])
    for beat in answers:
        await dispatcher.handle(beat)
    log.info("synced with %d edge(s) before consuming commands", len(answers))
