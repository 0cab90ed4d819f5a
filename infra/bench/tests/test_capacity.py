"""The capacity model and the page it writes: fan-out costs where it should, scales
with the players, names the ceiling that binds, reads both shapes of results.json,
and docs/capacity.md is what the committed results give."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mythos_bench.__main__ import write_capacity
from mythos_bench.capacity import DEFAULT_PATH, main, render
from mythos_bench.capacity_inputs import FRONT_DOOR, JOURNAL_PUBLISHES, read
from mythos_bench.capacity_model import (
    Kind,
    Mix,
    UnitCosts,
    binding_players,
    edges_touched,
    hot_zone_players,
    mean_wait_ms,
    plan,
    unit_costs,
)
from mythos_bench.capacity_sources import BENCH_DIR, newest_full_run
from mythos_bench.processes import Sample, alive_in_both

# A run in the harness's shape before 2026-12-03 (the 2026-11-26 run), kept here: `make
# bench` rewrites docs/benchmarks/results.json with today's shape.
OLDER_RESULTS = Path(__file__).with_name("results_before_2026_12_03.json")

SAY = Kind("say", 1.0, True, 1, 1, 0, 0, 1.0)
PRIVATE = Kind("look", 3.0, True, 0, 1, 1, 0, 0.5)


def component(rate: float, cpu: dict[str, float]) -> dict[str, Any]:
    """One step as the current harness writes it (scenarios.throughput)."""
    return {
        "rate": rate,
        "sent": int(rate * 20),
        "deliveries_expected": int(rate * 20) * 9,
        "missing": 0,
        "gaps": 0,
        "duplicates": 0,
        "capped": rate > 500,
        "server_core_percent": rate / 10,
        "cpu_ms_per_say": sum(cpu.values()),
        "components": {
            name: {"cpu_ms_per_say": ms, "cpu_percent": ms * rate / 10, "rss_mb": 100.0}
            for name, ms in cpu.items()
        },
        "broker_per_say": {"publishes": 2.0, "deliveries": 2.0},
    }


@pytest.fixture
def new_shape() -> dict[str, Any]:
    cpu = {"edge": 1.1, "game": 0.8, "rabbitmq": 0.4, "caddy": 0.22, "postgresql": 0.01}
    return {
        "steps": [component(200, cpu), component(400, cpu), component(800, cpu)],
        "idle": [
            {"connections": 0, "rss_kb": 70_000, "kb_per_connection": 0.0},
            {"connections": 10_000, "rss_kb": 470_000, "kb_per_connection": 40.0},
            {"connections": 0, "rss_kb": 90_000, "kb_per_connection": 0.0, "closed": True},
        ],
        "meta": {
            "date": "2026-12-04 10:00 UTC",
            "commit": "abc1234",
            "command": "x",
            "players": 1000,
            "room_size": 10,
            "edges": 1,
        },
    }


@pytest.fixture
def costs() -> UnitCosts:
    return unit_costs(read(json.loads(newest_full_run().read_text())))


def test_the_committed_page_is_current() -> None:
    assert DEFAULT_PATH.read_text() == render(), (
        "docs/capacity.md is stale: run 'uv run python -m mythos_bench.capacity'"
    )
    assert main(["--check"]) == 0


def test_the_page_plans_from_the_newest_saved_run() -> None:
    newest = newest_full_run()
    meta = json.loads(newest.read_text())["meta"]
    page = render()
    assert str(newest.relative_to(BENCH_DIR.parents[1])) in page
    assert f"({meta['date']}, commit {meta['commit']})" in page
    assert render(newest) == page and render(OLDER_RESULTS) != page


def test_check_fails_for_a_stale_page(tmp_path: Path) -> None:
    stale = tmp_path / "capacity.md"
    stale.write_text("# old\n")
    assert main(["--check", "--out", str(stale)]) == 1
    assert main(["--out", str(stale)]) == 0 and stale.read_text() == render()


def test_doubling_the_players_doubles_the_edge_and_game_load(costs: UnitCosts) -> None:
    one, two = plan(20_000, Mix(), costs), plan(40_000, Mix(), costs)
    for name in ("edge", "game", FRONT_DOOR):
        single = next(c for c in one.components if c.name == name)
        double = next(c for c in two.components if c.name == name)
        assert double.load_cores == pytest.approx(2 * single.load_cores)
        assert double.instances >= single.instances


def test_a_mix_without_room_events_costs_no_fan_out(costs: UnitCosts) -> None:
    p = plan(10_000, Mix(kinds=(PRIVATE,)), costs)
    commands = p.rates["typed commands/s"]
    assert p.rates["room events/s"] == 0
    assert p.rates["client frames/s"] == pytest.approx(2 * commands)  # one in, one out
    # a publish and a delivery for the command, and the same for its reply
    assert p.rates["broker messages/s"] == pytest.approx(4 * commands)


def test_a_say_costs_the_game_once_and_the_edge_per_recipient(costs: UnitCosts) -> None:
    small = plan(10_000, Mix(kinds=(SAY,), room_size=10), costs)
    large = plan(10_000, Mix(kinds=(SAY,), room_size=20), costs)
    small_load = {c.name: c.load_cores for c in small.components}
    large_load = {c.name: c.load_cores for c in large.components}
    assert large_load["game"] == pytest.approx(small_load["game"])
    # one frame in, one per recipient, the reply: 21 frames against 11
    assert large_load["edge"] == pytest.approx(small_load["edge"] * 21 / 11)


def test_the_broker_counts_a_publish_and_a_delivery_per_edge_touched(costs: UnitCosts) -> None:
    p = plan(1_000, Mix(kinds=(SAY,)), costs)
    touched = p.rates["edges touched per room event"]
    assert p.rates["broker messages/s"] == pytest.approx(
        p.rates["typed commands/s"] * (3 + touched)
    )
    assert edges_touched(10, 1) == 1
    assert edges_touched(10, 1_000) == pytest.approx(10, rel=0.01)  # every player elsewhere
    assert 1 < edges_touched(10, 4) < 4


def test_the_hot_zone_cap_is_one_game_core(costs: UnitCosts) -> None:
    mix = Mix(kinds=(SAY,), active_fraction=1.0, headroom=1.0)
    # a say a minute each: one core holds 60,000 / game ms per say players
    assert hot_zone_players(mix, costs) == pytest.approx(60_000 / costs.game_per_say)
    at_cap = binding_players("hot zone", replace(mix, busiest_zone_share=1.0), costs)
    assert at_cap == pytest.approx(60_000 / costs.game_per_say, abs=1)


def test_binding_players_is_where_the_ceiling_is_reached(costs: UnitCosts) -> None:
    mix = Mix()
    for name in ("hot zone", "broker", "database"):
        n = binding_players(name, mix, costs)
        assert plan(n, mix, costs).limit(name).share >= 1.0
        assert plan(n - 1, mix, costs).limit(name).share < 1.0


def test_no_core_is_planned_over_the_headroom(costs: UnitCosts) -> None:
    mix = Mix()
    for players in (10_000, 100_000):
        for c in plan(players, mix, costs).components:
            assert c.load_cores / c.cores <= mix.headroom + 1e-9, c.name


def test_the_page_names_the_bottleneck_it_computes(costs: UnitCosts) -> None:
    page = render()
    for players in (10_000, 100_000):
        tightest = plan(players, Mix(), costs).tightest.name
        assert f"At {players:,} players the tightest ceiling is the **{tightest}**" in page
    heavy = Mix(postgresql_ms_per_save=50.0)
    assert plan(100_000, heavy, costs).tightest.name == "database"
    assert "the tightest ceiling is the **database**" in render(mix=heavy)


def test_the_older_results_shape_is_read() -> None:
    raw = json.loads(OLDER_RESULTS.read_text())
    assert "components" not in raw["steps"][0]
    m = read(raw)
    assert m.step.rate in {s["rate"] for s in raw["steps"]}
    assert m.step.clean and m.cpu_ms_per_say["game"] > 0 and "total" not in m.cpu_ms_per_say
    assert m.kb_per_connection > 0 and m.most_connections > 0


def test_the_current_results_shape_is_read(new_shape: dict[str, Any]) -> None:
    m = read(new_shape)
    assert m.step.rate == 400  # the 800 step is capped: the fastest with headroom
    assert m.commit == "abc1234" and m.broker_counted
    assert (m.publishes_per_say, m.deliveries_per_say) == (2.0, 2.0)
    assert m.cpu_ms_per_say["game"] == 0.8 and m.recipients_per_say == 9
    assert (m.edge_base_mb, m.kb_per_connection, m.most_connections) == (
        70_000 / 1024,
        40.0,
        10_000,
    )
    negative = copy.deepcopy(new_shape)
    negative["steps"][1]["components"]["rabbitmq"]["cpu_ms_per_say"] = -5.7
    assert read(negative).cpu_ms_per_say["rabbitmq"] == 0.0
    warmed = copy.deepcopy(new_shape)  # runs from 2026-12-06: the RSS before the warm-up first
    cold = {"connections": 0, "rss_kb": 58_000, "kb_per_connection": 0.0, "cold": True}
    warmed["idle"].insert(0, cold)
    assert read(warmed).edge_base_mb == 70_000 / 1024
    lossy = copy.deepcopy(new_shape)
    for step in lossy["steps"]:
        step["missing"] = 1
    assert read(lossy).step.rate == 200  # nothing clean: the slowest step
    journaled = copy.deepcopy(new_shape)  # runs from 2026-12-07 count the journal's records
    journaled["steps"][1]["broker_per_say"] = {
        "publishes": 2.9,
        "deliveries": 2.0,
        JOURNAL_PUBLISHES: 0.9,
        "edge publishes mythos.commands": 1.0,
    }
    assert (read(journaled).publishes_per_say, read(journaled).deliveries_per_say) == (
        pytest.approx(2.0),
        2.0,
    )


def test_a_bench_run_rewrites_the_page_beside_its_results(
    tmp_path: Path, new_shape: dict[str, Any]
) -> None:
    (tmp_path / "results.json").write_text(json.dumps(new_shape))
    written = write_capacity(new_shape, tmp_path)
    assert written == tmp_path / "capacity.md"
    assert "abc1234" in written.read_text()
    assert write_capacity({**new_shape, "idle": []}, tmp_path) is None


def test_a_process_that_ended_mid_step_takes_nothing_off_its_group() -> None:
    before = {"rabbitmq": {1: Sample(10.0, 100), 2: Sample(4.0, 50)}}
    after = {"rabbitmq": {1: Sample(12.5, 100), 2: Sample(0.0, 0)}}  # pid 2 ended
    first, last = alive_in_both(before, after)
    assert (last["rabbitmq"] - first["rabbitmq"]).cpu_seconds == pytest.approx(2.5)


def test_the_queue_wait_grows_without_bound_near_a_full_core() -> None:
    assert mean_wait_ms(2.0, 0.0) == 0
    assert mean_wait_ms(2.0, 0.5) == pytest.approx(1.0)  # rho s / 2(1 - rho)
    assert mean_wait_ms(2.0, 0.9) > 3 * mean_wait_ms(2.0, 0.7)
    with pytest.raises(ValueError):
        mean_wait_ms(2.0, 1.0)
