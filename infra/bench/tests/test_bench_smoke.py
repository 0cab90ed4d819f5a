"""The benchmark harness must not rot: a 20-second, 50-player run on the real stack, its
profiled repeat and a soak of two 5-second "minutes", pinned as make bench runs, each on
its own RabbitMQ node and PostgreSQL cluster.
It asserts only that the run completed with nothing missing, never a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mythos_bench.broker_config import manifest_settings
from mythos_contracts.command_batch import MAX_BATCH_COMMANDS


def _own_servers_were_used_and_are_gone(servers: dict[str, Any]) -> None:
    assert set(servers) == {"throughput", "soak"}  # a stack, and servers, per scenario
    for own in servers.values():
        broker = own["rabbitmq"]
        assert broker["amqp_port"] != 5672 and own["postgresql"]["port"] != 5432
        # Started on one core, the BEAM sized itself for it: nothing set it at run time.
        assert broker["schedulers_online"] == 1 and broker["dirty_cpu_schedulers_online"] == 1
        # The deployment's settings, as the running node read them.
        assert broker["config"] == manifest_settings()
        assert broker["wal_max_size_bytes"] == int(manifest_settings()["raft.wal_max_size_bytes"])
        assert broker["startup_seconds"] > 0 and own["postgresql"]["startup_seconds"] > 0
        # Its epmd monitor stopped: no `erl` booted on the server core every minute.
        assert broker["epmd_monitor"] == "stopped"
        # Every process of the stack started under the policy asked for (batch here),
        # as the kernel reports it: the services, the front door, broker and database.
        assert set(own["scheduling"]) >= {"edge", "game", "nginx", "rabbitmq", "postgresql"}
        assert set(own["scheduling"].values()) == {"batch"}, own["scheduling"]
        names = set(own["processes"].values())
        assert {"epmd", "beam.smp", "postgres"} <= names
        # Stopped and deleted: no process of theirs left (a zombie is dead, only not yet
        # reaped by init), nor their data.
        for pid, name in own["processes"].items():
            stat = Path(f"/proc/{pid}/stat")
            alive = stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
            assert not alive or Path(f"/proc/{pid}/comm").read_text().strip() != name, (pid, name)
        assert not Path(own["data_dir"]).exists()


@pytest.mark.services
def test_a_smoke_run_completes_with_nothing_missing(tmp_path: Path, own_servers: None) -> None:
    # Not the default policy: the smoke run proves the option reaches every process.
    command = [sys.executable, "-m", "mythos_bench", "--smoke", "--scheduling", "batch"]
    run = subprocess.run(
        [*command, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(run.stdout[-3000:], run.stderr[-3000:])
    assert run.returncode == 0
    results = json.loads((tmp_path / "results.json").read_text())
    (step,) = results["steps"]
    assert step["sent"] > 0 and step["deliveries_expected"] > 0
    assert step["missing"] == 0 and step["gaps"] == 0 and step["duplicates"] == 0
    # Where the lines over 50 ms fell: counted against every line, at most one second each.
    tail = step["tail"]
    assert tail["over_ms"] == 50.0 and 0 <= tail["lines_over"] <= step["sent"]
    assert tail["seconds_with_any"] <= tail["seconds"] and tail["started_at"] > 0
    assert "## Where the tail falls" in (tmp_path / "results.md").read_text()
    # Each component's CPU, switches and run-queue share, and the services' GC pauses.
    door = results["meta"]["front_door"]
    assert door == "nginx"  # the default: the proxy a production ingress runs
    assert {"edge", "game", "rabbitmq", door} <= set(step["components"])
    assert step["components"]["game"]["cpu_ms_per_say"] > 0
    assert step["capped"] == (step["server_core_percent"] > 85)
    # The two cores as the kernel counts them: the server core ran the stack at least.
    core = step["cores"]
    assert 0 < core["generator_busy_percent"] <= 100 and core["server_busy_percent"] <= 100
    assert core["server_busy_percent"] > 0
    assert "## The cores, as the kernel counts them" in (tmp_path / "results.md").read_text()
    # Every service's GC pauses are scraped and counted. A count may be zero: the game's
    # say path leaves nothing for the collector (history as bytes and arrays), so ten
    # seconds at 50 say/s need not trigger one (the timing itself is
    # libs/contracts/tests/test_ops_contract.py's).
    assert {"edge", "game", "persistence", "auth"} <= set(step["gc"])
    assert all(set(g) >= {"collections", "over_20ms", "longest"} for g in step["gc"].values())
    # The generator made no full collection while the step's lines were timed: no long
    # pause of its own reads as the server's (mythos_bench.generator_gc).
    assert results["meta"]["generator_gc"] == "paused"
    assert step["gc"]["generator"]["full"] == 0
    # The services count the broker messages: a say is its room event and its command,
    # which may share one message with others said in the same turn (a command batch).
    least = 1 + 1 / MAX_BATCH_COMMANDS
    assert step["broker_per_say"]["publishes"] >= least
    assert step["broker_per_say"]["deliveries"] >= least
    # Each service's share, by exchange or queue, adds up to the sums: the journal's
    # records (the default exchange) among the game's publishes.
    shares = step["broker_per_say"]
    for kind in ("publishes", "deliveries"):
        mine = sum(v for k, v in shares.items() if f" {kind} " in k)
        assert mine == pytest.approx(shares[kind])
    for key in ("edge publishes mythos.commands", "game publishes mythos.events"):
        assert shares[key] >= 1 / MAX_BATCH_COMMANDS, key
    assert shares['game publishes ""'] > 0 and shares["game deliveries mythos.shard"] > 0
    assert "## Broker messages per say, by service" in (tmp_path / "results.md").read_text()
    # The flame graphs come from a repeat of the step, reported apart, never a step.
    profiled = results["profiled"]
    assert profiled["rate"] == step["rate"] and profiled["cpu_ms_per_say"] > 0
    assert profiled["missing"] == 0 and profiled["gaps"] == 0 and profiled["duplicates"] == 0
    assert (tmp_path / "flame-edge.svg").exists() and (tmp_path / "flame-game.svg").exists()
    # perf sampled the server core meanwhile (make test installs it; the tests run as
    # root here): the game, the edge and the broker each had a share of it.
    on_core = profiled["oncpu"]
    assert "unavailable" not in on_core, on_core
    assert {"game", "edge", "rabbitmq"} <= set(on_core["components"])
    assert sum(r["share"] for r in on_core["components"].values()) == pytest.approx(1.0)
    assert (
        "## On the server core, by component and code (perf)"
        in (tmp_path / "results.md").read_text()
    )
    # perf traced the broker's disk flushes meanwhile: its quorum queues' log is flushed.
    flushes = profiled["disk_flushes"]
    assert "unavailable" not in flushes, flushes
    assert flushes["count"] > 0 and flushes["longest_ms"] >= flushes["p50_ms"] > 0
    assert "## The broker's disk flushes (perf trace)" in (tmp_path / "results.md").read_text()
    # The edge and the game profiled themselves on the CPU meanwhile: the game's samples
    # are its handling of commands, the edge's its fan-out, each saved beside the results.
    python = profiled["python_oncpu"]
    for name in ("edge", "game"):
        assert python[name]["samples"] > 0, python
        assert (tmp_path / f"oncpu-{name}.folded").exists()
    game_stacks = (tmp_path / "oncpu-game.folded").read_text()
    assert "handle (dispatcher.py)" in game_stacks
    # The soak records each minute's CPU per say and GC pauses per process.
    soak = results["soak"]
    assert len(soak["minutes"]) == 2 and soak["gaps"] == 0 and soak["duplicates"] == 0
    for minute in soak["minutes"]:
        assert minute["missing"] == 0
        assert minute["cpu_ms_per_say"]["game"] > 0 and minute["cpu_ms_per_say"]["edge"] > 0
        assert {"edge", "game"} <= set(minute["gc"])
        assert minute["gc"]["generator"]["full"] == 0
    # Its own PostgreSQL checkpointed before minute 1: the players' setup wrote pages.
    assert soak["checkpoint_before"]["buffers_written"] > 0
    assert "PostgreSQL checkpointed before minute 1" in (tmp_path / "results.md").read_text()
    assert results["meta"]["commit"]
    _own_servers_were_used_and_are_gone(results["meta"]["servers"])
    # The machine's speed that day, beside the figures.
    assert results["meta"]["reference_loop_ms"] > 0
    assert "Reference loop: " in (tmp_path / "results.md").read_text()
    assert results["meta"]["scheduling"] == "batch"
    assert "started under SCHED_BATCH" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "results.md").exists() and (tmp_path / "latency_cpu.png").exists()
