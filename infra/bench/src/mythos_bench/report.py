"""Writes the results: JSON, a markdown table and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_all(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "results.json", out / "results.md"]
    files[0].write_text(json.dumps(results, indent=2) + "\n")
    files[1].write_text(markdown(results))
    if results["steps"]:
        files.append(out / "latency_cpu.png")
        plot(results, files[-1])
    return files


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"# Benchmark results ({meta['date']})",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"{meta['players']} players in rooms of {meta['room_size']}, {meta['edges']} edge(s); "
        f"server processes pinned to CPU {meta['server_cpus']}, generator to CPU "
        f"{meta['generator_cpus']}.",
        "",
        "## Throughput",
        "",
        "| target cmd/s | achieved | deliveries | missing | gaps | dups | fan-out p50 / p90 / p99 ms"
        " | recipient p50 / p99 ms | server CPU ms per say |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for step in results["steps"]:
        f, r = step["fanout_ms"], step["recipient_ms"]
        lines.append(
            f"| {step['rate']:.0f} | {step['achieved_rate']:.0f} | {step['deliveries']} "
            f"| {step['missing']} | {step['gaps']} | {step['duplicates']} "
            f"| {f['p50']:.1f} / {f['p90']:.1f} / {f['p99']:.1f} "
            f"| {r['p50']:.1f} / {r['p99']:.1f} | {step['cpu_ms_per_say']['total']:.2f} |"
        )
    lines += ["", "## CPU per say, by component (ms)", ""]
    if results["steps"]:
        names = sorted(results["steps"][0]["cpu_ms_per_say"])
        lines.append("| cmd/s | " + " | ".join(names) + " |")
        lines.append("|---" * (len(names) + 1) + "|")
        for step in results["steps"]:
            cpu = step["cpu_ms_per_say"]
            lines.append(
                f"| {step['rate']:.0f} | " + " | ".join(f"{cpu[n]:.3f}" for n in names) + " |"
            )
        lines += ["", "## RSS at the end of each step (MB)", ""]
        names = sorted(results["steps"][0]["rss_mb"])
        lines.append("| cmd/s | " + " | ".join(names) + " |")
        lines.append("|---" * (len(names) + 1) + "|")
        for step in results["steps"]:
            rss = step["rss_mb"]
            lines.append(
                f"| {step['rate']:.0f} | " + " | ".join(f"{rss[n]:.0f}" for n in names) + " |"
            )
    if results.get("stopped_because"):
        lines += ["", f"Stopped: {results['stopped_because']}"]
    if results["idle"]:
        lines += [
            "",
            "## Idle connections on one edge",
            "",
            "| connections | edge RSS MB | KB per connection |",
            "|---|---|---|",
        ]
        for row in results["idle"]:
            per = f"{row['kb_per_connection']:.1f}" if row["connections"] else "-"
            lines.append(f"| {row['connections']} | {row['rss_kb'] / 1024:.1f} | {per} |")
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = results["steps"]
    rates = [s["achieved_rate"] for s in steps]
    fig, (lat, cpu) = plt.subplots(1, 2, figsize=(11, 4))
    for key in ("p50", "p90", "p99"):
        lat.plot(rates, [s["fanout_ms"][key] for s in steps], marker="o", label=f"fan-out {key}")
    lat.set_xlabel("say commands / s")
    lat.set_ylabel("ms")
    lat.set_title("Fan-out latency")
    lat.legend()
    names = sorted(steps[0]["cpu_percent"])
    for name in names:
        cpu.plot(rates, [s["cpu_percent"][name] for s in steps], marker="o", label=name)
    cpu.set_xlabel("say commands / s")
    cpu.set_ylabel("% of one core")
    cpu.set_title("Server CPU by component")
    cpu.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
