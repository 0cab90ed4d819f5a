"""``make bench``: start the distributed stack, drive it with real WebSocket clients
through the public origin, and write the figures under docs/benchmarks/.

    uv run python -m mythos_bench [--players 1000] [--rates 200,400,...] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import resource
import shlex
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mythos_bench import capacity, generator_gc, reference
from mythos_bench.placement import SCHEDULING, policies
from mythos_bench.processes import server_processes
from mythos_bench.report import write_all
from mythos_bench.scenarios import idle, soak, throughput
from mythos_bench.stack import BENCH_TUNING, Stack
from mythos_bench.tokens import TokenMint

REPO = Path(__file__).resolve().parents[4]
SERVER_CPUS = {0}
GENERATOR_CPUS = {1}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="mythos_bench", description=__doc__)
    p.add_argument("--players", type=int, default=1000)
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rates", default="200,400,500,600,800,1000,1200,1600")
    p.add_argument("--step-seconds", type=float, default=20.0)
    p.add_argument("--warmup-seconds", type=float, default=5.0)
    p.add_argument("--idle", default="0,1000,10000", help="idle connection counts ('' skips)")
    p.add_argument("--soak-minutes", type=int, default=10, help="0 skips the soak")
    p.add_argument("--soak-rate", type=float, default=500.0)
    p.add_argument(
        "--soak-minute-seconds",
        type=float,
        default=60.0,
        help="how long a soak 'minute' lasts (shorter only to check the harness)",
    )
    p.add_argument("--edges", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    p.add_argument(
        "--scheduling",
        choices=SCHEDULING,
        default="normal",
        help="the kernel policy every process of the stack starts under "
        "(mythos_bench.placement): normal (the kernel's default, as a deployment runs; "
        "the default) or batch (SCHED_BATCH: a waking process never preempts the "
        "running one)",
    )
    p.add_argument(
        "--generator-gc",
        choices=generator_gc.MODES,
        default="paused",
        help="the load generator's own garbage collector while lines are timed "
        "(mythos_bench.generator_gc): paused (the default: it collects between steps, "
        "so its pauses never read as the server's) or on (to compare)",
    )
    p.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="20 s at 100 say/s with 50 players, a profiled repeat, a soak of two 5-s "
        "minutes, no idle",
    )
    p.add_argument(
        "--front-door",
        choices=("caddy", "nginx"),
        default="nginx",
        help="the proxy on the public origin (MYTHOS_FRONT_DOOR): nginx by default, as "
        "the Kubernetes ingress a production deployment runs behind",
    )
    p.add_argument(
        "--profile-rate",
        type=float,
        default=1000.0,
        help="after the step at this rate, repeat it with py-spy recording flame graphs of "
        "the edge and the game and perf sampling the server core (0: never); the repeat "
        "is reported apart, not as a step (default: 1,000, the target's rate)",
    )
    args = p.parse_args(argv)
    # The core(s) the servers run on: what the profiled repeat samples with perf.
    args.server_cpus = None if args.no_pin else SERVER_CPUS
    args.generator_cpus = None if args.no_pin else GENERATOR_CPUS
    if args.smoke:
        # Long and busy enough for the profiled repeat's own samples of each service
        # (one per tick of its CPU) to hold its handling of commands: 10 s at 50 say/s
        # gave the game 38 under a loaded CI run, none in it.
        args.players, args.rates, args.step_seconds, args.warmup_seconds = 50, "100", 20.0, 1.0
        args.idle, args.profile_rate = "", 100.0
        args.soak_rate, args.soak_minutes, args.soak_minute_seconds = 50.0, 2, 5.0
    return args


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


Scenario = Callable[[Stack, argparse.Namespace, TokenMint], Awaitable[Any]]


async def on_fresh_stack(
    args: argparse.Namespace, edges: int, scenario: Scenario, servers: dict[str, Any]
) -> Any:
    """``scenario`` on a stack of its own, with its own RabbitMQ and PostgreSQL, whose
    versions, schedulers and startup times go into ``servers`` under its name."""
    # Each scenario gets a fresh stack: RSS is a high-water mark and thousands of idle
    # players left behind would tax the throughput run.
    rooms = max(1, args.players // args.room_size)
    stack = Stack(
        REPO,
        edges=edges,
        rooms=rooms,
        cpus=None if args.no_pin else SERVER_CPUS,
        tuning={**BENCH_TUNING, "MYTHOS_FRONT_DOOR": args.front_door},
        scheduling=args.scheduling,
    )
    try:
        stack.start()
        if stack.servers is not None:
            info = {**stack.servers.info, "data_dir": str(stack.servers.root)}
            # As the kernel reports it once every process runs, not as asked.
            info["scheduling"] = policies(server_processes(stack.data_dir))
            servers[scenario.__name__] = info
        return await scenario(stack, args, TokenMint(stack.key_file, stack.public_url))
    finally:
        stack.stop()


def verdict(results: dict[str, Any]) -> int:
    """0 when no line was lost, repeated or skipped where the server had headroom. A
    capped step (core over 85 %) may deliver late; gaps and duplicates count anywhere."""
    steps = results["steps"]
    if not steps and not results.get("soak") and not results.get("idle"):
        return 1
    lost = sum(s["missing"] for s in steps if not s["capped"])
    broken = sum(s["gaps"] + s["duplicates"] for s in steps[-1:])
    if results.get("soak"):
        broken += results["soak"]["gaps"] + results["soak"]["duplicates"]
        lost += sum(m["missing"] for m in results["soak"]["minutes"])
    return 0 if lost == 0 and broken == 0 else 1


def measured_commit() -> str:
    """The commit the run measures, marked when the work tree had uncommitted changes."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return "unknown"
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if changed else "")


