"""Writes the results: JSON, a markdown table and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mythos_bench import generator_gc
from mythos_bench.plots import plot_soak, plot_steps
from mythos_bench.report_profiled import profiled_sections
from mythos_bench.report_table import table as _table
from mythos_bench.servers import EPMD_MONITOR_NOTE


def write_all(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "results.json", out / "results.md"]
    files[0].write_text(json.dumps(results, indent=2) + "\n")
    files[1].write_text(markdown(results))
    if results["steps"]:
        files.append(out / "latency_cpu.png")
        plot_steps(results["steps"], files[-1])
    if results.get("soak"):
        files.append(out / "soak.png")
        plot_soak(results["soak"], files[-1])
    return files


def _cores(steps: list[dict[str, Any]]) -> list[str]:
    """Each step's two cores as the kernel counts them (``cores``), beside the stack's
    own share of the server core."""
    counted = [s for s in steps if "cores" in s]  # runs before 2026-12-07: not counted
    if not counted:
        return []
    rows = [
        [
            f"{s['rate']:.0f}",
            f"{s['cores']['server_busy_percent']:.1f} %",
            f"{s['server_core_percent']:.1f} %",
            f"{s['cores']['generator_busy_percent']:.1f} %",
        ]
        for s in counted
    ]
    return [
        "",
        "## The cores, as the kernel counts them",
        "",
        "Busy time from /proc/stat: whatever ran on the core (the stack, interrupts, "
        "kernel threads, any other process placed there), beside the stack's own "
        "processes' share of the server core (timed by the scheduler: the kernel's "
        "counters go by whole 10-ms ticks, so the two may differ by a point or two; a "
        "larger gap is core time the stack did not get). The generator's core near its "
        "limit would delay what it measures.",
        "",
        *_table(["cmd/s", "server core busy", "of it, the stack", "generator core busy"], rows),
    ]


def _tail(steps: list[dict[str, Any]]) -> list[str]:
    """Where each step's lines over the target's 50 ms fell: a few stalls (each a second
    or two of slow lines) or a tail spread over the step."""
    timed = [s for s in steps if s.get("tail")]
    if not timed:
        return []
    rows = []
    for s in timed:
        tail = s["tail"]
        worst = "; ".join(
            f"{w['second']} s: {w['slowest_ms']:.0f} ms, {w['lines_over']}"
            for w in tail["worst_seconds"]
        )
        share = 100 * tail["lines_over"] / max(s["sent"], 1)
        rows.append(
            [
                f"{s['rate']:.0f}",
                f"{tail['lines_over']} ({share:.1f} %)",
                f"{tail['seconds_with_any']} of {tail['seconds']}",
                worst or "-",
            ]
        )
    over = f"{timed[0]['tail']['over_ms']:.0f} ms"
    return [
        "",
        f"## Where the tail falls: lines over {over}",
        "",
        f"The lines whose fan-out took over {over}, the whole seconds of the step they were "
        "said in, and the slowest seconds (seconds into the step: slowest line, lines over): "
        "a few stalls, or a tail spread over the step.",
        "",
        *_table(["cmd/s", "lines over", "seconds with any", "slowest seconds"], rows),
    ]


def _throughput(steps: list[dict[str, Any]]) -> list[str]:
    rows = []
    for s in steps:
        f, r = s["fanout_ms"], s["recipient_ms"]
        rows.append(
            [
                f"{s['rate']:.0f}",
                f"{s['achieved_rate']:.0f}",
                f"{s['server_core_percent']:.0f} %" + (" **capped**" if s["capped"] else ""),
                str(s["deliveries"]),
                str(s["missing"]) + (" (late)" if s["capped"] and s["missing"] else ""),
                str(s["gaps"]),
                str(s["duplicates"]),
                f"{f['p50']:.1f} / {f['p90']:.1f} / {f['p99']:.1f}",
                f"{r['p50']:.1f} / {r['p99']:.1f}",
                f"{s['cpu_ms_per_say']:.2f}",
            ]
        )
    header = [
        "target cmd/s",
        "achieved",
        "server core",
        "deliveries",
        "missing",
        "gaps",
        "dups",
        "fan-out p50 / p90 / p99 ms",
        "recipient p50 / p99 ms",
        "server CPU ms per say",
    ]
    return _table(header, rows)


def _by_component(steps: list[dict[str, Any]], key: str, fmt: str) -> list[str]:
    names = sorted(steps[0]["components"])
    rows = [
        [f"{s['rate']:.0f}", *(format(s["components"][n][key], fmt) for n in names)] for s in steps
    ]
    return _table(["cmd/s", *names], rows)


def _broker(steps: list[dict[str, Any]]) -> list[str]:
    """Each service's broker messages per say by exchange or queue (runs before
    2026-12-07 counted only the sums)."""
    keys = sorted({k for s in steps for k in s.get("broker_per_say", {}) if " " in k})
    if not keys:
        return []
    rows = [
        [k, *(f"{s['broker_per_say'].get(k, 0.0):.3f}" for s in steps)]
        for k in keys
        if any(s["broker_per_say"].get(k, 0.0) >= 0.0005 for s in steps)
    ]
    return [
        "",
        "## Broker messages per say, by service",
        "",
        'Counted by the services (``mythos_bus_published_total`` by exchange, ``""`` the '
        "default one: the journal and replies; ``mythos_bus_delivered_total`` by queue), "
        "heartbeats and saves in the step included.",
        "",
        *_table(["service, kind, exchange or queue", *(f"{s['rate']:.0f}" for s in steps)], rows),
    ]


def _gc(steps: list[dict[str, Any]]) -> list[str]:
    names = sorted(steps[0]["gc"])
    rows = []
    for s in steps:
        cells = [
            f"{g['collections']} / {g['over_20ms']} / {g['longest']}"
            for g in (s["gc"][n] for n in names)
        ]
        rows.append([f"{s['rate']:.0f}", *cells])
    return _table(["cmd/s", *names], rows)


def _soak(soak: dict[str, Any]) -> list[str]:
    names = sorted(soak["minutes"][0]["rss_mb"])
    rows = []
    for minute, m in enumerate(soak["minutes"], start=1):
        f = m["fanout_ms"]
        rows.append(
            [
                str(minute),
                f"{m['achieved_rate']:.0f}",
                str(m["missing"]),
                f"{f['p50']:.1f} / {f['p99']:.1f}",
                *(f"{m['rss_mb'][n]:.0f}" for n in names),
            ]
        )
    lines = _table(["minute", "cmd/s", "missing", "fan-out p50 / p99 ms", *names], rows)
    growth = soak["rss_growth_percent_minute_2_to_10"]
    if growth:
        lines += [
            "",
            "RSS growth from minute 2 to minute 10: "
            + ", ".join(f"{n} {growth[n]:+.1f} %" for n in sorted(growth)),
        ]
    shared_once = soak.get("pss_growth_percent_minute_2_to_10")  # runs before 2026-12-06 lack it
    if shared_once:
        lines += [
            "",
            "PSS growth from minute 2 to minute 10 (memory the processes of a component "
            "share counted once, where summed RSS counts it once per process that touched "
            "it: PostgreSQL's shared buffers): "
            + ", ".join(f"{n} {shared_once[n]:+.1f} %" for n in sorted(shared_once)),
        ]
    checkpoint = soak.get("checkpoint_before")  # runs before 2026-12-07 made none
    if checkpoint:
        lines += [
            "",
            f"PostgreSQL checkpointed before minute 1 ({checkpoint['buffers_written']} "
            f"buffers written in {checkpoint['seconds']:.1f} s): what the setup dirtied is "
            "not written by the first timed checkpoint in the middle of the soak.",
        ]
    lines += ["", f"Gaps {soak['gaps']}, duplicates {soak['duplicates']}."]
    return lines + _soak_usage(soak["minutes"])


def _soak_usage(minutes: list[dict[str, Any]]) -> list[str]:
    """Each minute's CPU per say and longest GC pause per process (runs before these
    were recorded have neither)."""
    if "cpu_ms_per_say" not in minutes[0]:
        return []
    names = sorted(minutes[0]["cpu_ms_per_say"])
    cpu = [
        [
            str(minute),
            f"{m['server_core_percent']:.0f} %",
            *(f"{m['cpu_ms_per_say'][n]:.3f}" for n in names),
        ]
        for minute, m in enumerate(minutes, start=1)
    ]
    collected = sorted(minutes[0]["gc"])
    gc = [
        [
            str(minute),
            *(f"{m['gc'][n]['collections']} / {m['gc'][n]['longest']}" for n in collected),
        ]
        for minute, m in enumerate(minutes, start=1)
    ]
    return [
        "",
        "CPU per say by minute (ms), and the server core's load:",
        "",
        *_table(["minute", "server core", *names], cpu),
        "",
        "Garbage collections by minute: count / longest:",
        "",
        *_table(["minute", *collected], gc),
    ]


def _idle(rows: list[dict[str, Any]]) -> list[list[str]]:
    """One row per count held, then the RSS after all closed, with how far above the
    baseline (after the warm-up's connections; runs before 2026-12-06: no connection
    yet) it still is."""
    table = []
    for row in rows:
        if row.get("cold"):
            table.append(["none yet (before the warm-up)", f"{row['rss_kb'] / 1024:.1f}", "-"])
        elif row.get("closed"):
            when = (
                f" {row['seconds_after_close']:.0f} s ago" if "seconds_after_close" in row else ""
            )
            above, cold = row.get("above_baseline_kb"), row.get("above_cold_kb")
            against = ""
            if above is not None:
                also = "" if cold is None else f", {cold / 1024:+.1f} MB against the cold RSS"
                against = f" ({above / 1024:+.1f} MB against the baseline{also})"
            table.append([f"all closed{when}", f"{row['rss_kb'] / 1024:.1f}{against}", "-"])
        else:
            per = f"{row['kb_per_connection']:.1f}" if row["connections"] else "-"
            table.append([str(row["connections"]), f"{row['rss_kb'] / 1024:.1f}", per])
    return table


def _machine(meta: dict[str, Any]) -> list[str]:
    """The machine's speed that day and each scenario's own servers (runs before
    2026-12-06 have neither)."""
    lines = []
    if "reference_loop_ms" in meta:
        lines += [
            "",
            f"Reference loop: {meta['reference_loop_ms']:.1f} ms on CPU {meta['server_cpus']} "
            f"({meta['reference_loop']}; load average {meta['load_average_at_start']:.2f} "
            "at the start): a higher figure is a slower core, not slower code. It is CPU "
            "time, so a busy machine barely moves it: the load average and each "
            "component's share of runnable time on the core tell that.",
        ]
    if any(
        s["rabbitmq"].get("epmd_monitor") == "stopped" for s in meta.get("servers", {}).values()
    ):
        lines += ["", f"The epmd monitor: {EPMD_MONITOR_NOTE}."]
    for scenario, s in meta.get("servers", {}).items():
        broker, database = s["rabbitmq"], s["postgresql"]
        lines += [
            "",
            f"Servers of the {scenario} stack, its own: RabbitMQ {broker['version']} "
            f"({broker['schedulers_online']} scheduler(s) online, "
            f"{broker['dirty_cpu_schedulers_online']} dirty CPU; up in "
            f"{broker['startup_seconds']:.1f} s; "
            + ", ".join(f"{k} = {v}" for k, v in broker["config"].items())
            + f"; epmd monitor {broker.get('epmd_monitor', 'kept')}"
            + f"), PostgreSQL {database['version']} (initdb {database['initdb_seconds']:.1f} s, "
            f"then up in {database['startup_seconds']:.1f} s).",
        ]
    return lines


def _scheduling(meta: dict[str, Any]) -> list[str]:
    """The kernel policy the stack ran under, as asked and as read back (runs before
    2026-12-07 10:00 UTC: the kernel's default, unrecorded)."""
    if "scheduling" not in meta:
        return []
    asked = {
        "batch": "SCHED_BATCH (`chrt --batch 0`, --scheduling batch): a waking process "
        "never preempts the running one, it waits until that one blocks",
        "normal": "the kernel's default, SCHED_OTHER (--scheduling normal)",
    }[meta["scheduling"]]
    seen = sorted(
        {
            f"{name} {policy}"
            for s in meta["servers"].values()
            for name, policy in s.get("scheduling", {}).items()
        }
    )
    return [
        "",
        f"Every process of the stack started under {asked}; read back from the kernel "
        f"once up: {', '.join(seen) or 'not read'}. The generator ran under the default.",
    ]


def markdown(results: dict[str, Any]) -> str:
    meta, steps = results["meta"], results["steps"]
    lines = [
        f"# Benchmark results ({meta['date']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"{meta['players']} players in rooms of {meta['room_size']}, {meta['edges']} edge(s) "
        f"behind {meta.get('front_door', 'caddy')}; "
        f"server processes on CPU {meta['server_cpus']}"
        + (" (the stack started pinned)" if meta["server_cpus"] != "all" else "")
        + f", generator on CPU {meta['generator_cpus']}. A step whose server core was over 85 % busy is "
        "**capped**: its latencies measure queueing and its late lines are not losses.",
        *_scheduling(meta),
        *generator_gc.described(meta),
        *_machine(meta),
        "",
        "## Throughput",
        "",
        *_throughput(steps),
    ]
    lines += _cores(steps)
    lines += _tail(steps)
    if steps:
        lines += ["", "## CPU per say, by component (ms)", ""]
        lines += _by_component(steps, "cpu_ms_per_say", ".3f")
        if all("kernel_share" in c for c in steps[0]["components"].values()):
            lines += ["", "## Share of that CPU spent in the kernel, by component", ""]
            lines += [
                "System time over user plus system time: system calls, the loopback "
                "network's sending and receiving, page faults. The rest is the "
                "component's own code (Python, the BEAM, nginx, PostgreSQL).",
                "",
            ]
            lines += _by_component(steps, "kernel_share", ".2f")
        lines += ["", "## Involuntary context switches per say (preempted), by component", ""]
        lines += _by_component(steps, "involuntary_switches_per_say", ".2f")
        lines += ["", "## Share of runnable time on the core, by component", ""]
        lines += [
            "1.00: never waited for the core. A sampling profiler that counts runnable "
            "threads (py-spy) overstates a component's work by 1 / this share.",
            "",
        ]
        lines += _by_component(steps, "on_cpu_share", ".2f")
        lines += ["", "## RSS at the end of each step (MB)", ""]
        lines += _by_component(steps, "rss_mb", ".0f")
        lines += ["", "## Garbage collections: count / over 20 ms / longest", ""]
        lines += _gc(steps)
        lines += _broker(steps)
    if results.get("profiled"):
        lines += profiled_sections(results["profiled"], steps)
    if results.get("stopped_because"):
        lines += ["", f"Stopped: {results['stopped_because']}"]
    if results.get("soak"):
        lines += [
            "",
            f"## Soak at {results['soak']['rate']:.0f} cmd/s",
            "",
            *_soak(results["soak"]),
        ]
    if results["idle"]:
        lines += ["", "## Idle connections on one edge", ""]
        lines += _table(["connections", "edge RSS MB", "KB per connection"], _idle(results["idle"]))
    return "\n".join(lines) + "\n"
