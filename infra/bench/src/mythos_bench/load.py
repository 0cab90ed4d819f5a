"""Benchmark players: real WebSocket clients that say unique tokens and time every
delivery, counting gaps and duplicates in each stream."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import websockets
from websockets.typing import Subprotocol

from mythos_bench import generator_gc

CONTROL = (b'"heartbeat"', b'"pong"', b'"disconnect"')


@dataclass
class Said:
    sent_at: float
    room: str
    sender: str
    expected: int
    received: list[float] = field(default_factory=list)


class Ledger:
    """Every say of the run and every delivery of it."""

    def __init__(self) -> None:
        self.said: dict[str, Said] = {}
        self.unknown = 0

    def delivered(self, token: str, at: float) -> None:
        said = self.said.get(token)
        if said is None:
            self.unknown += 1
        else:
            said.received.append(at)


@dataclass
class BenchPlayer:
    name: str
    token: str
    ledger: Ledger
    room: str = ""
    last_seq: int = 0
    gaps: int = 0
    duplicates: int = 0
    ws: Any = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def connect(self, url: str) -> None:
        self.ws = await websockets.connect(
            url,
            subprotocols=[Subprotocol("bearer"), Subprotocol(self.token)],
            max_queue=None,
            open_timeout=60,
        )
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self._on(raw if isinstance(raw, bytes) else raw.encode())
        except websockets.ConnectionClosed:
            pass

    def _on(self, raw: bytes) -> None:
        now = time.perf_counter()
        if any(marker in raw[:40] for marker in CONTROL):
            return
        message = orjson.loads(raw)
        seq = message["sequence_number"]
        kind = message["event_type"]
        if kind == "game_state":
            self.room = message["data"]["room"]["id"]
            self.last_seq = seq - 1
            self.ready.set()
        if seq <= self.last_seq:
            self.duplicates += 1
            return
        self.gaps += seq - self.last_seq - 1
        self.last_seq = seq
        if kind == "chat_message":
            self.ledger.delivered(message["data"]["message"], now)

    async def say(self, token: str) -> None:
        await self.ws.send(orjson.dumps({"command": "say", "args": [token]}).decode())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await self.task


@dataclass
class StepResult:
    rate: float
    sent: int
    achieved_rate: float
    deliveries_expected: int
    deliveries: int
    missing: int
    fanout_ms: dict[str, float]
    recipient_ms: dict[str, float]
    tail: dict[str, object] = field(default_factory=dict)
    """Where the lines over ``TAIL_MS`` fell in time (``tail_by_second``)."""
    generator_gc: dict[str, int | str] = field(default_factory=dict)
    """The generator's own collections while the step's lines were timed
    (``generator_gc.Pauses.since``): none full unless ``--generator-gc on``."""


TAIL_MS = 50.0
"""The fan-out latency of the throughput target: what the tail is counted against."""


def tail_by_second(
    timed: list[tuple[float, float]], started: float = 0.0, worst: int = 5
) -> dict[str, object]:
    """``timed``: (seconds into the step a line was said, its fan-out ms). How many lines
    took over ``TAIL_MS``, in how many of the step's whole seconds, and the ``worst``
    seconds by their slowest line: a few stalls, or a tail spread over the step.
    ``started``: the step's first line, in ``time.time()`` (to match the services' logs)."""
    late: dict[int, list[float]] = {}
    for at, ms in timed:
        if ms > TAIL_MS:
            late.setdefault(int(at), []).append(ms)
    ranked = sorted(late.items(), key=lambda item: -max(item[1]))[:worst]
    return {
        "over_ms": TAIL_MS,
        "started_at": round(started, 3),
        "lines_over": sum(len(v) for v in late.values()),
        "seconds_with_any": len(late),
        "seconds": int(max((at for at, _ in timed), default=0)) + 1,
        "worst_seconds": [
            {"second": second, "slowest_ms": round(max(v), 1), "lines_over": len(v)}
            for second, v in ranked
        ],
    }


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": ordered[-1]}


async def send_at_rate(
    players: list[BenchPlayer],
    ledger: Ledger,
    occupancy: dict[str, int],
    rate: float,
    seconds: float,
    prefix: str,
) -> tuple[list[str], float]:
    """Say ``rate`` lines a second, spread round-robin over the players, for ``seconds``;
    the tokens said and how long it took."""
    tokens: list[str] = []
    start = time.perf_counter()
    sent = 0
    while (elapsed := time.perf_counter() - start) < seconds:
        due = int(elapsed * rate) + 1
        while sent < due:
            player = players[sent % len(players)]
            token = f"{prefix}{sent}"
            ledger.said[token] = Said(
                time.perf_counter(), player.room, player.name, occupancy[player.room] - 1
            )
            tokens.append(token)
            await player.say(token)
            sent += 1
        await asyncio.sleep(0.001)
    return tokens, time.perf_counter() - start


async def wait_delivered(ledger: Ledger, tokens: list[str], drain: float) -> None:
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline:
        if all(len(ledger.said[t].received) >= ledger.said[t].expected for t in tokens):
            return
        await asyncio.sleep(0.05)


def account(ledger: Ledger, tokens: list[str], rate: float, duration: float) -> StepResult:
    fanout: list[float] = []
    timed: list[tuple[float, float]] = []
    per_recipient: list[float] = []
    expected = delivered = 0
    started = ledger.said[tokens[0]].sent_at if tokens else 0.0
    for token in tokens:
        said = ledger.said[token]
        expected += said.expected
        delivered += min(len(said.received), said.expected)
        per_recipient.extend((t - said.sent_at) * 1000 for t in said.received)
        if said.received and len(said.received) >= said.expected:
            fanout.append((max(said.received) - said.sent_at) * 1000)
            timed.append((said.sent_at - started, fanout[-1]))
    return StepResult(
        rate=rate,
        sent=len(tokens),
        achieved_rate=len(tokens) / duration,
        deliveries_expected=expected,
        deliveries=delivered,
        missing=expected - delivered,
        fanout_ms=percentiles(fanout),
        recipient_ms=percentiles(per_recipient),
        tail=tail_by_second(timed, time.time() - (time.perf_counter() - started)),
    )


async def run_step(
    players: list[BenchPlayer],
    ledger: Ledger,
    occupancy: dict[str, int],
    rate: float,
    seconds: float,
    drain: float,
    prefix: str,
    collector: str = "paused",
) -> StepResult:
    """Say ``rate`` lines a second for ``seconds``, wait up to ``drain`` seconds for
    the deliveries, and account for every line; the generator's collector off meanwhile
    unless ``collector`` is "on" (``generator_gc``)."""
    with generator_gc.timing(collector) as pauses:
        tokens, duration = await send_at_rate(players, ledger, occupancy, rate, seconds, prefix)
        await wait_delivered(ledger, tokens, drain)
    result = account(ledger, tokens, rate, duration)
    result.generator_gc = pauses.since()
    return result
