"""The loop watchdog ends a game whose event loop stopped turning, and only then."""

from __future__ import annotations

import asyncio
import threading
import time

from mythos_game.service_layer.watchdog import LoopWatchdog


async def test_a_loop_that_turns_is_left_alone() -> None:
    stalls: list[float] = []
    watchdog = LoopWatchdog(2.0, on_stall=stalls.append)  # margin for a busy machine
    watchdog.start()
    await asyncio.sleep(3.0)
    watchdog.stop()
    assert stalls == []


async def test_a_loop_that_stops_turning_is_ended() -> None:
    stalled = threading.Event()
    stalls: list[float] = []

    def on_stall(seconds: float) -> None:
        stalls.append(seconds)
        stalled.set()

    watchdog = LoopWatchdog(0.5, on_stall=on_stall)
    watchdog.start()
    time.sleep(2.0)  # noqa: ASYNC251 (blocks the loop on purpose, as a hung handler would)
    assert stalled.wait(2.0), "the watchdog saw the loop stand still"
    watchdog.stop()
    assert stalls and stalls[0] > 0.5
