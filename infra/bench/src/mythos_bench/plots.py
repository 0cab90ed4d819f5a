"""PNG plots of a run (matplotlib, no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_steps(steps: list[dict[str, Any]], path: Path) -> None:
    """Fan-out latency (log scale: a capped step is orders of magnitude above) and
    each component's CPU, against the achieved rate."""
    plt = _pyplot()
    rates = [s["achieved_rate"] for s in steps]
    fig, (lat, cpu) = plt.subplots(1, 2, figsize=(11, 4))
    for key in ("p50", "p90", "p99"):
        lat.plot(rates, [s["fanout_ms"][key] for s in steps], marker="o", label=f"fan-out {key}")
    capped = [s["achieved_rate"] for s in steps if s["capped"]]
    if capped:
        lat.axvspan(min(capped), max(capped), color="grey", alpha=0.15, label="capped (> 85 %)")
    lat.axhline(50, color="red", linestyle="--", linewidth=0.8, label="50 ms")
    lat.set_yscale("log")
    lat.set_xlabel("say commands / s")
    lat.set_ylabel("ms (log scale)")
    lat.set_title("Fan-out latency")
    lat.legend(fontsize="small")
    for name in sorted(steps[0]["components"]):
        cpu.plot(
            rates, [s["components"][name]["cpu_percent"] for s in steps], marker="o", label=name
        )
    cpu.set_xlabel("say commands / s")
    cpu.set_ylabel("% of one core")
    cpu.set_title("Server CPU by component")
    cpu.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_soak(soak: dict[str, Any], path: Path) -> None:
    """p99 by minute, and each process's RSS curve."""
    plt = _pyplot()
    minutes = list(range(1, len(soak["minutes"]) + 1))
    fig, (lat, rss) = plt.subplots(1, 2, figsize=(11, 4))
    lat.plot(minutes, [m["fanout_ms"]["p99"] for m in soak["minutes"]], marker="o", label="p99")
    lat.plot(minutes, [m["fanout_ms"]["p50"] for m in soak["minutes"]], marker="o", label="p50")
    lat.axhline(50, color="red", linestyle="--", linewidth=0.8, label="50 ms")
    lat.set_xlabel("minute")
    lat.set_ylabel("fan-out ms")
    lat.set_title(f"Soak at {soak['rate']:.0f} cmd/s")
    lat.legend(fontsize="small")
    for name in sorted(soak["minutes"][0]["rss_mb"]):
        rss.plot(minutes, [m["rss_mb"][name] for m in soak["minutes"]], marker="o", label=name)
    rss.set_xlabel("minute")
    rss.set_ylabel("RSS MB")
    rss.set_title("RSS by process")
    rss.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
