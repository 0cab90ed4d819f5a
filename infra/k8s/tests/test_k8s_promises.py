"""Specific promises of the Kubernetes manifests, each on the rendered overlays: one host
routed by path, sizes per environment, each service's own database, edges that drain and
autoscale, probes and metrics ports, production mode, trusted proxies, the settings each
service accepts from its manifest."""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
from typing import Any

import k8s_support as k8s
import network_policies as netpol
import pytest
from k8s_support import container, get

pytestmark = pytest.mark.slow  # kustomize, kubectl and schema validation of every overlay

OVERLAYS = k8s.OVERLAYS
SCRAPED = k8s.SCRAPED


def test_ingress_routes_one_host_by_path(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for objects in rendered.values():
        routes: dict[str, str] = {}
        hosts = set()
        for ingress in k8s.of_kind(objects, "Ingress"):
            assert ingress["spec"]["ingressClassName"] == "nginx"
            for rule in ingress["spec"]["rules"]:
                hosts.add(rule["host"])
                for path in rule["http"]["paths"]:
                    assert path["pathType"] == "Prefix"
                    routes[path["path"]] = path["backend"]["service"]["name"]
            for tls in ingress["spec"]["tls"]:
                assert set(tls["hosts"]) == hosts
        assert len(hosts) == 1
        # No /docs: auth runs in production mode in every overlay, without the Swagger UI.
        assert routes == {
            "/auth": "auth",
            "/api": "ws-edge",
            "/api/ws": "ws-edge",
            "/": "client",
        }
        annotations = get(objects, "Ingress", "mythos-websocket")["metadata"]["annotations"]
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            assert int(annotations[f"nginx.ingress.kubernetes.io/{key}"]) >= 3600


def test_broker_and_databases_size_per_environment(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    expected = {"dev": 1, "prod": 3}
    for overlay, objects in rendered.items():
        assert (
            get(objects, "RabbitmqCluster", "mythos-rabbitmq")["spec"]["replicas"]
            == (expected[overlay])
        )
        for name, database in (("mythos-auth-db", "auth"), ("mythos-game-db", "game")):
            cluster = get(objects, "Cluster", name)
            assert cluster["spec"]["instances"] == expected[overlay]
            assert cluster["spec"]["bootstrap"]["initdb"] == {
                "database": database,
                "owner": database,
            }


def test_each_service_reads_only_its_own_database(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for objects in rendered.values():
        database_secrets = {
            c["name"]: {
                e["valueFrom"]["secretKeyRef"]["name"]
                for e in c.get("env", [])
                if e.get("valueFrom", {})
                .get("secretKeyRef", {})
                .get("name", "")
                .endswith("-db-app")
            }
            for _, c in k8s.iter_containers(objects)
        }
        assert database_secrets == {
            "auth": {"mythos-auth-db-app"},
            "persistence": {"mythos-game-db-app"},
            "ws-edge": set(),
            "game": set(),
            "client": set(),
        }


def test_edges_are_unique_drain_and_autoscale(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for overlay, objects in rendered.items():
        deployment = get(objects, "Deployment", "ws-edge")
        pod = deployment["spec"]["template"]["spec"]
        edge = pod["containers"][0]
        instance = next(e for e in edge["env"] if e["name"] == "EDGE_INSTANCE_ID")
        assert instance["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
        assert pod["terminationGracePeriodSeconds"] >= 30
        assert edge["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        hpa = get(objects, "HorizontalPodAutoscaler", "ws-edge")
        assert hpa["spec"]["minReplicas"] == (2 if overlay == "prod" else 1)


def _config(objects: list[dict[str, Any]], deployment: str) -> dict[str, str]:
    """The ConfigMap data a Deployment's first container reads (envFrom)."""
    data: dict[str, str] = {}
    for source in container(objects, deployment).get("envFrom", []):
        data.update(get(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    return data


def test_services_probe_healthz_and_readyz_on_their_metrics_port(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """Liveness (and startup) on the dependency-free /healthz, readiness on /readyz,
    both on the port Prometheus scrapes /metrics from."""
    for objects in rendered.values():
        for service, port in SCRAPED.items():
            item = container(objects, k8s.deployment_of(service))
            probes = {
                name: item[name]["httpGet"]
                for name in ("startupProbe", "livenessProbe", "readinessProbe")
            }
            assert {name: (g["path"], g["port"]) for name, g in probes.items()} == {
                "startupProbe": ("/healthz", port),
                "livenessProbe": ("/healthz", port),
                "readinessProbe": ("/readyz", port),
            }, service
            # /readyz gives each dependency check 2 s; the probe must wait longer.
            assert item["readinessProbe"]["timeoutSeconds"] > 2, service
            endpoints = get(objects, "PodMonitor", f"mythos-{service}")["spec"][
                "podMetricsEndpoints"
            ]
            assert [(e["port"], e["path"]) for e in endpoints] == [(port, "/metrics")]


def test_the_public_origin_routes_no_ops_path_to_a_service(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """/healthz, /readyz and /metrics of the services stay internal: on the public host
    those paths reach the client (nginx), never auth or an edge."""
    for objects in rendered.values():
        routes = {
            path["path"]: path["backend"]["service"]["name"]
            for ingress in k8s.of_kind(objects, "Ingress")
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        }
        for ops_path in ("/healthz", "/readyz", "/metrics"):
            prefixes = [
                p for p in routes if ops_path == p or ops_path.startswith(p.rstrip("/") + "/")
            ]
            assert routes[max(prefixes, key=len)] == "client", ops_path


def test_monitoring_reaches_only_the_metrics_ports(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """Spelled out (the exact edge list above covers it too): Prometheus reaches each
    service's metrics port; it reaches neither the client, RabbitMQ nor PostgreSQL,
    nothing else in the monitoring namespace reaches anything, and the ingress
    controller still cannot reach the game or persistence."""
    for objects in rendered.values():
        peers = {peer.name: peer for peer in netpol.network_peers(objects)}
        prometheus = peers["prometheus"]
        for service, port_name in SCRAPED.items():
            deployment = k8s.deployment_of(service)
            port = k8s.container_ports(container(objects, deployment))[port_name]
            assert netpol.allowed(objects, prometheus, peers[deployment], port), service
            assert not netpol.allowed(objects, peers["monitoring-other"], peers[deployment], port)
        off_limits = ("client", "mythos-rabbitmq-", "mythos-auth-db-", "mythos-game-db-")
        for name, peer in peers.items():
            if name.startswith(off_limits):
                for port in peer.ports.values():
                    assert not netpol.allowed(objects, prometheus, peer, port), (name, port)
        for service in (k8s.GAME_S1, "persistence"):
            for port in peers[service].ports.values():
                assert not netpol.allowed(
                    objects, peers["ingress-controller"], peers[service], port
                )


def test_game_finishes_its_command_before_the_kill(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """Kubernetes kills the pod terminationGracePeriodSeconds after SIGTERM; the game
    needs GAME_SHUTDOWN_GRACE_SECONDS for the command in hand, then a moment to close
    its broker connection. It has no preStop: nothing routes traffic to it."""
    from mythos_game.settings import GameSettings

    default = GameSettings.model_fields["shutdown_grace_seconds"].default
    for objects in rendered.values():
        pod = get(objects, "Deployment", k8s.GAME_S1)["spec"]["template"]["spec"]
        grace = float(_config(objects, k8s.GAME_S1).get("GAME_SHUTDOWN_GRACE_SECONDS", default))
        assert pod["terminationGracePeriodSeconds"] >= grace + 5
        assert "lifecycle" not in pod["containers"][0]


def _auth_memory_problems(objects: list[dict[str, Any]]) -> list[str]:
    """The auth container's memory limit must hold the process plus every hash its
    settings let run at once (AUTH_PASSWORD_HASH_MEMORY_MIB), or a burst of logins gets
    the pod OOM-killed instead of answered 503."""
    from mythos_auth.settings import PROCESS_MEMORY_MIB, AuthSettings

    field = AuthSettings.model_fields["password_hash_memory_mib"]
    environment = _container_environment(objects, container(objects, "auth"))
    budget = int(environment.get("AUTH_PASSWORD_HASH_MEMORY_MIB", field.default))
    limit = container(objects, "auth")["resources"]["limits"]["memory"]
    if k8s.mebibytes(limit) < PROCESS_MEMORY_MIB + budget:
        return [
            f"auth: memory limit {limit} is below {PROCESS_MEMORY_MIB} MiB for the process "
            f"plus AUTH_PASSWORD_HASH_MEMORY_MIB={budget}"
        ]
    return []


def test_auth_memory_limit_holds_its_password_hashing_budget(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay, objects in rendered.items():
        assert _auth_memory_problems(objects) == [], overlay
        # The budget is spelled out next to the limit it sizes, not left to a default.
        assert "AUTH_PASSWORD_HASH_MEMORY_MIB" in _config(objects, "auth"), overlay
    # The check can fail: a bigger budget, or a smaller limit, breaks it.
    for overlay in OVERLAYS:
        broken = copy.deepcopy(rendered[overlay])
        get(broken, "ConfigMap", "auth-config")["data"]["AUTH_PASSWORD_HASH_MEMORY_MIB"] = "2048"
        assert "AUTH_PASSWORD_HASH_MEMORY_MIB=2048" in _auth_memory_problems(broken)[0]
        broken = copy.deepcopy(rendered[overlay])
        container(broken, "auth")["resources"]["limits"]["memory"] = "256Mi"
        assert "memory limit 256Mi" in _auth_memory_problems(broken)[0]
    assert [k8s.mebibytes(q) for q in ("512Mi", "1Gi", "2048Ki", "1048576")] == [512, 1024, 2, 1]


def test_every_service_logs_json_explicitly(rendered: dict[str, list[dict[str, Any]]]) -> None:
    prefixes = {"auth": "AUTH_", "ws-edge": "EDGE_", "game": "GAME_", "persistence": "PERSISTENCE_"}
    for objects in rendered.values():
        for service, prefix in prefixes.items():
            config = _config(objects, k8s.deployment_of(service))
            assert config[f"{prefix}LOG_FORMAT"] == "json", service
            assert config[f"{prefix}LOG_LEVEL"] == "INFO", service


def test_forwarded_headers_are_believed_only_from_private_networks(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """auth reads AUTH_TRUSTED_PROXIES (it runs uvicorn without proxy_headers, so
    uvicorn's FORWARDED_ALLOW_IPS would be ignored); the edge's uvicorn reads
    FORWARDED_ALLOW_IPS. Neither may trust every peer."""
    import ipaddress

    for objects in rendered.values():
        auth = _container_environment(objects, container(objects, "auth"))
        edge = _container_environment(objects, container(objects, "ws-edge"))
        assert "FORWARDED_ALLOW_IPS" not in auth
        for value in (auth["AUTH_TRUSTED_PROXIES"], edge["FORWARDED_ALLOW_IPS"]):
            networks = [ipaddress.ip_network(item.strip()) for item in value.split(",")]
            assert networks and all(network.is_private for network in networks), value


def test_prod_runs_every_service_in_production_mode(
    rendered: dict[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production mode refuses local defaults; the prod overlay turns it on for every
    service (auth everywhere: it must never generate a signing key in a pod), and the
    edge accepts pages of the public origin only."""
    objects = rendered["prod"]
    for service, (module_name, class_name, _, _) in SETTINGS.items():
        settings_class = getattr(importlib.import_module(module_name), class_name)
        prefix = settings_class.model_config["env_prefix"]
        for name in list(os.environ):
            if name.startswith(prefix) or name in ("MYTHOS_ENVIRONMENT", "AMQP_URL"):
                monkeypatch.delenv(name)
        item = container(objects, k8s.deployment_of(service))
        for name, value in _container_environment(objects, item).items():
            monkeypatch.setenv(name, value)
        assert settings_class().environment == "production", service
    host = get(objects, "Ingress", "mythos")["spec"]["rules"][0]["host"]
    assert _config(objects, "ws-edge")["EDGE_ALLOWED_ORIGINS"] == f"https://{host}"
    assert _config(rendered["dev"], "auth")["AUTH_ENVIRONMENT"] == "production"


def test_stateless_pods_are_redundant_in_prod(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for name in ("auth", "persistence", "client"):
        assert get(rendered["prod"], "Deployment", name)["spec"]["replicas"] >= 2


# Each container's settings class, and which of its fields must equal the container port.
SETTINGS = {
    "auth": ("mythos_auth.settings", "AuthSettings", "port", "host"),
    "ws-edge": ("mythos_edge.settings", "EdgeSettings", "port", "host"),
    "game": ("mythos_game.settings", "GameSettings", "health_port", "health_host"),
    "persistence": (
        "mythos_persistence.settings",
        "PersistenceSettings",
        "health_port",
        "health_host",
    ),
}
PLACEHOLDERS = {
    ("mythos-amqp-ws-edge", "url"): "amqp://mythos-edge:secret@mythos-rabbitmq:5672/mythos",
    ("mythos-amqp-ws-edge", "username"): "mythos-edge",
    ("mythos-amqp-auth", "username"): "mythos-auth",
    ("mythos-amqp-auth", "url"): "amqp://mythos-auth:secret@mythos-rabbitmq:5672/mythos",
    ("mythos-amqp-game", "url"): "amqp://mythos-game:secret@mythos-rabbitmq:5672/mythos",
    ("mythos-amqp-game", "username"): "mythos-game",
    ("mythos-amqp-persistence", "url"): (
        "amqp://mythos-persistence:secret@mythos-rabbitmq:5672/mythos"
    ),
    ("mythos-auth-db-app", "uri"): "postgresql://auth:secret@mythos-auth-db-rw:5432/auth",
    ("mythos-game-db-app", "uri"): "postgresql://game:secret@mythos-game-db-rw:5432/game",
}


def _container_environment(objects: list[Any], item: dict[str, Any]) -> dict[str, str]:
    environment: dict[str, str] = {}
    for source in item.get("envFrom", []):
        environment.update(get(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for env in item.get("env", []):
        if "value" in env:
            environment[env["name"]] = env["value"]
            continue
        ref = env["valueFrom"]
        if "fieldRef" in ref:
            assert ref["fieldRef"]["fieldPath"] == "metadata.name"
            environment[env["name"]] = f"{item['name']}-6d9f8b7c5d-x2k9q"  # a real pod name
        elif "configMapKeyRef" in ref:
            key = ref["configMapKeyRef"]
            environment[env["name"]] = get(objects, "ConfigMap", key["name"])["data"][key["key"]]
        else:
            key = ref["secretKeyRef"]
            environment[env["name"]] = PLACEHOLDERS[(key["name"], key["key"])]
    return environment


@pytest.mark.parametrize("service", sorted(SETTINGS))
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_settings_accept_the_manifest_environment(
    overlay: str,
    service: str,
    rendered: dict[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The environment a pod gets is read by the service's own settings class: every
    prefixed variable is a real setting, the values parse, and the service listens on
    all interfaces at the port the probes and the Service use."""
    module_name, class_name, port_field, host_field = SETTINGS[service]
    settings_class = getattr(importlib.import_module(module_name), class_name)
    objects = rendered[overlay]
    item = container(objects, k8s.deployment_of(service))
    environment = _container_environment(objects, item)
    prefix = settings_class.model_config["env_prefix"]
    known = set()
    for name, field_info in settings_class.model_fields.items():
        known.add(f"{prefix}{name}".upper())
        alias = field_info.validation_alias
        for choice in getattr(alias, "choices", [alias] if isinstance(alias, str) else []):
            if isinstance(choice, str):
                known.add(choice.upper())
    unknown = sorted(n for n in environment if n.startswith(prefix) and n not in known)
    assert unknown == [], f"{service}: not settings of {class_name}: {unknown}"

    for name in list(os.environ):
        if name.startswith(prefix) or name in ("AMQP_URL", "DATABASE_URL"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = settings_class()
    assert getattr(settings, host_field) == "0.0.0.0"
    # A service with a production mode must find nothing unsafe in these settings.
    if getattr(settings, "is_production", False):
        assert settings.production_problems() == []
    assert {getattr(settings, port_field)} == {p["containerPort"] for p in item["ports"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_bus_service_declares_the_same_replicated_queue_type(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    """Each service declares its own durable queue again on connect, after the operator's
    Queue objects (quorum): one type for all, or the broker refuses the second
    declaration (PRECONDITION_FAILED). Quorum queues keep every queue and message
    through the loss of a broker node."""
    objects = rendered[overlay]
    types = {}
    for service, prefix in (
        ("ws-edge", "EDGE"),
        ("game", "GAME"),
        ("persistence", "PERSISTENCE"),
        ("auth", "AUTH"),
    ):
        environment = _container_environment(
            objects, container(objects, k8s.deployment_of(service))
        )
        types[service] = environment.get(
            f"{prefix}_AMQP_QUEUE_TYPE", environment.get("MYTHOS_AMQP_QUEUE_TYPE")
        )
    assert set(types.values()) == {"quorum"}, types


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_ingress_controllers_network_is_trusted_as_a_proxy(
    overlay: str, rendered: dict[str, list[dict[str, Any]]]
) -> None:
    """auth and the edges believe X-Forwarded-For from one named network, no wider than
    /16 (the width at which the services warn), never a catch-all."""
    from mythos_contracts.ops.proxies import wide_networks

    objects = rendered[overlay]
    trusted = {
        _container_environment(objects, container(objects, "auth"))["AUTH_TRUSTED_PROXIES"],
        _container_environment(objects, container(objects, "ws-edge"))["FORWARDED_ALLOW_IPS"],
    }
    assert trusted == {get(objects, "ConfigMap", "mythos-ingress")["data"]["trusted-proxies"]}
    (networks,) = trusted
    assert wide_networks(networks) == [], networks
