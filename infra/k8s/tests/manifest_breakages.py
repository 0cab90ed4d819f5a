"""Deliberate breakages of the rendered manifests, one or more per check: each names the
check that must catch it and a fragment of the problem it must report, so no check of
``test_k8s_manifests`` can pass vacuously."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import monitoring_checks as monitoring
from k8s_support import container, get


def _container(name: str) -> Callable[[list[Any]], dict[str, Any]]:
    return lambda objects: container(objects, name)


def _pod(name: str) -> Callable[[list[Any]], dict[str, Any]]:
    return lambda objects: get(objects, "Deployment", name)["spec"]["template"]["spec"]


def _set(where: Callable[[list[Any]], Any], key: str, value: Any) -> Callable[[list[Any]], None]:
    def mutate(objects: list[Any]) -> None:
        where(objects)[key] = value

    return mutate


def _delete(where: Callable[[list[Any]], Any], key: str) -> Callable[[list[Any]], None]:
    def mutate(objects: list[Any]) -> None:
        del where(objects)[key]

    return mutate


def _drop_object(kind: str, name: str) -> Callable[[list[Any]], None]:
    def mutate(objects: list[Any]) -> None:
        objects.remove(get(objects, kind, name))

    return mutate


def _service_port(name: str) -> Callable[[list[Any]], dict[str, Any]]:
    return lambda objects: get(objects, "Service", name)["spec"]["ports"][0]


def _ingress_backend(objects: list[Any]) -> dict[str, Any]:
    return get(objects, "Ingress", "mythos")["spec"]["rules"][0]["http"]["paths"][0]["backend"]


def _env(deployment: str, name: str) -> Callable[[list[Any]], dict[str, Any]]:
    def where(objects: list[Any]) -> dict[str, Any]:
        return next(e for e in container(objects, deployment)["env"] if e["name"] == name)

    return where


def _pod_monitor(name: str) -> Callable[[list[Any]], dict[str, Any]]:
    return lambda objects: get(objects, "PodMonitor", name)["spec"]


def _alert(name: str) -> Callable[[list[Any]], dict[str, Any]]:
    def where(objects: list[Any]) -> dict[str, Any]:
        return next(rule for rule in monitoring.alert_rules(objects) if rule["alert"] == name)

    return where


def _open_rule(objects: list[Any]) -> None:
    # Let anything in the namespace reach the game database.
    policy = get(objects, "NetworkPolicy", "mythos-game-db")
    policy["spec"]["ingress"][0]["from"] = [{"podSelector": {}}]


BREAKAGES: list[tuple[str, str, Callable[[list[Any]], None], str]] = [
    ("schemas", "unknown field", _set(_container("auth"), "imagePullPolcy", "Always"), "auth"),
    ("schemas", "wrong type", _set(_container("game-s1"), "ports", "54735"), "game"),
    (
        "schemas",
        "operator kind",
        _delete(lambda o: get(o, "Cluster", "mythos-game-db")["spec"], "instances"),
        "instances",
    ),
    (
        "schemas",
        "pod monitor",
        _delete(_pod_monitor("mythos-game"), "podMetricsEndpoints"),
        "podMetricsEndpoints",
    ),
    (
        "workload_selectors",
        "selector",
        _set(
            lambda o: get(o, "Deployment", "game-s1")["spec"]["selector"],
            "matchLabels",
            {"app.kubernetes.io/name": "gme"},
        ),
        "Deployment/game-s1",
    ),
    (
        "service_selectors",
        "selector",
        _set(
            lambda o: get(o, "Service", "auth")["spec"],
            "selector",
            {"app.kubernetes.io/name": "ath"},
        ),
        "Service/auth",
    ),
    (
        "service_ports",
        "targetPort",
        _set(_service_port("ws-edge"), "targetPort", "metrics"),
        "Service/ws-edge",
    ),
    ("service_ports", "number", _set(_service_port("client"), "targetPort", 80), "Service/client"),
    ("config_references", "configmap", _drop_object("ConfigMap", "auth-config"), "auth-config"),
    (
        "config_references",
        "secret key",
        _set(
            _env("persistence", "PERSISTENCE_DATABASE_URL"),
            "valueFrom",
            {"secretKeyRef": {"name": "mythos-game-db-app", "key": "password-url"}},
        ),
        "password-url",
    ),
    (
        "config_references",
        "undocumented secret",
        _set(
            _env("game-s1", "GAME_AMQP_URL"),
            "valueFrom",
            {"secretKeyRef": {"name": "rabbit", "key": "url"}},
        ),
        "rabbit",
    ),
    (
        "images",
        "no dockerfile",
        _set(_container("game-s1"), "image", "ghcr.io/mythos/mythos-engine:0.1.0"),
        "no Dockerfile",
    ),
    (
        "images",
        "latest",
        _set(_container("auth"), "image", "ghcr.io/mythos/mythos-auth:latest"),
        "pinned tag",
    ),
    (
        "images",
        "expose",
        _set(lambda o: container(o, "client")["ports"][0], "containerPort", 8081),
        "EXPOSE",
    ),
    (
        "ingress_backends",
        "service",
        _set(lambda o: _ingress_backend(o)["service"], "name", "authn"),
        "authn",
    ),
    (
        "ingress_backends",
        "port",
        _set(lambda o: _ingress_backend(o)["service"], "port", {"name": "web"}),
        "no port",
    ),
    (
        "disruption_and_scaling",
        "pdb",
        _drop_object("PodDisruptionBudget", "game-s1"),
        "Deployment/game-s1",
    ),
    (
        "disruption_and_scaling",
        "hpa target",
        _set(
            lambda o: get(o, "HorizontalPodAutoscaler", "ws-edge")["spec"]["scaleTargetRef"],
            "name",
            "edge",
        ),
        "edge",
    ),
    (
        "disruption_and_scaling",
        "hpa vs replicas",
        _set(lambda o: get(o, "Deployment", "ws-edge")["spec"], "replicas", 2),
        "sets replicas",
    ),
    (
        "pod_hardening",
        "liveness",
        _delete(_container("persistence"), "livenessProbe"),
        "livenessProbe",
    ),
    (
        "pod_hardening",
        "readiness",
        _delete(_container("client"), "readinessProbe"),
        "readinessProbe",
    ),
    (
        "pod_hardening",
        "limits",
        _delete(lambda o: container(o, "ws-edge")["resources"], "limits"),
        "limits",
    ),
    (
        "pod_hardening",
        "root fs",
        _set(lambda o: container(o, "auth")["securityContext"], "readOnlyRootFilesystem", False),
        "readOnlyRootFilesystem",
    ),
    (
        "pod_hardening",
        "escalation",
        _delete(lambda o: container(o, "game-s1")["securityContext"], "allowPrivilegeEscalation"),
        "allowPrivilegeEscalation",
    ),
    (
        "pod_hardening",
        "capabilities",
        _set(
            lambda o: container(o, "game-s1")["securityContext"],
            "capabilities",
            {"drop": ["NET_RAW"]},
        ),
        "drop ALL",
    ),
    (
        "pod_hardening",
        "non-root",
        _set(lambda o: container(o, "client")["securityContext"], "runAsNonRoot", False),
        "runAsNonRoot",
    ),
    (
        "pod_hardening",
        "seccomp",
        _set(
            lambda o: container(o, "auth")["securityContext"],
            "seccompProfile",
            {"type": "Unconfined"},
        ),
        "seccomp",
    ),
    ("pod_hardening", "tmp", _set(_container("ws-edge"), "volumeMounts", []), "/tmp"),
    (
        "pod_hardening",
        "token",
        _set(_pod("auth"), "automountServiceAccountToken", True),
        "automount",
    ),
    (
        "pod_hardening",
        "service links",
        _delete(_pod("auth"), "enableServiceLinks"),
        "enableServiceLinks",
    ),
    (
        "pod_hardening",
        "probe port",
        _set(lambda o: container(o, "game-s1")["livenessProbe"]["httpGet"], "port", "http"),
        "not a container port",
    ),
    (
        "monitoring",
        "port",
        _set(
            lambda o: _pod_monitor("mythos-persistence")(o)["podMetricsEndpoints"][0],
            "port",
            "http",
        ),
        "port http is not a named container port of Deployment/persistence",
    ),
    (
        "monitoring",
        "selector",
        _set(
            _pod_monitor("mythos-auth"),
            "selector",
            {"matchLabels": {"app.kubernetes.io/name": "ath"}},
        ),
        "PodMonitor/mythos-auth: selector matches no pod template",
    ),
    (
        "monitoring",
        "unscraped",
        _drop_object("PodMonitor", "mythos-game"),
        "Deployment/game-s1: scraped by 0 PodMonitors",
    ),
    (
        "monitoring",
        "client scraped",
        _set(
            _pod_monitor("mythos-ws-edge"),
            "selector",
            {"matchLabels": {"app.kubernetes.io/part-of": "mythos"}},
        ),
        "selects Deployment/client, which serves no /metrics",
    ),
    (
        "monitoring",
        "runbook",
        _set(
            lambda o: _alert("MythosDeadLetters")(o)["annotations"],
            "runbook_url",
            "https://example.com/docs/operations.md#dead-letters",
        ),
        "must end with /docs/operations.md#mythosdeadletters",
    ),
    (
        "monitoring",
        "annotation",
        _delete(lambda o: _alert("MythosTargetDown")(o)["annotations"], "description"),
        "description is missing",
    ),
    (
        "network_policies",
        "monitoring blocked",
        _drop_object("NetworkPolicy", "mythos-monitoring"),
        "needed but blocked: prometheus -> game-s1:54735",
    ),
    (
        "network_policies",
        "default deny",
        _drop_object("NetworkPolicy", "default-deny"),
        "default-deny",
    ),
    (
        "network_policies",
        "too open",
        _open_rule,
        "allowed but should not be: mythos-rabbitmq-0 -> mythos-game-db-0:5432",
    ),
    (
        "network_policies",
        "too closed",
        _drop_object("NetworkPolicy", "ws-edge"),
        "needed but blocked: ingress-controller -> ws-edge",
    ),
]
