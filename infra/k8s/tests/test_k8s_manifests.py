"""The Kubernetes manifests: render each overlay offline, validate every object against
the Kubernetes JSON schemas, and check that the pieces refer to each other correctly.

Each check is a function of the rendered objects returning its problems; the tests
assert that the real overlays have none, and that a deliberately broken copy has the
expected one (so no check passes vacuously).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import k8s_support as k8s
import kubernetes_validate
import manifest_checks as checks
import monitoring_checks as monitoring
import network_policies as netpol
import pytest
import yaml
from k8s_support import get
from manifest_breakages import BREAKAGES

pytestmark = pytest.mark.slow  # kustomize, kubectl and schema validation of every overlay

OVERLAYS = k8s.OVERLAYS
NAMESPACES = {"dev": "mythos-dev", "prod": "mythos"}
SERVICES = ("auth", "ws-edge", "game", "persistence", "client")
# The Python services: /healthz, /readyz and /metrics on one port each.
SCRAPED = k8s.SCRAPED
# The oldest Kubernetes these manifests target, and the newest the validator knows.
SCHEMA_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())


def expected_edges(objects: list[dict[str, Any]]) -> set[tuple[str, str, int]]:
    """The connections the architecture needs, and nothing else."""
    peers = {peer.name: peer for peer in netpol.network_peers(objects)}
    rabbit = [name for name in peers if name.startswith("mythos-rabbitmq-")]
    auth_db = [name for name in peers if name.startswith("mythos-auth-db-")]
    game_db = [name for name in peers if name.startswith("mythos-game-db-")]
    # One game Deployment per shard; each is a peer of its own, with the same edges.
    games = [game["metadata"]["name"] for game in k8s.game_deployments(objects)]
    edges: set[tuple[str, str, int]] = set()
    for name, peer in peers.items():
        if peer.ours:
            edges.add((name, "kube-dns", 53))
    edges |= {
        ("ingress-controller", "client", 8080),
        ("ingress-controller", "auth", 54732),
        ("ingress-controller", "ws-edge", 54733),
        ("ws-edge", "auth", 54732),
    }
    # Prometheus scrapes each service's /metrics port, and nothing else of ours.
    edges |= {
        ("prometheus", "auth", 54732),
        ("prometheus", "ws-edge", 54733),
        *(("prometheus", game, 54735) for game in games),
        ("prometheus", "persistence", 54736),
    }
    bus_services = ("ws-edge", *games, "persistence", "auth")
    edges |= {(src, dst, 5672) for src in bus_services for dst in rabbit}
    edges |= {("auth", dst, 5432) for dst in auth_db}
    edges |= {("persistence", dst, 5432) for dst in game_db}
    edges |= {("rabbitmq-operator", dst, 15672) for dst in rabbit}
    edges |= {("cnpg-operator", dst, 8000) for dst in auth_db + game_db}
    # Members of one operator-run cluster talk freely, and their egress is open (they
    # need the Kubernetes API, whose address is cluster-specific).
    for group in (rabbit, auth_db, game_db):
        for src in group:
            for dst in group:
                if src != dst:
                    edges |= {(src, dst, port) for port in set(peers[dst].ports.values())}
            for outsider in peers.values():
                if not outsider.ours:
                    edges |= {(src, outsider.name, port) for port in outsider.ports.values()}
    return edges


# ---------------------------------------------------------------------------- render


def test_each_overlay_renders_every_piece(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for overlay, objects in rendered.items():
        for service in SERVICES:
            for kind in ("Service", "ServiceAccount"):
                get(objects, kind, service)
            for kind in ("Deployment", "PodDisruptionBudget"):
                get(objects, kind, k8s.deployment_of(service))
        for service in SCRAPED:
            get(objects, "PodMonitor", f"mythos-{service}")
        for kind, name in [
            ("Namespace", NAMESPACES[overlay]),
            ("HorizontalPodAutoscaler", "ws-edge"),
            ("Ingress", "mythos"),
            ("Ingress", "mythos-websocket"),
            ("NetworkPolicy", "default-deny"),
            ("NetworkPolicy", "mythos-monitoring"),
            ("PrometheusRule", "mythos"),
            ("RabbitmqCluster", "mythos-rabbitmq"),
            ("Cluster", "mythos-auth-db"),
            ("Cluster", "mythos-game-db"),
        ]:
            get(objects, kind, name)
        for obj in objects:
            if obj["kind"] != "Namespace":
                assert obj["metadata"]["namespace"] == NAMESPACES[overlay], k8s.name_of(obj)
            assert obj["metadata"]["labels"]["mythos.io/environment"] == overlay


def _write(path: Path, documents: list[dict[str, Any]] | dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(documents, dict):
        documents = [documents]
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))


def _mini_base(root: Path) -> None:
    _write(root / "base" / "kustomization.yaml", {"resources": ["app.yaml"]})
    _write(
        root / "base" / "app.yaml",
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "app"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "x"}},
                    "template": {
                        "metadata": {"labels": {"app": "x"}},
                        "spec": {
                            "containers": [
                                {
                                    "name": "app",
                                    "image": "ghcr.io/mythos/mythos-app:latest",
                                    "env": [{"name": "A", "value": "1"}],
                                    "ports": [{"containerPort": 80}],
                                    "resources": {"limits": {"cpu": "1"}},
                                },
                                {"name": "side", "image": "busybox:1"},
                            ]
                        },
                    },
                },
            },
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}},
        ],
    )


def test_render_reports_what_kustomize_refuses(tmp_path: Path) -> None:
    """A kustomization the real kustomize refuses fails with kustomize's own message."""
    _mini_base(tmp_path)
    _write(tmp_path / "overlay" / "kustomization.yaml", {"resources": ["../base", "gone.yaml"]})
    with pytest.raises(k8s.KustomizeError, match=r"gone\.yaml"):
        k8s.render(tmp_path / "overlay")
    _write(tmp_path / "overlay" / "kustomization.yaml", {"resources": ["../base"]})
    assert {k8s.name_of(obj) for obj in k8s.render(tmp_path / "overlay")} == {
        "Deployment/app",
        "Namespace/ns",
    }


