"""The in-process micro-benchmarks run to the end and report their figures."""

from __future__ import annotations

import re
import subprocess
import sys


def run_bench(module: str, *args: str) -> str:
    """``python -m mythos_bench.<module> <args>``'s output; it must exit cleanly."""
    done = subprocess.run(
        [sys.executable, "-m", f"mythos_bench.{module}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_game_say_bench_prints_the_cpu_per_say() -> None:
    out = run_bench(
        "game_say", "--says", "40", "--rooms", "2", "--room-size", "3", "--repeats", "2"
    )
    assert "6 players joined in 2 rooms" in out
    figure = re.search(r"best ([\d.]+) µs, runs ([\d.]+), ([\d.]+)$", out.strip())
    assert figure is not None, out
    assert float(figure.group(1)) > 0


def test_the_edge_delivery_bench_prints_the_cpu_per_delivery_and_per_command() -> None:
    out = run_bench("edge_delivery", "--deliveries", "300", "--listeners", "4", "--repeats", "2")
    assert re.search(r"\(5 frames\): [\d.]+ µs of CPU per delivery", out), out
    assert re.search(r"edge command: .*: [\d.]+ µs of CPU per frame", out), out
    for what in ("say frame", "ping"):
        assert re.search(
            rf"edge read: 1 {what} off the socket: through the parser [\d.]+ µs, "
            r"read whole [\d.]+ µs",
            out,
        ), out


def test_the_log_line_bench_prints_the_cpu_per_line() -> None:
    out = run_bench("log_line", "--lines", "200", "--per-turn", "10", "--repeats", "2")
    figure = re.search(r"10 per loop turn, to pipe: (-?[\d.]+) µs CPU per line", out)
    assert figure is not None, out


def test_the_history_memory_bench_prints_a_curve_and_its_growth() -> None:
    out = run_bench("history_memory", "--players", "50", "--rate", "20", "--minutes", "3")
    assert len(re.findall(r"minute \d: RSS [\d.]+ MB", out)) == 3, out
    assert re.search(r"minute 2 -> 3: [+-][\d.]+ % RSS", out), out


def test_the_game_tick_bench_prints_the_cpu_per_tick_and_each_system() -> None:
    out = run_bench("game_tick", "--players", "50", "--ticks", "20", "--repeats", "2")
    figure = re.search(r"^50 players, nothing happening: best ([\d.]+) ms of CPU per tick", out)
    assert figure is not None, out
    assert float(figure.group(1)) > 0
    assert re.search(r"^  regeneration: [\d.]+ ms$", out, re.MULTILINE), out
    assert re.search(r"^  hallucinations: [\d.]+ ms$", out, re.MULTILINE), out


def test_the_heartbeat_read_bench_prints_both_readings() -> None:
    out = run_bench("heartbeat_read", "--connections", "100", "--reads", "3", "--repeats", "2")
    assert "a heartbeat of 100 connections" in out, out
    fast = re.search(r"msgspec \(read_edge_heartbeat\): [\d.]+ ms CPU, (\d+) tracked", out)
    model = re.search(r"model \(GAME_INPUT\): [\d.]+ ms CPU, (\d+) tracked", out)
    assert fast is not None and model is not None, out
    # The model's reading leaves a tracked object or two per connection; msgspec's none.
    assert int(fast.group(1)) < 10 <= 100 <= int(model.group(1))
