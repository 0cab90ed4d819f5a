"""The broker's memory limit holds its quorum log: RabbitMQ keeps the quorum queues'
write-ahead log in memory until it reaches ``raft.wal_max_size_bytes`` and rolls over, so
a limit below the log's size gets the node OOM-killed (or into its memory alarm, which
blocks every publisher) under a steady load instead of rolling over."""

from __future__ import annotations

import copy
from typing import Any

import k8s_support as k8s
import pytest
from k8s_support import get

pytestmark = pytest.mark.slow  # kustomize, kubectl and schema validation of every overlay

WAL_SHARE_OF_LIMIT = 0.25
"""The log may take at most this share of the node's memory limit: in make bench's soak
the node held about 330 MB beside its log, and the log cost about three quarters of its size in memory."""


def _wal_problems(objects: list[dict[str, Any]]) -> list[str]:
    spec = get(objects, "RabbitmqCluster", "mythos-rabbitmq")["spec"]
    settings = dict(
        (key.strip(), value.strip())
        for key, _, value in (
            line.partition("=")
            for line in spec.get("rabbitmq", {}).get("additionalConfig", "").splitlines()
            if "=" in line
        )
    )
    wal = settings.get("raft.wal_max_size_bytes")
    if wal is None:
        return ["raft.wal_max_size_bytes is not set: RabbitMQ's 512 MiB default applies"]
    limit = spec["resources"]["limits"]["memory"]
    if int(wal) / 2**20 > k8s.mebibytes(limit) * WAL_SHARE_OF_LIMIT:
        return [f"raft.wal_max_size_bytes {wal} is over a quarter of the limit {limit}"]
    return []


def test_the_quorum_log_fits_the_brokers_memory_limit(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay, objects in rendered.items():
        assert _wal_problems(objects) == [], overlay
    # The check can fail: without the setting, or with a smaller limit.
    for overlay in k8s.OVERLAYS:
        broken = copy.deepcopy(rendered[overlay])
        del get(broken, "RabbitmqCluster", "mythos-rabbitmq")["spec"]["rabbitmq"]
        assert "is not set" in _wal_problems(broken)[0]
        broken = copy.deepcopy(rendered[overlay])
        spec = get(broken, "RabbitmqCluster", "mythos-rabbitmq")["spec"]
        spec["resources"]["limits"]["memory"] = "128Mi"
        assert "over a quarter of the limit 128Mi" in _wal_problems(broken)[0]