def write_capacity(results: dict[str, Any], out: Path) -> Path | None:
    """docs/capacity.md from this run's figures (beside the results when they are
    written elsewhere); a run without steps or idle connections has too little."""
    if not results["steps"] or not results["idle"]:
        return None
    default = (REPO / "docs" / "benchmarks").resolve()
    target = capacity.DEFAULT_PATH if out.resolve() == default else out / "capacity.md"
    capacity.main(["--results", str(out / "results.json"), "--out", str(target)])
    return target


async def main(args: argparse.Namespace) -> int:
    commit = measured_commit()
    raise_fd_limit()
    if not args.no_pin:
        os.sched_setaffinity(0, GENERATOR_CPUS)
    load = os.getloadavg()[0]
    reference_ms = reference.measure(None if args.no_pin else SERVER_CPUS)
    print(f"reference loop: {reference_ms:.1f} ms (load average {load:.2f})", flush=True)
    servers: dict[str, Any] = {}
    results: dict[str, Any] = {
        "steps": [],
        "profiled": {},
        "stopped_because": "",
        "unknown_deliveries": 0,
    }
    if args.rates.strip():  # --rates '' measures only the soak and idle connections
        results = await on_fresh_stack(args, args.edges, throughput, servers)
    results["soak"] = (
        await on_fresh_stack(args, args.edges, soak, servers) if args.soak_minutes else {}
    )
    results["idle"] = await on_fresh_stack(args, 1, idle, servers) if args.idle else []
    results["meta"] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "command": "uv run python -m mythos_bench " + shlex.join(sys.argv[1:]),
        "players": args.players,
        "room_size": args.room_size,
        "edges": args.edges,
        "front_door": args.front_door,
        "scheduling": args.scheduling,
        "generator_gc": args.generator_gc,
        "server_cpus": "all" if args.no_pin else "0",
        "generator_cpus": "all" if args.no_pin else "1",
        "reference_loop_ms": round(reference_ms, 1),
        "reference_loop": f"mythos_bench.reference: best of {reference.REPEATS} runs' CPU "
        f"time on the server CPUs before the first stack, Python {platform.python_version()}",
        "load_average_at_start": round(load, 2),
        "servers": servers,
        "broker_messages_per_say": "2 publishes (edge->game command, one room event carrying "
        "the sender's command_response) and 1 + (edges with listeners) deliveries, by "
        "construction; each step's broker_per_say counts them",
    }
    for path in write_all(results, args.out):
        print(f"wrote {path}")
    write_capacity(results, args.out)
    return verdict(results)


def _exit_on_term(signum: int, _frame: object) -> None:
    # A SystemExit unwinds the scenarios' finally blocks: each stops its stack and
    # deletes its own servers (the default action would leave them running).
    sys.exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_term)
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
