"""The run's own RabbitMQ node carries the deployment's settings: read from the
Kubernetes manifest, not copied, so the bench and the deployment cannot drift."""

from __future__ import annotations

from pathlib import Path

from mythos_bench.broker_config import (
    MANIFEST,
    broker_server_env,
    manifest_settings,
    write_broker_files,
)


def _conf_lines(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines() if not line.startswith("#"))
    return {key.strip(): value.strip() for key, eq, value in pairs if eq}


def test_the_nodes_config_carries_every_setting_of_the_manifest(tmp_path: Path) -> None:
    carried = write_broker_files(tmp_path / "node", 25672)
    conf = _conf_lines((tmp_path / "node" / "rabbitmq.conf").read_text())
    # The manifest's quorum-log limit, and whatever else it sets.
    assert manifest_settings()["raft.wal_max_size_bytes"] == "67108864"
    assert carried == manifest_settings()
    assert manifest_settings().items() <= conf.items()
    assert conf["listeners.tcp.1"] == "127.0.0.1:25672"
    # No plugin: the stack provisions with rabbitmqctl, never the management API.
    assert (tmp_path / "node" / "enabled_plugins").read_text().strip() == "[]."


def test_a_setting_added_to_the_manifest_reaches_the_node(tmp_path: Path) -> None:
    manifest = MANIFEST.read_text().replace(
        "raft.wal_max_size_bytes = 67108864",
        "raft.wal_max_size_bytes = 33554432\n      # a comment = not a setting\n"
        "      channel_max = 512",
    )
    assert manifest != MANIFEST.read_text()
    (tmp_path / "rabbitmq.yaml").write_text(manifest)
    write_broker_files(tmp_path / "node", 25672, tmp_path / "rabbitmq.yaml")
    conf = _conf_lines((tmp_path / "node" / "rabbitmq.conf").read_text())
    assert conf == {
        "listeners.tcp.1": "127.0.0.1:25672",
        "raft.wal_max_size_bytes": "33554432",
        "channel_max": "512",
    }


def test_every_file_of_the_node_is_in_its_own_folder(tmp_path: Path) -> None:
    env = broker_server_env(tmp_path, "n@localhost", 25673, 25674)
    files = [v for k, v in env.items() if k.endswith(("_FILE", "_BASE"))]
    assert len(files) == 7 and all(Path(f).parent == tmp_path for f in files)
    # The machine node's busy-wait setting (RabbitMQ's default), said outright.
    assert env["RABBITMQ_SCHEDULER_BUSY_WAIT_THRESHOLD"] == "none"
    assert env["RABBITMQ_NODENAME"] == "n@localhost" and env["ERL_EPMD_PORT"] == "25674"
