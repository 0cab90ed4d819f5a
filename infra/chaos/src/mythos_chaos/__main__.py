"""``make chaos``: each fault on its own fresh distributed system (its own vhost and
databases, dropped afterwards), under talking players through the public origin; one
table row per fault, written to docs/reliability.md. Exit status 1 when a fault falls
short of the goal (all zeros, recovery within 5 s).

    uv run python -m mythos_chaos [--players 40] [--observe 20] [--faults game-kill,...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mythos_bench.__main__ import raise_fd_limit
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

from mythos_chaos.faults import FAULTS, AdminCommand, Target
from mythos_chaos.player import ChaosPlayer, Ledger
from mythos_chaos.report import Meta, console_line, table, write_results
from mythos_chaos.run import CHAOS_TUNING, Phases, run_fault
from mythos_chaos.tally import Row

REPO = Path(__file__).resolve().parents[4]
EDGES = 2


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="mythos_chaos", description=__doc__)
    p.add_argument("--players", type=int, default=40, help="talking players (default 40)")
    p.add_argument("--room-size", type=int, default=10, help="players per room (default 10)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the fault")
    p.add_argument("--observe", type=float, default=20.0, help="seconds of load after it")
    p.add_argument("--drain", type=float, default=20.0, help="seconds to wait for the answers")
    p.add_argument(
        "--games",
        type=int,
        default=2,
        help="game shards (default 2: the benchmark world split in two, players on both, "
        "a quarter of them walking across the boundary)",
    )
    p.add_argument("--walk-every", type=int, default=10, help="a walker's turns per walk")
    p.add_argument("--faults", default=None, help="comma-separated, in this order")
    p.add_argument("--doc", type=Path, default=REPO / "docs" / "reliability.md")
    p.add_argument("--no-write", action="store_true", help="print the table only")
    args = p.parse_args(argv)
    if args.faults is None:
        args.faults = ",".join(n for n, f in FAULTS.items() if f.shards <= args.games)
    unknown = [f for f in args.faults.split(",") if f not in FAULTS]
    if unknown:
        p.error(f"unknown fault {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    if args.players < 2:
        p.error("--players: at least 2 (a line needs someone to hear it)")
    return args


async def one_fault(name: str, args: argparse.Namespace, phases: Phases) -> Row:
    rooms = max(1, args.players // args.room_size)
    # Rooms of the split world: at least two per shard, so walkers cross and come back.
    rooms = max(rooms, 2 * args.games)
    tuning = {**CHAOS_TUNING, "MYTHOS_GAMES": str(args.games)}
    # The machine's servers: the faults strike them with rabbitmqctl from this process.
    stack = Stack(
        REPO, edges=EDGES, rooms=rooms, cpus=None, name="chaos", tuning=tuning, own_servers=False
    )
    stack.start()
    try:
        mint = TokenMint(stack.key_file, stack.public_url)
        ledger = Ledger()
        players = [
            ChaosPlayer(f"c{i}", mint.mint(f"c{i}")[1], stack.public_ws, ledger)
            for i in range(args.players)
        ]
        fault = FAULTS[name]
        if not fault.admin:
            return await run_fault(
                fault, Target(_pids(stack.data_dir), stack.run_id), players, ledger, phases
            )
        # An admin beside the load, in a ledger of its own: not one of the tallied players.
        admin = ChaosPlayer("admin", mint.mint("admin", role="admin")[1], stack.public_ws, Ledger())
        await admin.start()
        try:
            target = Target(_pids(stack.data_dir), stack.run_id, admin=admin_command(admin))
            return await run_fault(fault, target, players, ledger, phases)
        finally:
            await admin.stop()
    finally:
        stack.stop()


def admin_command(admin: ChaosPlayer) -> AdminCommand:
    async def run(words: list[str]) -> tuple[bool, str]:
        command = await admin.run(words[0], words[1:])
        return command.succeeded, command.result

    return run


def _pids(data_dir: Path) -> Callable[[str], int]:
    """A service's current pid, from the launcher's pid file (it changes on a restart)."""

    def pid(service: str) -> int:
        return int(json.loads((data_dir / "processes.json").read_text())[service])

    return pid


def commit() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()

    dirty = (
        " (with uncommitted changes)"
        if git("status", "--porcelain", "--untracked-files=no")
        else ""
    )
    return git("rev-parse", "--short", "HEAD") + dirty


async def main(args: argparse.Namespace) -> int:
    raise_fd_limit()
    measured_at = commit()  # what is measured is the code as the run starts
    phases = Phases(args.warmup, args.observe, args.drain, walk_every=args.walk_every)
    rows = []
    for name in args.faults.split(","):
        print(f"==> {name}: {FAULTS[name].what}", flush=True)
        rows.append(await one_fault(name, args, phases))
        print(console_line(rows[-1]), flush=True)
    print("\n".join(["", *table(rows)]))
    if not args.no_write:
        meta = Meta(
            date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            commit=measured_at,
            command=" ".join(["uv run python -m mythos_chaos", *map(shlex.quote, sys.argv[1:])]),
            setup=f"{args.players} players in rooms of {args.room_size}, {EDGES} edges, "
            f"{args.games} game shard(s) (each with a standby), one say a second each, "
            f"a quarter of them walking east every {args.walk_every} turns instead; per fault {args.warmup:.0f} s of load, the fault, "
            f"{args.observe:.0f} s of load, up to {args.drain:.0f} s for the last answers",
        )
        write_results(args.doc, rows, meta)
        print(f"wrote {args.doc}")
    return 1 if any(row.misses() for row in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
