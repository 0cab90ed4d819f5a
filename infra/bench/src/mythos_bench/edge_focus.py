"""A focused measurement of one edge: RSS per idle connection and CPU per delivered frame.

Starts the distributed stack (as ``make bench`` does, one edge), connects ``--idle``
players straight to the edge's own port and reads the edge's RSS before and after, then
has ``--talkers`` of them (rooms of ``--room-size``) say ``--rate`` lines a second for
``--seconds`` and divides the edge's CPU (utime + stime from /proc) by the frames its
clients received. Unpinned by default: it runs beside other work, so compare runs made
the same way, and read the CPU per frame as a process-time figure, not a latency.

    uv run python -m mythos_bench.edge_focus [--idle 2000] [--talkers 200] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from mythos_bench.__main__ import raise_fd_limit
from mythos_bench.load import BenchPlayer, Ledger, run_step
from mythos_bench.processes import sample, server_processes
from mythos_bench.scenarios import connect_all
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

REPO = Path(__file__).resolve().parents[4]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="mythos_bench.edge_focus", description=__doc__)
    p.add_argument("--idle", type=int, default=2000, help="idle connections to hold")
    p.add_argument("--talkers", type=int, default=200, help="players of them who then talk")
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rate", type=float, default=100.0, help="say lines a second")
    p.add_argument("--seconds", type=float, default=20.0)
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    raise_fd_limit()
    stack = Stack(REPO, edges=1, rooms=max(1, args.idle // args.room_size), cpus=None)
    stack.start()
    try:
        mint = TokenMint(stack.key_file, stack.public_url)
        edge_pid = server_processes(stack.data_dir)["edge"][0]
        await asyncio.sleep(3)
        base = sample(edge_pid)
        ledger = Ledger()
        players = [BenchPlayer(f"f{i}", mint.mint(f"f{i}")[1], ledger) for i in range(args.idle)]
        for i in range(0, len(players), 500):
            await connect_all(players[i : i + 500], stack.edge_ws, batch=250)
        await asyncio.sleep(3)
        held = sample(edge_pid)
        per_kb = (held.rss_kb - base.rss_kb) / max(args.idle, 1)
        print(
            f"idle: {args.idle} connections, edge RSS {base.rss_kb / 1024:.1f} -> "
            f"{held.rss_kb / 1024:.1f} MB ({per_kb:.1f} KB each)",
            flush=True,
        )
        talkers = players[: args.talkers]
        occupancy: dict[str, int] = {}
        for p in players:
            occupancy[p.room] = occupancy.get(p.room, 0) + 1
        await run_step(talkers, ledger, occupancy, 20, 3.0, 3.0, "w")  # warm-up
        before, t0 = sample(edge_pid), time.perf_counter()
        result = await run_step(talkers, ledger, occupancy, args.rate, args.seconds, 5.0, "s")
        after, elapsed = sample(edge_pid), time.perf_counter() - t0
        cpu = after.cpu_seconds - before.cpu_seconds
        frames = result.deliveries + result.sent  # room lines + each sender's response
        print(
            f"talk: {result.sent} says at {result.achieved_rate:.0f}/s, {result.deliveries} "
            f"room deliveries (missing {result.missing}), edge CPU {cpu:.2f} s in "
            f"{elapsed:.1f} s: {cpu * 1e6 / max(frames, 1):.1f} us per frame out, "
            f"{cpu * 1e3 / max(result.sent, 1):.3f} ms per say; fan-out p50 "
            f"{result.fanout_ms['p50']:.1f} p99 {result.fanout_ms['p99']:.1f} ms; gaps "
            f"{sum(p.gaps for p in players)} dups {sum(p.duplicates for p in players)}",
            flush=True,
        )
        await asyncio.gather(*(p.close() for p in players))
        await asyncio.sleep(3)
        print(f"idle: all closed, edge RSS {sample(edge_pid).rss_kb / 1024:.1f} MB", flush=True)
        return 0 if result.missing == 0 else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse(sys.argv[1:]))))
