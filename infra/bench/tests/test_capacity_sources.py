"""Where docs/capacity.md takes its figures from: the newest full run saved, the fastest
clean step for the low end, the journal's share from a run with it and one without, and
the front doors' comparison read from their results pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mythos_bench.capacity_inputs import fastest_clean_step, read
from mythos_bench.capacity_sources import (
    front_doors,
    journal_share,
    newest_full_run,
    proxy_ms_per_say,
)


def step(rate: float, cpu: dict[str, float], *, capped: bool = False, missing: int = 0) -> dict:
    sent = int(rate * 20)
    return {
        "rate": rate,
        "sent": sent,
        "deliveries_expected": sent * 9,
        "missing": missing,
        "gaps": 0,
        "duplicates": 0,
        "capped": capped,
        "components": {n: {"cpu_ms_per_say": ms, "rss_mb": 100.0} for n, ms in cpu.items()},
        "broker_per_say": {"publishes": 2.0, "deliveries": 2.0},
    }


def run(date: str, steps: list[dict], *, idle: bool = True, commit: str = "c0ffee1") -> dict:
    rows = [{"connections": 1000, "rss_kb": 90_000, "kb_per_connection": 20.0}] if idle else []
    meta = {"date": date, "commit": commit, "command": "x", "players": 1000, "edges": 1}
    return {"steps": steps, "idle": rows, "meta": meta}


def save(path: Path, raw: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw))
    return path


CPU = {"game": 1.0, "rabbitmq": 1.0, "edge": 1.0, "caddy": 0.3}


def test_the_newest_full_run_is_chosen_by_its_date(tmp_path: Path) -> None:
    save(tmp_path / "results.json", run("2026-11-26 01:08 UTC", [step(200, CPU)]))
    middle = save(tmp_path / "b" / "results.json", run("2026-12-05 02:02 UTC", [step(200, CPU)]))
    # newer, but without idle connections: a partial run the model cannot plan from
    save(tmp_path / "a" / "results.json", run("2026-12-06 09:00 UTC", [step(200, CPU)], idle=False))
    assert newest_full_run(tmp_path) == middle
    newest = save(tmp_path / "c" / "results.json", run("2026-12-07 10:00 UTC", [step(200, CPU)]))
    assert newest_full_run(tmp_path) == newest
    # newer still, but its processes under SCHED_BATCH: a comparison, not a deployment
    batch = run("2026-12-07 11:00 UTC", [step(200, CPU)])
    save(
        tmp_path / "d" / "results.json", {**batch, "meta": {**batch["meta"], "scheduling": "batch"}}
    )
    assert newest_full_run(tmp_path) == newest
    normal = run("2026-12-07 12:00 UTC", [step(200, CPU)])
    latest = save(
        tmp_path / "e" / "results.json",
        {**normal, "meta": {**normal["meta"], "scheduling": "normal"}},
    )
    assert newest_full_run(tmp_path) == latest
    # newest of all, but of a setting a deployment does not get: never planned from
    save(
        tmp_path / "2026-12-07-linger" / "results.json",
        run("2026-12-07 13:00 UTC", [step(200, CPU)]),
    )
    assert newest_full_run(tmp_path) == latest
    with pytest.raises(ValueError):
        newest_full_run(tmp_path / "a")


def test_the_low_end_is_the_fastest_clean_step_capped_or_not() -> None:
    raw = run(
        "2026-12-05 02:02 UTC",
        [
            step(200, CPU),
            step(600, {n: v / 2 for n, v in CPU.items()}, capped=True),
            step(800, CPU, capped=True, missing=3),
        ],
    )
    assert read(raw).step.rate == 200  # the plans: the fastest with headroom
    low = read(raw, fastest_clean_step)
    assert low.step.rate == 600 and low.cpu_ms_per_say["game"] == 0.5
    assert "capped" in low.step_reason


def test_the_journal_share_is_the_run_with_it_less_the_run_without(tmp_path: Path) -> None:
    on = save(
        tmp_path / "on.json",
        run("d1", [step(200, {"game": 1.5, "rabbitmq": 1.2, "edge": 1.0})], commit="aaa1111"),
    )
    off = save(
        tmp_path / "off.json",
        run("d2", [step(200, {"game": 1.2, "rabbitmq": 0.9, "edge": 1.1})], commit="bbb2222"),
    )
    share = journal_share(on, off)
    assert share.added_ms("game") == pytest.approx(0.3)
    assert share.share("game") == pytest.approx(0.2)
    assert share.share("rabbitmq") == pytest.approx(0.25)
    assert share.share("edge") == 0.0  # less with the journal on: noise, no share
    assert share.added_total_ms == pytest.approx(0.5)
    assert (share.on.commit, share.off.commit) == ("aaa1111", "bbb2222")


def results_md(proxy: str, at_200: float) -> str:
    return f"""# Benchmark results (2026-12-05 00:19 UTC)

## CPU per say, by component (ms)

| cmd/s | auth | edge | game | {proxy} | rabbitmq |
|---|---|---|---|---|---|
| 100 | 0.045 | 0.855 | 1.070 | 9.999 | 1.785 |
| 200 | 0.022 | 0.650 | 0.797 | {at_200} | 1.195 |

## Involuntary context switches per say (preempted), by component

| cmd/s | auth | edge | game | {proxy} | rabbitmq |
|---|---|---|---|---|---|
| 200 | 0.1 | 0.1 | 0.1 | 7.0 | 0.1 |
"""


def test_the_front_doors_compare_each_proxys_own_column(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Caddy against nginx (2026-12-05, at `73aaea4`)\n")
    for name, ms in (("caddy-1", 0.26), ("caddy-2", 0.30), ("nginx-1", 0.14)):
        (tmp_path / f"{name}.md").write_text(results_md(name.split("-")[0], ms))
    doors = front_doors(tmp_path)
    assert doors.ms_per_say == {"caddy": [0.26, 0.30], "nginx": [0.14]}
    assert doors.ratio("nginx", "caddy") == pytest.approx(0.5)
    assert doors.commit == "73aaea4"
    with pytest.raises(ValueError):
        proxy_ms_per_say(results_md("nginx", 0.1), "nginx", 400)


def test_the_saved_comparisons_are_read() -> None:
    share, doors = journal_share(), front_doors()
    assert share.on.rate == share.off.rate == 200
    assert 0 < share.share("game") < 1 and 0 < share.share("rabbitmq") < 1
    assert len(doors.ms_per_say["caddy"]) == len(doors.ms_per_say["nginx"]) == 2
    assert 0 < doors.ratio("nginx", "caddy") < 1
