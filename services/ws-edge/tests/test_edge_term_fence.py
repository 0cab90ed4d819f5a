"""Term fencing: an edge keeps the newest term it has seen per shard and drops envelopes
of an older one (a stale owner's late publishes); those without a term always pass."""

from __future__ import annotations

from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import room_key
from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.service_layer.term_fence import TermFence
from prometheus_client import REGISTRY


def envelope(shard: str | None, term: int | None, seq: int = 1) -> EventEnvelope:
    return EventEnvelope(
        event_type="chat_message",
        room_id="hall",
        data={"channel": "say", "message": "hi", "text": "Alice says: hi"},
        recipients={"bob": seq},
        shard=shard,
        term=term,
    )


def fenced(shard: str) -> float:
    return REGISTRY.get_sample_value("mythos_edge_fenced_total", {"shard": shard}) or 0.0


def test_an_older_term_is_dropped_and_the_same_or_a_newer_one_passes() -> None:
    fence = TermFence()
    before = fenced("s1")
    assert fence.admits(envelope("s1", 2))
    assert fence.admits(envelope("s1", 2))
    assert not fence.admits(envelope("s1", 1))
    assert fence.admits(envelope("s1", 3))
    assert not fence.admits(envelope("s1", 2))
    assert fence.newest == {"s1": 3}
    assert fenced("s1") == before + 2


def test_each_shard_has_its_own_term() -> None:
    fence = TermFence()
    assert fence.admits(envelope("s1", 5))
    assert fence.admits(envelope("s2", 1))  # s1's term says nothing about s2
    assert fence.admits(envelope("s2", None))  # no term: passes
    assert not fence.admits(envelope("s1", 4))


def test_an_envelope_without_a_term_always_passes() -> None:
    fence = TermFence()
    assert fence.admits(envelope("s1", 7))
    assert fence.admits(envelope("s1", None))
    assert fence.admits(envelope(None, None))
    assert fence.newest == {"s1": 7}


async def test_the_edge_delivers_nothing_of_a_stale_owner() -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue("mythos.edge.t", exclusive=True, dead_letter=False)
    registry = ConnectionRegistry()
    fanout = Fanout(bus, registry, RoomBindings(bus, "mythos.edge.t"), "t", max_pending=10)
    bob = Connection("c-bob", "bob", "Bob", limit=100)
    bob.follow("epoch-1", 0)
    registry.add(bob)

    async def arrive(e: EventEnvelope) -> None:
        await fanout.on_event(
            Delivery(room_key("hall", "chat_message"), e.model_dump_json().encode())
        )

    await arrive(envelope("s1", 2, seq=1))  # the new owner's first message
    await arrive(envelope("s1", 1, seq=2))  # the old owner's, late: not number 2 of the stream
    assert bob.expected == 2
    await arrive(envelope("s1", 2, seq=2))
    assert bob.expected == 3
    await bus.close()
