"""The scenarios of a run: throughput steps, a soak at one rate, idle connections."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from mythos_bench import cores, disk_flushes, generator_gc, oncpu, python_oncpu
from mythos_bench.load import BenchPlayer, Ledger, account, run_step, send_at_rate, wait_delivered
from mythos_bench.processes import (
    Sample,
    alive_in_both,
    pss_groups,
    sample,
    sample_groups,
    sample_pids,
    server_processes,
    start_profiles,
)
from mythos_bench.service_metrics import bus_messages, metrics_urls, pauses, scrape
from mythos_bench.stack import Stack
from mythos_bench.tokens import TokenMint

# Above this share of the server core a step measures queueing, not the pipeline: its
# latency is censored and late deliveries are not losses. Such a step is marked capped.
CAPPED_PERCENT = 85.0
DRAIN_SECONDS = 5.0


async def connect_all(players: list[BenchPlayer], url: str, batch: int = 200) -> None:
    for i in range(0, len(players), batch):
        group = players[i : i + batch]
        await asyncio.gather(*(p.connect(url) for p in group))
        await asyncio.wait_for(asyncio.gather(*(p.ready.wait() for p in group)), 120)


def per_component(
    before: dict[str, Sample], after: dict[str, Sample], sent: int, seconds: float
) -> dict[str, dict[str, float]]:
    """Each component's CPU (ms per say, % of a core, the share of it spent in the
    kernel), context switches per say and the share of its runnable time it was on the
    core (the rest: waiting for it)."""
    rows: dict[str, dict[str, float]] = {}
    says = max(sent, 1)
    for name in after:
        d = after[name] - before[name]
        runnable = d.run_seconds + d.wait_seconds
        rows[name] = {
            "cpu_ms_per_say": d.cpu_seconds * 1000 / says,
            "cpu_percent": d.cpu_seconds * 100 / seconds,
            "kernel_share": d.system_seconds / d.cpu_seconds if d.cpu_seconds > 0 else 0.0,
            "voluntary_switches_per_say": d.voluntary_switches / says,
            "involuntary_switches_per_say": d.involuntary_switches / says,
            "run_queue_wait_ms_per_say": d.wait_seconds * 1000 / says,
            "on_cpu_share": d.run_seconds / runnable if runnable else 1.0,
            "rss_mb": after[name].rss_kb / 1024,
        }
    return rows


async def players_in_rooms(
    stack: Stack, count: int, mint: TokenMint, prefix: str
) -> tuple[list[BenchPlayer], Ledger, dict[str, int]]:
    ledger = Ledger()
    players = [
        BenchPlayer(f"{prefix}{i}", mint.mint(f"{prefix}{i}")[1], ledger) for i in range(count)
    ]
    print(f"connecting {len(players)} players through {stack.public_ws}", flush=True)
    await connect_all(players, stack.public_ws)
    occupancy: dict[str, int] = {}
    for p in players:
        occupancy[p.room] = occupancy.get(p.room, 0) + 1
    return players, ledger, occupancy


async def measure_step(
    stack: Stack,
    args: argparse.Namespace,
    room: tuple[list[BenchPlayer], Ledger, dict[str, int]],
    groups: dict[str, list[int]],
    rate: float,
    label: str,
    *,
    profile: bool = False,
) -> dict[str, Any]:
    """One step at ``rate``: its latency, losses and each component's CPU, switches and
    GC pauses; with ``profile``, py-spy records the edge and the game meanwhile, perf
    what ran on the server core (``oncpu``) and the broker's disk flushes
    (``disk_flushes``), and the edge and the game their own on-CPU profiles
    (``python_oncpu``)."""
    players, ledger, occupancy = room
    urls = metrics_urls(stack.internal_base, stack.edges)
    before, gc_before, t0 = sample_pids(groups), scrape(urls), time.perf_counter()
    bus_before = bus_messages(urls)
    core_before = cores.read(args.server_cpus), cores.read(args.generator_cpus)
    profilers = start_profiles(groups, args.out, args.step_seconds) if profile else []
    sampling = oncpu.start(args.server_cpus, args.step_seconds) if profile else None
    flushing = (
        disk_flushes.start(groups.get("rabbitmq", []), args.step_seconds) if profile else None
    )
    if profile:
        python_oncpu.toggle(groups)
    result = await run_step(
        players, ledger, occupancy, rate, args.step_seconds, DRAIN_SECONDS, label, args.generator_gc
    )
    python = await python_oncpu.collect(groups, stack.cpu_profiles, args.out) if profile else None
    for profiler in profilers:
        profiler.wait(timeout=60)
    on_core = None if sampling is None else oncpu.finish(sampling, groups)
    flushes = None if flushing is None else disk_flushes.finish(flushing)
    after, gc_after, elapsed = sample_pids(groups), scrape(urls), time.perf_counter() - t0
    server_core = cores.read(args.server_cpus) - core_before[0]
    generator_core = cores.read(args.generator_cpus) - core_before[1]
    bus_after = bus_messages(urls)
    components = per_component(*alive_in_both(before, after), result.sent, elapsed)
    busy = sum(row["cpu_percent"] for row in components.values())
    return {
        **{k: v for k, v in result.__dict__.items() if k != "generator_gc"},
        "gaps": sum(p.gaps for p in players),
        "duplicates": sum(p.duplicates for p in players),
        "server_core_percent": busy,
        "capped": busy > CAPPED_PERCENT,
        # As the kernel counts the cores: everything that ran there, the stack or not.
        "cores": {
            "server_busy_percent": cores.busy_percent(server_core),
            "generator_busy_percent": cores.busy_percent(generator_core),
        },
        "components": components,
        "cpu_ms_per_say": sum(row["cpu_ms_per_say"] for row in components.values()),
        "gc": {
            **{name: pauses(gc_before[name], gc_after[name]) for name in gc_after},
            "generator": result.generator_gc,
        },
        # Counted by the services; heartbeats and saves in the step count too.
        "broker_per_say": {
            kind: (count - bus_before.get(kind, 0.0)) / max(result.sent, 1)
            for kind, count in bus_after.items()
        },
        **({} if on_core is None else {"oncpu": on_core}),
        **({} if flushes is None else {"disk_flushes": flushes}),
        **({} if python is None else {"python_oncpu": python}),
    }


def between_steps(args: argparse.Namespace) -> None:
    """Nothing is timed here: the generator collects what its timed windows left
    (``generator_gc``), unless its collector ran all along (``--generator-gc on``)."""
    if args.generator_gc == "paused":
        generator_gc.collect()


async def throughput(stack: Stack, args: argparse.Namespace, mint: TokenMint) -> dict[str, Any]:
    """The steps in ``args.rates`` until one collapses. The flame graphs come from a
    repeat of the ``args.profile_rate`` step (``profiled``), never from a measured one:
    a profiler attached to a process costs CPU in it, and the steps' figures are the
    capacity model's inputs."""
    room = await players_in_rooms(stack, args.players, mint, "b")
    players, ledger, occupancy = room
    groups = server_processes(stack.data_dir)
    await run_step(players, ledger, occupancy, 50, args.warmup_seconds, 3, "w", args.generator_gc)
    between_steps(args)
    steps: list[dict[str, Any]] = []
    profiled: dict[str, Any] = {}
    stopped = ""
    for n, rate in enumerate(float(r) for r in args.rates.split(",")):
        step = await measure_step(stack, args, room, groups, rate, f"s{n}-")
        between_steps(args)
        steps.append(step)
        f = step["fanout_ms"]
        print(
            f"{rate:6.0f} cmd/s: achieved {step['achieved_rate']:6.0f}, fan-out p50 "
            f"{f['p50']:.1f} p99 {f['p99']:.1f} ms, missing {step['missing']}/"
            f"{step['deliveries_expected']}, gaps {step['gaps']} dups {step['duplicates']}, "
            f"CPU/say {step['cpu_ms_per_say']:.2f} ms, server core "
            f"{step['server_core_percent']:.0f} %{' (capped)' if step['capped'] else ''}, "
            f"game GC {step['gc']['game']['longest']}, generator GC "
            f"{step['gc']['generator']['longest']} ({step['gc']['generator']['full']} full)",
            flush=True,
        )
        if rate == args.profile_rate:
            repeat = await measure_step(stack, args, room, groups, rate, f"p{n}-", profile=True)
            between_steps(args)
            profiled = {
                "rate": rate,
                "cpu_ms_per_say": repeat["cpu_ms_per_say"],
                "components": {k: v["cpu_ms_per_say"] for k, v in repeat["components"].items()},
                "missing": repeat["missing"],
                "gaps": repeat["gaps"],
                "duplicates": repeat["duplicates"],
                "oncpu": repeat["oncpu"],
                "disk_flushes": repeat["disk_flushes"],
                "python_oncpu": repeat["python_oncpu"],
            }
            print(
                f"{rate:6.0f} cmd/s again with py-spy on the edge and the game, perf on "
                f"the server core: CPU/say "
                f"{repeat['cpu_ms_per_say']:.2f} ms (not a measured step)",
                flush=True,
            )
        if f["p99"] > 500 or step["missing"] > 0.01 * max(step["deliveries_expected"], 1):
            stopped = f"fan-out p99 {f['p99']:.0f} ms, {step['missing']} late at {rate:.0f} cmd/s"
            break
    await asyncio.gather(*(p.close() for p in players))
    return {
        "steps": steps,
        "profiled": profiled,
        "stopped_because": stopped,
        "unknown_deliveries": ledger.unknown,
    }


