"""The files and environment of the run's own RabbitMQ node (``servers.OwnServers``).

Its ``rabbitmq.conf`` is a listener on 127.0.0.1 and the deployment's settings: the
``spec.rabbitmq.additionalConfig`` of infra/k8s/base/rabbitmq.yaml, read from the
manifest at each start, so what the bench measures is what the deployment runs."""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]

MANIFEST = Path(__file__).resolve().parents[4] / "infra" / "k8s" / "base" / "rabbitmq.yaml"
ENV_FILE = "rabbitmq-env.conf"
"""The node's own environment file (nearly empty): /etc/rabbitmq/rabbitmq-env.conf, the
machine node's, would name the machine's node to every ``rabbitmqctl`` call."""


def manifest_settings(manifest: Path = MANIFEST) -> dict[str, str]:
    """The ``key = value`` lines of the RabbitmqCluster's ``additionalConfig``."""
    cluster = next(
        doc for doc in yaml.safe_load_all(manifest.read_text()) if doc["kind"] == "RabbitmqCluster"
    )
    text = cluster["spec"].get("rabbitmq", {}).get("additionalConfig", "")
    settings = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.lstrip().startswith("#"):
            settings[key.strip()] = value.strip()
    return settings


def broker_conf(amqp_port: int, settings: dict[str, str]) -> str:
    """``rabbitmq.conf``: AMQP on 127.0.0.1:``amqp_port``, then ``settings``."""
    lines = [
        "# The bench's own node for one run (mythos_bench.broker_config): deleted after it.",
        f"listeners.tcp.1 = 127.0.0.1:{amqp_port}",
        f"# From {MANIFEST.relative_to(MANIFEST.parents[3])} (additionalConfig):",
        *(f"{key} = {value}" for key, value in settings.items()),
    ]
    return "\n".join(lines) + "\n"


def write_broker_files(folder: Path, amqp_port: int, manifest: Path = MANIFEST) -> dict[str, str]:
    """Writes the node's configuration into ``folder``; returns the manifest's settings
    it carries."""
    settings = manifest_settings(manifest)
    (folder / "mnesia").mkdir(parents=True)
    (folder / "log").mkdir()
    (folder / "rabbitmq.conf").write_text(broker_conf(amqp_port, settings))
    # No plugin: the stack provisions with rabbitmqctl alone, never the management API.
    (folder / "enabled_plugins").write_text("[].\n")
    (folder / ENV_FILE).write_text("# The bench's own node: every setting is in the environment.\n")
    return settings


def broker_cli_env(node: str, epmd_port: int, env_file: Path) -> dict[str, str]:
    """What sends ``rabbitmqctl`` (run by root, it runs as the ``rabbitmq`` user and
    keeps the environment) to the run's node rather than the machine's."""
    return {
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_CONF_ENV_FILE": str(env_file),
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
    }


def broker_server_env(folder: Path, node: str, dist_port: int, epmd_port: int) -> dict[str, str]:
    """``rabbitmq-server``'s environment: every file and folder of the node in ``folder``."""
    return {
        **broker_cli_env(node, epmd_port, folder / ENV_FILE),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(folder / "advanced.config"),  # none
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_PID_FILE": str(folder / "rabbitmq.pid"),
        # RabbitMQ's default, and the machine node's: schedulers do not spin when idle.
        "RABBITMQ_SCHEDULER_BUSY_WAIT_THRESHOLD": "none",
        # Erlang distribution on the loopback only, as the machine's node.
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }
