"""Whether an edge gives back what idle connections held, round after round: open
``--connections`` idle WebSocket connections on one edge, close them all, wait, read
the edge's RSS; ``--rounds`` times on the same edge. Memory an edge keeps after the
first round and reuses in the next (its allocator's high-water mark, code first run)
reads the same after every round; a leak grows by round.

    uv run python -m mythos_bench.idle_rounds [--connections 2000] [--rounds 3] [--settle 40]

The stack is ``make bench``'s (its own RabbitMQ and PostgreSQL, nginx in front), not
pinned. The edge gives memory back once the drop has settled
(EDGE_MEMORY_TRIM_AFTER_CLOSES, EDGE_MEMORY_TRIM_DELAY_SECONDS: 10 s), so ``--settle``
must be longer than that.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from mythos_bench.load import BenchPlayer, Ledger
from mythos_bench.processes import sample, server_processes
from mythos_bench.scenarios import connect_all
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

REPO = Path(__file__).resolve().parents[4]


async def rounds(connections: int, count: int, settle: float) -> list[float]:
    """The edge's RSS in MB after each round's connections closed and settled."""
    stack = Stack(REPO, edges=1, rooms=max(1, connections // 10), cpus=None)
    stack.start()
    try:
        mint = TokenMint(stack.key_file, stack.public_url)
        edge = server_processes(stack.data_dir)["edge"][0]
        await asyncio.sleep(3)
        print(f"baseline: edge RSS {sample(edge).rss_kb / 1024:.1f} MB", flush=True)
        ledger, after = Ledger(), []
        for n in range(1, count + 1):
            held: list[BenchPlayer] = []
            while len(held) < connections:
                batch = min(500, connections - len(held))
                more = [BenchPlayer(f"r{n}i{len(held) + i}", "", ledger) for i in range(batch)]
                for player in more:
                    player.token = mint.mint(player.name)[1]
                await connect_all(more, stack.edge_ws, batch=250)
                held.extend(more)
            await asyncio.sleep(2)
            print(f"round {n}: {connections} open, RSS {sample(edge).rss_kb / 1024:.1f} MB")
            await asyncio.gather(*(player.close() for player in held))
            await asyncio.sleep(settle)
            after.append(sample(edge).rss_kb / 1024)
            print(f"round {n}: all closed {settle:.0f} s ago, RSS {after[-1]:.1f} MB", flush=True)
        return after
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=40.0, help="seconds after closing")
    args = parser.parse_args()
    after = asyncio.run(rounds(args.connections, args.rounds, args.settle))
    print(f"after each round: {', '.join(f'{mb:.1f}' for mb in after)} MB")


if __name__ == "__main__":
    main()