async def soak(stack: Stack, args: argparse.Namespace, mint: TokenMint) -> dict[str, Any]:
    """``args.players`` at ``args.soak_rate`` for ``args.soak_minutes`` without a pause:
    fan-out latency by the minute a line was said, and each process's RSS, CPU per say
    and longest GC pause each minute (what changes when the tail does)."""
    players, ledger, occupancy = await players_in_rooms(stack, args.players, mint, "k")
    # A fresh cluster's first timed checkpoint (5 minutes after start) mapped the pages
    # the setup dirtied into its checkpointer mid-soak: +18-19 % of PostgreSQL's RSS by
    # minute 8 in every run, flat from minute 2 when checkpointed first (2026-12-07).
    checkpoint = (
        await asyncio.to_thread(stack.servers.checkpoint) if stack.servers is not None else None
    )
    groups = server_processes(stack.data_dir)
    urls = metrics_urls(stack.internal_base, stack.edges)
    minutes: list[tuple[list[str], float]] = []
    rss: list[dict[str, float]] = []
    pss: list[dict[str, float]] = []
    usage: list[dict[str, Any]] = []
    between_steps(args)
    # The minutes follow each other without a pause: one timed window for them all.
    with generator_gc.timing(args.generator_gc) as generator:
        for minute in range(args.soak_minutes):
            before, gc_before, t0 = sample_pids(groups), scrape(urls), time.perf_counter()
            mark = len(generator)
            tokens, seconds = await send_at_rate(
                players, ledger, occupancy, args.soak_rate, args.soak_minute_seconds, f"m{minute}-"
            )
            minutes.append((tokens, seconds))
            after, gc_after, elapsed = sample_pids(groups), scrape(urls), time.perf_counter() - t0
            rss.append({name: s.rss_kb / 1024 for name, s in sample_groups(groups).items()})
            pss.append(pss_groups(groups))
            components = per_component(*alive_in_both(before, after), len(tokens), elapsed)
            usage.append(
                {
                    "cpu_ms_per_say": {n: row["cpu_ms_per_say"] for n, row in components.items()},
                    "server_core_percent": sum(row["cpu_percent"] for row in components.values()),
                    "gc": {
                        **{n: pauses(gc_before[n], gc_after[n]) for n in gc_after},
                        "generator": generator.since(mark),
                    },
                }
            )
            print(
                f"soak minute {minute + 1}/{args.soak_minutes}: server core "
                f"{usage[-1]['server_core_percent']:.0f} %",
                flush=True,
            )
        await wait_delivered(ledger, [t for tokens, _ in minutes for t in tokens], DRAIN_SECONDS)
    rows = []
    for (tokens, seconds), memory, shared_once, used in zip(minutes, rss, pss, usage, strict=True):
        result = account(ledger, tokens, args.soak_rate, seconds)
        counted = {k: v for k, v in result.__dict__.items() if k != "generator_gc"}
        rows.append({**counted, "rss_mb": memory, "pss_mb": shared_once, **used})
    await asyncio.gather(*(p.close() for p in players))
    return {
        "rate": args.soak_rate,
        "minute_seconds": args.soak_minute_seconds,
        "minutes": rows,
        "rss_growth_percent_minute_2_to_10": growth_minute_2_to_10(rss),
        "pss_growth_percent_minute_2_to_10": growth_minute_2_to_10(pss),
        "gaps": sum(p.gaps for p in players),
        "duplicates": sum(p.duplicates for p in players),
        "checkpoint_before": checkpoint,
    }


