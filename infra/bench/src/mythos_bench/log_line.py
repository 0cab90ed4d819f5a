"""Micro-benchmark of the game's ``command handled`` line, in one process, no network.

The line as the game logs it (``command_log.handled``, with a player's log context:
``player_id``, ``connection_id``, ``command_id``) through the handler and formatter that
``configure_logging("game")`` installs, writing to a real pipe drained by a ``cat``
child (its CPU is not counted), or to ``/dev/null`` with ``--to devnull``. The lines are
logged in an event loop (uvloop, as the services run), ``--per-turn`` of them per loop
turn. Prints the best of ``--repeats`` runs, in µs of this process's CPU per line
(``time.process_time``), less the same loop's cost with the line's level turned off
(the command's metrics and the loop turns themselves).

    uv run python -m mythos_bench.log_line [--lines 5000] [--per-turn 1] [--to pipe]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import TextIO

import uvloop
from mythos_contracts.ops.log_lines import configure_logging, log_context
from mythos_game.service_layer.command_log import Handling, handled, log

# Ids shaped as the game's: uuids for players and connections, a client's command id.
CONTEXT = {
    "player_id": "3f2c1a9e-1b2c-4d5e-8f90-123456789abc",
    "connection_id": "c2f1a9e1-7b2c-4d5e-8f90-0123456789ab",
    "command_id": "c-1042",
}


@contextlib.contextmanager
def _output(to: str) -> Iterator[TextIO]:
    if to == "devnull":
        with open(os.devnull, "w", encoding="utf-8") as sink:
            yield sink
        return
    read_end, write_end = os.pipe()
    drain = subprocess.Popen(["cat"], stdin=read_end, stdout=subprocess.DEVNULL)
    os.close(read_end)
    try:
        # Buffered like a service's stdout on a pipe (not a terminal's line buffering).
        with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
            yield pipe
    finally:
        drain.wait()


@contextlib.contextmanager
def _logging_to(stream: TextIO) -> Iterator[None]:
    """``configure_logging`` as a service calls it, its stdout being ``stream``."""
    stdout, sys.stdout = sys.stdout, stream
    try:
        configure_logging("game", level="INFO", fmt="json")
    finally:
        sys.stdout = stdout
    try:
        yield
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
        logging.getLogger().handlers.clear()


async def _seconds(lines: int, per_turn: int) -> float:
    handling = Handling("say", "ok")
    turns = lines // per_turn
    started = time.process_time()
    with log_context(**CONTEXT):
        for _ in range(turns):
            for _ in range(per_turn):
                handled(handling, time.perf_counter())
            await asyncio.sleep(0)  # the loop turns: a buffered line is written here
    return time.process_time() - started


async def _best(lines: int, per_turn: int, repeats: int) -> float:
    await _seconds(lines // 10, per_turn)  # warm up: caches, the first write
    return min([await _seconds(lines, per_turn) for _ in range(repeats)])


async def _run(args: argparse.Namespace) -> tuple[float, float]:
    with _output(args.to) as stream, _logging_to(stream):
        logged = await _best(args.lines, args.per_turn, args.repeats)
        log.setLevel(logging.WARNING)
        try:
            silent = await _best(args.lines, args.per_turn, args.repeats)
        finally:
            log.setLevel(logging.NOTSET)
    return logged, silent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--per-turn", type=int, default=1, help="lines per event-loop turn")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--to", choices=["pipe", "devnull"], default="pipe")
    args = parser.parse_args()
    logged, silent = uvloop.run(_run(args))
    lines = args.lines // args.per_turn * args.per_turn
    per_line = (logged - silent) / lines * 1e6
    print(
        f"command handled line, {args.per_turn} per loop turn, to {args.to}: "
        f"{per_line:.2f} µs CPU per line (best {logged / lines * 1e6:.2f} µs with it, "
        f"{silent / lines * 1e6:.2f} µs without)"
    )


if __name__ == "__main__":
    main()
