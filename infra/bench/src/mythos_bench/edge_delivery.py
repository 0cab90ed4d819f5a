"""Micro-benchmarks of the edge's per-message costs, in one process, no network.

One ``say`` as it reaches an edge: the room's ``chat_message`` for ``--listeners``
players with the speaker's ``command_response`` folded into it (the game's bytes, made
by the contract's own models), handed to ``Fanout.on_event`` as the bus would. That is
the parse, the term fence, the routing and one rendered frame per recipient, offered to
each connection (a socket that only counts what it is given, so no write is timed), and
the loop turn after it, in which the fan-out hands each connection what it held.
Every delivery carries the next number of each stream, so nothing is dropped as a
duplicate. Prints the best of ``--repeats`` runs of ``--deliveries`` each, in µs of
this process's CPU time per delivery (``time.process_time``: time spent waiting for a
busy core is not counted, so runs beside other work stay comparable).

Then the other way: one client frame (a ``say`` with a ``command_id``) through the
connection's ``FrameHandler`` to the bytes published to the game (``PlayerCommand``'s
JSON), with the frame budget set high enough never to refuse.

And before that, a client's frame as read off its socket: ``LeanSocket.data_received``
on one masked ``say`` frame, and on one ping (its pong written), through the
``websockets`` parser and read whole without it (``LeanSocket._whole_frames``).

    uv run python -m mythos_bench.edge_delivery [--deliveries 20000] [--listeners 9]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from types import SimpleNamespace

from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, fold
from mythos_contracts.routing import edge_queue, room_key
from mythos_edge.entrypoints.frame_handler import Forward, FrameHandler
from mythos_edge.entrypoints.lean_socket import LeanSocket
from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.room_bindings import RoomBindings
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

SPEAKER = "p0"
QUEUE = edge_queue("bench")
ROOM_KEY = room_key("hall", "chat_message")


class CountingSocket:
    """A socket that takes every frame at once and keeps only their number and size."""

    def __init__(self) -> None:
        self.frames = 0
        self.size = 0

    def send(self, text: bytes) -> None:
        self.frames += 1
        self.size += len(text)

    def send_many(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            self.send(payload)

    def buffered(self) -> int:
        return 0

    def close(self, code: int, reason: str) -> None:
        raise AssertionError(f"closed ({code} {reason}): the benchmark must not fall behind")


def say_body(seq: int, listeners: list[str]) -> bytes:
    """The bytes a game publishes for the ``seq``-th say of ``SPEAKER`` in a full room."""
    line = f"the stars are right tonight, number {seq}"
    chat = EventEnvelope(
        event_type="chat_message",
        room_id="hall",
        data={
            "channel": "say",
            "player_id": SPEAKER,
            "player_name": "Armitage",
            "message": line,
            "text": f"Armitage says: {line}",
            "history": False,
            "distortion": [],
        },
        recipients=dict.fromkeys(listeners, seq),
        shard="s1",
        term=1,
    )
    response = EventEnvelope(
        event_type="command_response",
        data={"command": "say", "command_id": f"c{seq}", "success": True, "result": "You say."},
        recipients={SPEAKER: seq},
        shard="s1",
        term=1,
    )
    return fold(chat.model_dump_json().encode(), [response.model_dump_json().encode()])


async def run(deliveries: int, listeners: int, repeats: int) -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue(QUEUE, exclusive=True, dead_letter=False)
    registry = ConnectionRegistry()
    fanout = Fanout(bus, registry, RoomBindings(bus, QUEUE), "bench", max_pending=10)
    names = [f"p{i + 1}" for i in range(listeners)]
    sockets: list[CountingSocket] = []
    for pid in [SPEAKER, *names]:
        socket = CountingSocket()
        conn = Connection(f"c-{pid}", pid, pid.title(), limit=100, socket=socket)
        conn.follow("epoch-1", 0)
        conn.room_id = "hall"  # already bound: no room change on the path
        registry.add(conn)
        sockets.append(socket)
    bodies = [say_body(seq, names) for seq in range(1, deliveries * repeats + 1)]
    best = float("inf")
    gc.collect()
    for r in range(repeats):
        batch = [Delivery(ROOM_KEY, b) for b in bodies[r * deliveries : (r + 1) * deliveries]]
        start = time.process_time()
        for delivery in batch:
            await fanout.on_event(delivery)
            # The next loop turn, as the bus's next delivery: the fan-out writes what it
            # held in this one (one write per connection) when the turn ends.
            await asyncio.sleep(0)
        best = min(best, time.process_time() - start)
    frames = sum(s.frames for s in sockets)
    expected = deliveries * repeats * (listeners + 1)
    if frames != expected:
        raise SystemExit(f"{frames} frames written, {expected} expected")
    print(
        f"edge delivery: 1 {len(bodies[0])}-byte say to {listeners} listeners + the speaker's "
        f"folded response ({listeners + 1} frames): {best / deliveries * 1e6:.1f} µs of "
        f"CPU per delivery (best of {repeats} x {deliveries}), "
        f"{best / deliveries / (listeners + 1) * 1e6:.2f} µs per frame"
    )
    await bus.close()


async def run_commands(frames: int, repeats: int) -> None:
    unlimited = SimpleNamespace(
        max_frame_bytes=8192,
        commands_per_second=1e12,
        command_burst=10**12,
        max_refused_per_minute=10,
    )
    runtime = SimpleNamespace(settings=unlimited, verifier=None, revocations=None)
    conn = Connection("c-p1", "p1", "Armitage", limit=100, socket=CountingSocket())
    ids = {
        "player_id": "p1",
        "player_name": "Armitage",
        "player_role": "player",
        "connection_id": "c-p1",
        "edge_id": "bench",
    }
    handler = FrameHandler(conn, runtime, ids)  # type: ignore[arg-type]
    texts = [
        json.dumps({"command": "say", "args": ["the", "stars", f"{i}"], "command_id": f"c{i}"})
        for i in range(frames)
    ]
    best = float("inf")
    for _ in range(repeats):
        size = 0
        start = time.process_time()
        for text in texts:
            outcome = await handler.handle(text)
            assert isinstance(outcome, Forward)
            size += len(outcome.body)
        best = min(best, time.process_time() - start)
    print(
        f"edge command: 1 say frame -> PlayerCommand bytes ({size // frames} bytes): "
        f"{best / frames * 1e6:.1f} µs of CPU per frame (best of {repeats} x {frames})"
    )


class _ParserOnly(LeanSocket):
    """Every byte through the ``websockets`` parser, as before ``_whole_frames``."""

    def _whole_frames(self, data: bytes, texts: list[bytes]) -> bytes:
        return data


class _SinkTransport(asyncio.Transport):
    def write(self, data: object) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def resume_reading(self) -> None:
        pass


class _Discarding:
    def received(self, message: str | bytes) -> None:
        pass

    def lost(self, code: int, reason: str) -> None:
        pass

    def shutdown(self) -> None:
        pass


def run_reads(frames: int, repeats: int) -> None:
    client = ClientProtocol(parse_uri("ws://edge/api/ws"), state=State.OPEN)
    say = json.dumps({"command": "say", "args": ["the", "stars"], "command_id": "c1"})
    client.send_frame(Frame(Opcode.TEXT, say.encode()))
    read_say = b"".join(client.data_to_send())
    client.send_frame(Frame(Opcode.PING, b"12345678"))
    read_ping = b"".join(client.data_to_send())
    for what, data in (("say frame", read_say), ("ping", read_ping)):
        figures = []
        for name, kind in (("through the parser", _ParserOnly), ("read whole", LeanSocket)):
            best = float("inf")
            for _ in range(repeats):
                sock = kind(_SinkTransport(), ServerProtocol(state=State.OPEN), set())
                sock.listen(_Discarding())
                sock.start()
                start = time.process_time()
                for _ in range(frames):
                    sock.data_received(data)
                best = min(best, time.process_time() - start)
            figures.append(f"{name} {best / frames * 1e6:.2f} µs")
        print(
            f"edge read: 1 {what} off the socket: {', '.join(figures)} (best of {repeats} x {frames})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--listeners", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.deliveries, args.listeners, args.repeats))
    run_reads(args.deliveries, args.repeats)
    asyncio.run(run_commands(args.deliveries, args.repeats))


if __name__ == "__main__":
    main()