def growth_minute_2_to_10(sizes: list[dict[str, float]]) -> dict[str, float]:
    """Each component's growth in % from the end of minute 2 to the end of minute 10
    (none before ten minutes; a component missing from either reading is left out)."""
    if len(sizes) < 10:
        return {}
    first, last = sizes[1], sizes[9]
    return {
        name: (last[name] - first[name]) * 100 / first[name]
        for name in first
        if name in last and first[name]
    }


# After the last idle connection closes, the edge's RSS is read at these seconds: their
# sessions take a while to end (each tells the game and unbinds its player's key on the
# broker), and the edge gives their memory back to the system only once the drop has
# settled (EDGE_MEMORY_TRIM_AFTER_CLOSES, EDGE_MEMORY_TRIM_DELAY_SECONDS: 10 s).
AFTER_CLOSE_SECONDS = (3.0, 60.0, 120.0, 180.0)

# Connections opened and closed before the baseline is read: an edge's first connections
# load code and fill caches once (about 12 MB at 200 connections, all still there after
# they close and again after the next 200: `mythos_bench.idle_rounds`), which is not
# memory a connection holds. The RSS before them is reported too.
WARM_UP_CONNECTIONS = 100


async def idle(stack: Stack, args: argparse.Namespace, mint: TokenMint) -> list[dict[str, Any]]:
    """Hold each count of idle connections on one edge and read its RSS; then close them
    all and read it again against the baseline: the RSS after ``WARM_UP_CONNECTIONS``
    opened and closed (and against the RSS before any connection, reported too)."""
    counts = [int(c) for c in args.idle.split(",") if c.strip()]
    edge_pid = server_processes(stack.data_dir)["edge"][0]
    rows: list[dict[str, Any]] = []
    held: list[BenchPlayer] = []
    ledger = Ledger()
    await asyncio.sleep(3)
    cold_kb = sample(edge_pid).rss_kb
    print(f"idle: before any connection, edge RSS {cold_kb / 1024:.1f} MB", flush=True)
    rows.append({"connections": 0, "rss_kb": cold_kb, "kb_per_connection": 0.0, "cold": True})
    warm = [BenchPlayer(f"w{i}", "", ledger) for i in range(WARM_UP_CONNECTIONS)]
    for p in warm:
        p.token = mint.mint(p.name)[1]
    await connect_all(warm, stack.edge_ws, batch=250)
    await asyncio.gather(*(p.close() for p in warm))
    await asyncio.sleep(5)
    base_kb = sample(edge_pid).rss_kb
    print(
        f"idle: baseline ({WARM_UP_CONNECTIONS} connections opened and closed), "
        f"edge RSS {base_kb / 1024:.1f} MB",
        flush=True,
    )
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
    waited = 0.0
    for seconds in AFTER_CLOSE_SECONDS:
        await asyncio.sleep(seconds - waited)
        waited = seconds
        after = sample(edge_pid).rss_kb
        rows.append(
            {
                "connections": 0,
                "rss_kb": after,
                "kb_per_connection": 0.0,
                "closed": True,
                "seconds_after_close": seconds,
                "above_baseline_kb": after - base_kb,
                "above_cold_kb": after - cold_kb,
            }
        )
        print(
            f"idle: all closed {seconds:.0f} s ago, edge RSS {after / 1024:.1f} MB "
            f"({(after - base_kb) / 1024:+.1f} MB against the baseline "
            f"{base_kb / 1024:.1f} MB, {(after - cold_kb) / 1024:+.1f} against the RSS before any "
            "connection)",
            flush=True,
        )
    return rows
