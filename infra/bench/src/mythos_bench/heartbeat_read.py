"""Micro-benchmark of the game's reading of an edge's heartbeat, in one process.

An edge lists every connection it holds in a heartbeat every few seconds
(``EDGE_HEARTBEAT_SECONDS``); the game reads each one between commands, so its reading
is a stall of the game's loop that grows with the players an edge holds. This reads a
heartbeat of ``--connections`` connections (as ``edge_heartbeat_json`` writes it) both
ways the game can: msgspec's strict reading (``read_edge_heartbeat``) and the model
(``GAME_INPUT``, what it used for every heartbeat before). Prints the CPU per heartbeat
(best of ``--repeats`` runs of ``--reads``) and the objects each reading leaves for the
garbage collector to track.

    uv run python -m mythos_bench.heartbeat_read [--connections 5000]
"""

from __future__ import annotations

import argparse
import gc
import time
import uuid
from collections.abc import Callable

from mythos_contracts.heartbeat_wire import edge_heartbeat_json, read_edge_heartbeat
from mythos_game.entrypoints.consumer import GAME_INPUT


def heartbeat(connections: int) -> bytes:
    return edge_heartbeat_json(
        "edge-1",
        [
            {
                "player_id": str(uuid.uuid4()),
                "player_name": f"Investigator{n}",
                "player_role": "player",
                "connection_id": str(uuid.uuid4()),
                "epoch": str(uuid.uuid4()),
                "delivered": n,
            }
            for n in range(connections)
        ],
    )


def cpu_ms(read: Callable[[], object], reads: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(reads):
            read()
        best = min(best, (time.process_time() - started) / reads)
    return best * 1000


def tracked(read: Callable[[], object]) -> int:
    """Objects the collector tracks while what ``read`` returned is held."""
    gc.collect()
    before = len(gc.get_objects())
    held = read()
    count = len(gc.get_objects()) - before
    del held
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    body = heartbeat(args.connections)
    ways: dict[str, Callable[[], object]] = {
        "msgspec (read_edge_heartbeat)": lambda: read_edge_heartbeat(body),
        "model (GAME_INPUT)": lambda: GAME_INPUT.validate_json(body),
    }
    print(f"a heartbeat of {args.connections} connections, {len(body)} bytes")
    for name, read in ways.items():
        ms = cpu_ms(read, args.reads, args.repeats)
        print(f"  {name}: {ms:.2f} ms CPU, {tracked(read)} tracked objects")


if __name__ == "__main__":
    main()
