"""A command's events go out as one ordered batch: numbered first, in order, published
back to back, and the command is acknowledged only once the broker confirmed them all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import DEFAULT_SHARD_INBOX, EVENTS_EXCHANGE
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from prometheus_client import REGISTRY

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib


class GatedBus(InMemoryBus):
    """Records each batch of events; while ``confirms`` is clear, a batch is written but
    its confirms have not come back (``publish_many`` does not return)."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.batches: list[list[EventEnvelope]] = []
        self.confirms = asyncio.Event()
        self.confirms.set()

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if exchange == EVENTS_EXCHANGE:
            self.batches.append([EventEnvelope.model_validate_json(b) for _, b in messages])
        await super().publish_many(exchange, messages, persistent=persistent)
        await self.confirms.wait()

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        # A turn's envelopes in one message (the game's EventCarriers): one batch too.
        if exchange == EVENTS_EXCHANGE:
            self.batches.append(EventEnvelope.model_validate_json(body).carried())
        await super().publish_routed(exchange, routing_keys, body, persistent=persistent)
        await self.confirms.wait()


def _acked() -> float:
    labels = {"queue": DEFAULT_SHARD_INBOX, "outcome": "ack"}
    return REGISTRY.get_sample_value("mythos_bus_delivered_total", labels) or 0.0


async def test_a_say_is_one_batch_in_number_order_acked_after_its_confirms(
    peer_on: Callable[[Bus], Awaitable[Peer]], game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = GatedBus(broker)
    await bus.connect()
    service = GameService(game_settings(tick_seconds=3600.0), bus)  # no ticks meanwhile
    await service.start()
    try:
        for pid in ("alice", "bob"):
            await peer.send_command(pid, "look", command_id=f"{pid}-0")
            await peer.wait_until(lambda pid=pid: len(peer.responses(pid)) == 1)
        bus.batches.clear()
        bus.confirms.clear()
        acked = _acked()
        await peer.send_command("alice", "say", "hello", command_id="alice-1")
        await peer.wait_until(lambda: len(bus.batches) == 1)
        await asyncio.sleep(0.1)
        # Written, not confirmed: the command is still in hand, not acknowledged.
        assert _acked() == acked
        (batch,) = bus.batches
        assert [e.event_type for e in batch] == ["chat_message", "command_response"]
        chat, response = batch
        assert "alice" not in chat.recipients and "bob" in chat.recipients
        assert list(response.recipients) == ["alice"]
        bus.confirms.set()
        await peer.wait_until(lambda: _acked() == acked + 1)
        # Each player's stream stays gapless through the batch.
        for pid in ("alice", "bob"):
            numbers = [
                e.recipients[pid]
                for e in peer.events
                if pid in e.recipients and e.event_type != "heartbeat"
            ]
            assert numbers == list(range(1, len(numbers) + 1)), pid
    finally:
        bus.confirms.set()
        await service.stop()
        await bus.close()
        await peer.bus.close()
