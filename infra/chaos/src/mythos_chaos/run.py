"""One fault under load: the players talk, the fault strikes, the players keep talking,
then every command is given time to be answered and the run is tallied."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from mythos_chaos.faults import Fault, Target
from mythos_chaos.player import ChaosPlayer, Ledger
from mythos_chaos.tally import Row, tally

# The services' defaults, except the one cap a load from one machine trips over (every
# player comes from 127.0.0.1, and after an edge dies all of them are on the other one),
# and a standby game, as production runs one: a dead game's shard is taken over by it.
CHAOS_TUNING = {"EDGE_MAX_CONNECTIONS_PER_IP": "0", "MYTHOS_GAME_STANDBYS": "1"}


@dataclass(frozen=True)
class Phases:
    """Seconds of each phase: load before the fault, load after it, then the wait for
    the last answers (no new commands); ``interval``: each player's time between says."""

    warmup: float = 5.0
    observe: float = 20.0
    drain: float = 20.0
    interval: float = 1.0
    walk_every: int = 0
    """A quarter of the players walk instead of saying every this many turns (0: nobody
    walks), through ``walks`` in turn. In the split benchmark world every other step east
    crosses a shard boundary; in Arkham split in two, north of Independence Square."""
    walks: tuple[str, ...] = ("east",)


async def _talk(
    player: ChaosPlayer,
    phase: float,
    interval: float,
    until: asyncio.Event,
    walk_every: int = 0,
    walks: tuple[str, ...] = ("east",),
) -> None:
    """``say`` every ``interval`` seconds, on a fixed schedule (not after the answer:
    the load stays steady whatever the fault does to the answers); with ``walk_every``,
    every that many turns a walk instead (``walks`` in turn)."""
    start = time.monotonic() + phase
    n = 0
    while True:
        delay = start + n * interval - time.monotonic()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), delay)
        if until.is_set():
            return
        if walk_every and n % walk_every == walk_every - 1:
            direction = walks[(n // walk_every) % len(walks)]
            await player.walk(direction, f"{player.name}-{n} walks {direction}")
        else:
            await player.say(f"{player.name}-{n}")
        n += 1


async def _drained(players: list[ChaosPlayer], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    # Polled: the condition spans every player's pending commands.
    while any(p.pending for p in players) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


async def run_fault(
    fault: Fault, target: Target, players: list[ChaosPlayer], ledger: Ledger, phases: Phases
) -> Row:
    """Connect ``players`` (each must be new, its commands recorded in ``ledger``), run
    the load and the fault, stop the players, and return what the fault cost."""
    await asyncio.gather(*(p.start() for p in players))
    stop = asyncio.Event()
    spread = phases.interval / len(players)  # the says of a second spread over it
    talkers = [
        asyncio.create_task(
            _talk(
                p,
                i * spread,
                phases.interval,
                stop,
                phases.walk_every if i % 4 == 0 else 0,
                phases.walks,
            )
        )
        for i, p in enumerate(players)
    ]
    fault_at = 0.0
    struck = asyncio.Event()  # set by the fault once it took effect

    def mark() -> None:
        nonlocal fault_at
        fault_at = time.monotonic()
        struck.set()

    striking: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(phases.warmup)
        striking = asyncio.create_task(fault.strike(target, mark))
        async with asyncio.timeout(60):
            while not struck.is_set():
                if striking.done():
                    striking.result()  # raises why it could not strike
                await asyncio.sleep(0.01)
        print(f"  {fault.name}: struck ({fault.what})", flush=True)
        await asyncio.sleep(phases.observe)
        stop.set()
        await asyncio.gather(*talkers)
        await striking  # a fault that lasts (a stall) has ended
        await _drained(players, phases.drain)
    finally:
        stop.set()
        for task in (*talkers, striking):
            if task is not None and not task.done():
                task.cancel()
        await asyncio.gather(*(p.stop() for p in players), return_exceptions=True)
    return tally(
        fault.name,
        [p.counts() for p in players],
        ledger.commands.values(),
        ledger.heard,
        fault_at,
    )
