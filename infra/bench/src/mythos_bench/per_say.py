"""What one ``say`` costs on the distributed stack, counted rather than sampled: the
broker messages (publishes and deliveries, from the services' own bus metrics) and
the game's, the edge's and the broker's CPU, over a step whose every line is drained.

    uv run python -m mythos_bench.per_say [--players 100] [--rate 50] [--seconds 20]

Players sit in rooms of 10 (the bench world); nothing is pinned. Heartbeats that fall
in the step count too (a few per thousand says). The broker's CPU is that of every
``beam.smp`` on the machine: other users of the same broker count in it.
"""

from __future__ import annotations

import argparse
import asyncio
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from mythos_bench.load import run_step
from mythos_bench.processes import sample_groups, server_processes
from mythos_bench.scenarios import players_in_rooms
from mythos_bench.service_metrics import metrics_urls
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

REPO = Path(__file__).resolve().parents[4]
COUNTED = ("mythos_bus_published_total", "mythos_bus_delivered_total")

Counts = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def bus_counts(url: str) -> Counts:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    out: Counts = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in COUNTED:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                out[key] = out.get(key, 0.0) + sample.value
    return out


async def measure(args: argparse.Namespace) -> None:
    stack = Stack(REPO, edges=1, rooms=max(1, args.players // 10), cpus=None)
    stack.start()
    try:
        mint = TokenMint(stack.key_file, stack.public_url)
        players, ledger, occupancy = await players_in_rooms(stack, args.players, mint, "m")
        groups = server_processes(stack.data_dir)
        urls = {name: metrics_urls(stack.internal_base, 1)[name][0] for name in ("game", "edge")}
        await run_step(players, ledger, occupancy, 20, 3, 30, "w")  # warm up
        before = sample_groups(groups)
        counts_before = {name: bus_counts(url) for name, url in urls.items()}
        result = await run_step(players, ledger, occupancy, args.rate, args.seconds, 120, "s")
        after = sample_groups(groups)
        counts_after = {name: bus_counts(url) for name, url in urls.items()}
        says = max(result.sent, 1)
        print(
            f"says {result.sent}, deliveries {result.deliveries}/{result.deliveries_expected}, "
            f"gaps {sum(p.gaps for p in players)}, duplicates {sum(p.duplicates for p in players)}"
        )
        for name in urls:
            for key in sorted(set(counts_after[name]) | set(counts_before[name])):
                moved = counts_after[name].get(key, 0.0) - counts_before[name].get(key, 0.0)
                if moved:
                    labels = ",".join(f"{k}={v}" for k, v in key[1])
                    print(f"  {name} {key[0]}{{{labels}}}: {moved:.0f} = {moved / says:.3f}/say")
        for name in ("game", "edge", "rabbitmq"):
            cpu = (after[name] - before[name]).cpu_seconds
            print(f"  {name} CPU {cpu * 1000 / says:.3f} ms/say")
        await asyncio.gather(*(p.close() for p in players))
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="mythos_bench.per_say", description=__doc__)
    parser.add_argument("--players", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
