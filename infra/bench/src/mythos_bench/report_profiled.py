"""results.md's sections from the profiled repeat: what py-spy cost, what ran on the
server core (perf), the broker's disk flushes, the edge's and the game's Python on the
CPU."""

from __future__ import annotations

from typing import Any

from mythos_bench.oncpu import KINDS
from mythos_bench.report_table import table as _table

SHOWN_FUNCTIONS = 25


def profiled_sections(profiled: dict[str, Any], steps: list[dict[str, Any]]) -> list[str]:
    """What py-spy cost: the profiled repeat against the measured step at its rate."""
    measured = next((s for s in steps if s["rate"] == profiled["rate"]), None)
    against = "" if measured is None else f" against {measured['cpu_ms_per_say']:.2f} measured"
    return [
        "",
        f"The flame graphs (flame-edge.svg, flame-game.svg) come from a repeat of the "
        f"{profiled['rate']:.0f} cmd/s step with py-spy attached to the edge and the game, "
        f"not from a measured step: server CPU {profiled['cpu_ms_per_say']:.2f} ms per say"
        f"{against}; {profiled['missing']} missing, {profiled['gaps']} gaps, "
        f"{profiled['duplicates']} duplicates.",
        *_on_core(profiled.get("oncpu"), profiled["rate"]),
        *_flushes(profiled.get("disk_flushes"), profiled["rate"]),
        *_python(profiled.get("python_oncpu"), profiled["rate"]),
    ]


def _share(fraction: float | None) -> str:
    return "-" if fraction is None else f"{fraction * 100:.1f} %"


def _python(profiles: dict[str, Any] | None, rate: float) -> list[str]:
    """The edge's and the game's own on-CPU profiles of the repeat (``python_oncpu``)."""
    if profiles is None:  # a run before 2026-12-07's
        return []
    lines = [
        "",
        "## The edge's and the game's Python on the CPU (their own profiles)",
        "",
        f"Sampled by each process itself during the profiled repeat at {rate:.0f} cmd/s, "
        "once per tick of CPU it used (mythos_contracts.ops.cpu_profile: waiting for the "
        "core is never a sample; a C call counts to the Python code that follows it). "
        "The stacks are in oncpu-edge.folded and oncpu-game.folded. Each function's "
        "share of the samples: on the stack, and running itself.",
    ]
    for name, profile in profiles.items():
        if "unavailable" in profile:
            lines += ["", f"{name}: {profile['unavailable']}."]
            continue
        own = dict(profile["self"])
        rows = [
            [f"`{function}`", f"{share * 100:.1f} %", _share(own.get(function))]
            for function, share in profile["inclusive"]
            if share < 0.999  # not the frames under every sample (runpy, main, the loop)
        ][:SHOWN_FUNCTIONS]
        lines += [
            "",
            f"**{name}** ({profile['samples']} samples), by share on the stack (itself: "
            "- when not among its most frequent running functions):",
            "",
            *_table(["function (file)", "on the stack", "itself"], rows),
        ]
    return lines


def _flushes(flushes: dict[str, Any] | None, rate: float) -> list[str]:
    """The broker's disk flushes in the profiled repeat (``disk_flushes``)."""
    if flushes is None:  # a run before 2026-12-07's
        return []
    head = ["", "## The broker's disk flushes (perf trace)", ""]
    if "unavailable" in flushes:
        return [*head, f"Not traced: {flushes['unavailable']}."]
    if not flushes["count"]:
        return [*head, f"No fdatasync or fsync during the repeat at {rate:.0f} cmd/s."]
    return [
        *head,
        f"During the profiled repeat at {rate:.0f} cmd/s the broker flushed to disk "
        f"(fdatasync, fsync) {flushes['per_second']:.0f} times a second: median "
        f"{flushes['p50_ms']:.2f} ms, p99 {flushes['p99_ms']:.2f} ms, longest "
        f"{flushes['longest_ms']:.1f} ms, {flushes['over_20ms']} over 20 ms; flushing "
        f"{flushes['busy_share'] * 100:.0f} % of the time. A command is handed to the game "
        "once its quorum queue's write-ahead log is flushed: every command waits for "
        "one, and a slow one holds those behind it.",
    ]


def _on_core(oncpu: dict[str, Any] | None, rate: float) -> list[str]:
    """The profiled repeat's perf samples of the server core (``oncpu``), by component."""
    if oncpu is None:  # a run before 2026-12-07's
        return []
    head = ["", "## On the server core, by component and code (perf)", ""]
    if "unavailable" in oncpu:
        return [*head, f"Not sampled: {oncpu['unavailable']}."]
    rows = sorted(oncpu["components"].items(), key=lambda item: -item[1]["share"])
    return [
        *head,
        f"What ran on the server core during the profiled repeat at {rate:.0f} cmd/s "
        f"({oncpu['samples']} samples of the core, about 1,000 a second): each "
        "component's share of the core's time, and how that share split between the "
        "kernel, its own program (CPython's interpreter, the BEAM and its JIT code, "
        "nginx, PostgreSQL) and the libraries and extension modules it calls. Unlike "
        "the flame graphs, a process waiting for the core is not counted.",
        "",
        *_table(
            ["component", "share of the core", *KINDS],
            [
                [name, f"{row['share'] * 100:.1f} %", *(f"{row[k]:.2f}" for k in KINDS)]
                for name, row in rows
            ],
        ),
    ]
