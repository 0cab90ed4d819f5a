"""``make bench``: start the distributed stack, drive it with real WebSocket clients
through the public origin, and write the figures under docs/benchmarks/.

    uv run python -m mythos_bench [--players 1000] [--rates 200,400,...] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import resource
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from mythos_bench.load import BenchPlayer, Ledger, run_step
from mythos_bench.processes import (
    pin,
    sample,
    sample_groups,
    server_processes,
    start_profiles,
)
from mythos_bench.report import write_all
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

REPO = Path(__file__).resolve().parents[4]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="mythos_bench", description=__doc__)
    p.add_argument("--players", type=int, default=1000)
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rates", default="200,400,600,800,1000,1200,1600")
    p.add_argument("--step-seconds", type=float, default=20.0)
    p.add_argument("--warmup-seconds", type=float, default=5.0)
    p.add_argument("--idle", default="0,1000,5000,10000", help="idle connection counts ('' skips)")
    p.add_argument("--edges", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks")
    p.add_argument("--smoke", action="store_true", help="10 s, 50 players, no idle scenario")
    p.add_argument(
        "--profile-rate",
        type=float,
        default=200.0,
        help="record py-spy flame graphs of the edge and the game during this step (0: never)",
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.players, args.rates, args.step_seconds, args.warmup_seconds = 50, "50", 10.0, 1.0
        args.idle = ""
    return args


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def connect_all(players: list[BenchPlayer], url: str, batch: int = 200) -> None:
    for i in range(0, len(players), batch):
        group = players[i : i + batch]
        await asyncio.gather(*(p.connect(url) for p in group))
        await asyncio.wait_for(asyncio.gather(*(p.ready.wait() for p in group)), 120)


def cpu_split(
    before: dict[str, Any], after: dict[str, Any], sent: int, seconds: float
) -> tuple[dict[str, float], dict[str, float]]:
    per_say = {
        n: (after[n].cpu_seconds - before[n].cpu_seconds) * 1000 / max(sent, 1) for n in after
    }
    percent = {n: (after[n].cpu_seconds - before[n].cpu_seconds) * 100 / seconds for n in after}
    per_say["total"] = sum(v for k, v in per_say.items() if k != "total")
    return per_say, percent


async def throughput(stack: Stack, args: argparse.Namespace, mint: TokenMint) -> dict[str, Any]:
    ledger = Ledger()
    players = [BenchPlayer(f"b{i}", mint.mint(f"b{i}")[1], ledger) for i in range(args.players)]
    print(f"connecting {len(players)} players through {stack.public_ws}", flush=True)
    await connect_all(players, stack.public_ws)
    occupancy: dict[str, int] = {}
    for p in players:
        occupancy[p.room] = occupancy.get(p.room, 0) + 1
    groups = server_processes(stack.data_dir)
    if not args.no_pin:
        pin([pid for pids in groups.values() for pid in pids], "0")
    await run_step(players, ledger, occupancy, 50, args.warmup_seconds, 3, "w")
    steps: list[dict[str, Any]] = []
    stopped = ""
    for n, rate in enumerate(float(r) for r in args.rates.split(",")):
        before, t0 = sample_groups(groups), time.perf_counter()
        profilers = (
            start_profiles(groups, args.out, args.step_seconds)
            if rate == args.profile_rate and not args.smoke
            else []
        )
        result = await run_step(players, ledger, occupancy, rate, args.step_seconds, 5, f"s{n}-")
        for profiler in profilers:
            profiler.wait(timeout=60)
        after, elapsed = sample_groups(groups), time.perf_counter() - t0
        per_say, percent = cpu_split(before, after, result.sent, elapsed)
        step = {
            **result.__dict__,
            "gaps": sum(p.gaps for p in players),
            "duplicates": sum(p.duplicates for p in players),
            "cpu_ms_per_say": per_say,
            "cpu_percent": percent,
            "rss_mb": {k: v.rss_kb / 1024 for k, v in after.items()},
        }
        steps.append(step)
        f = result.fanout_ms
        print(
            f"{rate:6.0f} cmd/s: achieved {result.achieved_rate:6.0f}, fan-out p50 {f['p50']:.1f} "
            f"p99 {f['p99']:.1f} ms, missing {result.missing}/{result.deliveries_expected}, "
            f"gaps {step['gaps']} dups {step['duplicates']}, CPU/say {per_say['total']:.2f} ms",
            flush=True,
        )
        if f["p99"] > 500:
            stopped = f"fan-out p99 {f['p99']:.0f} ms > 500 ms at {rate:.0f} cmd/s"
            break
        if result.missing > 0.01 * max(result.deliveries_expected, 1):
            stopped = f"{result.missing} deliveries missing (> 1 %) at {rate:.0f} cmd/s"
            break
    await asyncio.gather(*(p.close() for p in players))
    return {"steps": steps, "stopped_because": stopped, "unknown_deliveries": ledger.unknown}


async def idle(stack: Stack, args: argparse.Namespace, mint: TokenMint) -> list[dict[str, Any]]:
    counts = [int(c) for c in args.idle.split(",") if c.strip()]
    edge_pid = server_processes(stack.data_dir)["edge"][0]
    rows: list[dict[str, Any]] = []
    held: list[BenchPlayer] = []
    ledger = Ledger()
    base_kb = 0
    for count in counts:
        while len(held) < count:
            more = [
                BenchPlayer(f"i{len(held) + i}", "", ledger)
                for i in range(min(500, count - len(held)))
            ]
            for p in more:
                p.token = mint.mint(p.name)[1]
            await connect_all(more, stack.edge_ws, batch=250)
            held.extend(more)
        await asyncio.sleep(3)
        rss = sample(edge_pid).rss_kb
        base_kb = rss if count == 0 else base_kb
        per = (rss - base_kb) / count if count else 0.0
        rows.append({"connections": count, "rss_kb": rss, "kb_per_connection": per})
        print(
            f"idle: {count:6d} connections, edge RSS {rss / 1024:.1f} MB ({per:.1f} KB each)",
            flush=True,
        )
    await asyncio.gather(*(p.close() for p in held))
    return rows


async def main(args: argparse.Namespace) -> int:
    raise_fd_limit()
    if not args.no_pin:
        os.sched_setaffinity(0, {1})
    rooms = max(1, args.players // args.room_size)
    # Each scenario gets a fresh stack: RSS is a high-water mark and thousands of idle
    # players left behind would tax the throughput run.
    stack = Stack(REPO, edges=args.edges, rooms=rooms)
    stack.start()
    try:
        results = await throughput(stack, args, TokenMint(stack.key_file, stack.public_url))
    finally:
        stack.stop()
    results["idle"] = []
    if args.idle:
        stack = Stack(REPO, edges=1, rooms=rooms)
        stack.start()
        try:
            results["idle"] = await idle(stack, args, TokenMint(stack.key_file, stack.public_url))
        finally:
            stack.stop()
    results["meta"] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run python -m mythos_bench " + shlex.join(sys.argv[1:]),
        "players": args.players,
        "room_size": args.room_size,
        "edges": args.edges,
        "server_cpus": "all" if args.no_pin else "0",
        "generator_cpus": "all" if args.no_pin else "1",
        "broker_messages_per_say": "3 publishes (edge->game command, one room event, the "
        "sender's command_response) and 2 + (edges with listeners) deliveries, by construction",
    }
    for path in write_all(results, args.out):
        print(f"wrote {path}")
    missing = sum(s["missing"] for s in results["steps"])
    gaps = sum(s["gaps"] + s["duplicates"] for s in results["steps"][-1:])
    return 0 if results["steps"] and missing == 0 and gaps == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