# ---------------------------------------------------------------------------- checks


def _checks(documented: set[tuple[str, str]]) -> dict[str, Callable[[list[Any]], list[str]]]:
    return {
        "schemas": lambda objects: checks.check_schemas(objects, SCHEMA_VERSIONS),
        "workload_selectors": checks.check_workload_selectors,
        "service_selectors": checks.check_service_selectors,
        "service_ports": checks.check_service_ports,
        "config_references": lambda objects: checks.check_config_references(objects, documented),
        "images": checks.check_images,
        "ingress_backends": checks.check_ingress_backends,
        "disruption_and_scaling": checks.check_disruption_and_scaling,
        "pod_hardening": checks.check_pod_hardening,
        "monitoring": monitoring.check_monitoring,
        "network_policies": lambda objects: netpol.check_network_policies(
            objects, expected_edges(objects)
        ),
    }


CHECK_NAMES = list(_checks(set()))


@pytest.mark.parametrize("check", CHECK_NAMES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_passes_check(
    overlay: str,
    check: str,
    rendered: dict[str, list[dict[str, Any]]],
    documented: set[tuple[str, str]],
) -> None:
    assert _checks(documented)[check](rendered[overlay]) == []


@pytest.mark.parametrize(
    ("check", "mutate", "expected"),
    [
        pytest.param(check, mutate, expected, id=f"{check}-{label}")
        for check, label, mutate, expected in BREAKAGES
    ],
)
def test_check_catches_a_broken_copy(
    check: str,
    mutate: Callable[[list[Any]], None],
    expected: str,
    rendered: dict[str, list[dict[str, Any]]],
    documented: set[tuple[str, str]],
) -> None:
    broken = copy.deepcopy(rendered["prod"])
    mutate(broken)
    problems = _checks(documented)[check](broken)
    assert any(expected in problem for problem in problems), problems


def test_every_check_has_a_breakage() -> None:
    assert {check for check, *_ in BREAKAGES} == set(CHECK_NAMES)


def test_broken_files_in_a_copy_of_the_tree_are_caught(
    tmp_path: Path, documented: set[tuple[str, str]]
) -> None:
    """End to end on files: a copy of infra/k8s with one wrong targetPort and one
    undocumented Secret renders, and the checks name both."""
    tree = tmp_path / "k8s"
    shutil.copytree(k8s.K8S_DIR, tree, ignore=shutil.ignore_patterns("tests", "__pycache__"))
    edge = tree / "base" / "ws-edge.yaml"
    edge.write_text(
        edge.read_text()
        .replace("      targetPort: http", "      targetPort: websocket")
        .replace("name: mythos-amqp-ws-edge", "name: mythos-broker")
    )
    objects = k8s.render(tree / "overlays" / "prod")
    assert any("targetPort websocket" in p for p in checks.check_service_ports(objects))
    assert any(
        "mythos-broker is neither defined nor documented" in p
        for p in checks.check_config_references(objects, documented)
    )


def test_documented_secrets_are_read_from_the_operations_doc(tmp_path: Path) -> None:
    doc = tmp_path / "ops.md"
    doc.write_text(
        "# Ops\n\n## Secrets\n\n| Secret | keys | by |\n|---|---|---|\n"
        "| `a` | `url` | ops |\n| `tls` | `tls.crt`, `tls.key` | ops |\n\n"
        "## Other\n\n| `b` | `c` |\n"
    )
    assert k8s.documented_secrets(doc) == {("a", "url"), ("tls", "tls.crt"), ("tls", "tls.key")}
    assert ("mythos-amqp-game", "url") in k8s.documented_secrets()
