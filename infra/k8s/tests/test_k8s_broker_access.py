"""The broker's users, permissions and topology in the manifests are the contract's.

Each service has its own RabbitMQ user (messaging-topology operator CRs) whose
permissions are exactly ``mythos_contracts.bus.access``; the exchanges, fixed queues and
bindings the operator declares are exactly what the bus would declare; each service
reads its own Secret and declares only its own queues; the game accepts commands only
from the user the edges' Secret names.
"""

from __future__ import annotations

from typing import Any

import k8s_support as k8s
import pytest
from mythos_contracts.bus.access import SERVICE_ACCESS
from mythos_contracts.bus.amqp import single_active_arguments
from mythos_contracts.bus.amqp_journal import stream_arguments
from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD,
    DURABLE_TOPOLOGY,
    SINGLE_ACTIVE_QUEUES,
    TOPIC_EXCHANGES,
    shard_inbox,
    shard_inbox_bindings,
    shard_journal,
    zone_map_log,
)
from mythos_game.domain.shard_map import parse_shard_map
from mythos_game.settings import GameSettings

Obj = dict[str, Any]
# Deployment name -> (contract service name, env prefix); every shard's game is s1's
# but for its shard (test_k8s_shards.py).
BUS_SERVICES = {
    "ws-edge": ("edge", "EDGE"),
    k8s.GAME_S1: ("game", "GAME"),
    "persistence": ("persistence", "PERSISTENCE"),
    "auth": ("auth", "AUTH"),
}
VHOST = "mythos"


@pytest.fixture(scope="module", params=k8s.OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[Obj]:
    return k8s.render(k8s.K8S_DIR / "overlays" / request.param)


def _env(objects: list[Obj], deployment: str) -> dict[str, Obj]:
    spec = k8s.pod_spec(k8s.find(objects, "Deployment", deployment) or {})
    assert spec is not None, deployment
    return {e["name"]: e for e in spec["containers"][0].get("env", [])}


def _config(objects: list[Obj], deployment: str) -> dict[str, str]:
    """The ConfigMap data the Deployment's container reads (envFrom)."""
    data: dict[str, str] = {}
    for source in k8s.container(objects, deployment).get("envFrom", []):
        data.update(k8s.get(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    return data


def _shards(objects: list[Obj]) -> list[str]:
    """The shards of the rendered map (ConfigMap game-shards)."""
    text = k8s.get(objects, "ConfigMap", "game-shards")["data"]["shards.json"]
    return list(parse_shard_map(text, "game-shards").shards)


def _journal_arguments(objects: list[Obj]) -> dict[str, Any]:
    """The arguments the games declare their journals with, from their settings."""
    config = _config(objects, k8s.GAME_S1)
    fields = GameSettings.model_fields
    max_age = config.get("GAME_JOURNAL_MAX_AGE_SECONDS", fields["journal_max_age_seconds"].default)
    max_bytes = config.get("GAME_JOURNAL_MAX_BYTES", fields["journal_max_bytes"].default)
    arguments = stream_arguments(float(max_age), int(max_bytes))
    return {k: v for k, v in arguments.items() if k != "x-queue-type"}


def _zone_map_arguments(objects: list[Obj]) -> dict[str, Any]:
    """The arguments the games declare the zone map log with (no age: size only)."""
    config = _config(objects, k8s.GAME_S1)
    default = GameSettings.model_fields["zone_map_max_bytes"].default
    arguments = stream_arguments(None, int(config.get("GAME_ZONE_MAP_MAX_BYTES", default)))
    return {k: v for k, v in arguments.items() if k != "x-queue-type"}


def _secret_of(objects: list[Obj], deployment: str) -> str:
    prefix = BUS_SERVICES[deployment][1]
    return str(_env(objects, deployment)[f"{prefix}_AMQP_URL"]["valueFrom"]["secretKeyRef"]["name"])


# Contract service name -> its broker user's Secret.
SECRETS = {
    "edge": "mythos-amqp-ws-edge",
    "game": "mythos-amqp-game",
    "persistence": "mythos-amqp-persistence",
    "auth": "mythos-amqp-auth",
}


def _user_of(objects: list[Obj], secret: str) -> str:
    """The User CR whose credentials come from ``secret``."""
    users = [
        u["metadata"]["name"]
        for u in k8s.of_kind(objects, "User")
        if u["spec"]["importCredentialsSecret"]["name"] == secret
    ]
    assert len(users) == 1, (secret, users)
    return users[0]


def broker_access(objects: list[Obj]) -> dict[str, Any]:
    """What the manifests grant, by contract service name, in the contract's shape."""
    granted: dict[str, Any] = {}
    for service, secret in SECRETS.items():
        user = _user_of(objects, secret)
        permissions = [
            p["spec"]
            for p in k8s.of_kind(objects, "Permission")
            if p["spec"]["userReference"]["name"] == user
        ]
        topics = sorted(
            (t["spec"]["permissions"]["exchange"], t["spec"]["permissions"]["write"],
             t["spec"]["permissions"]["read"], t["spec"]["vhost"])
            for t in k8s.of_kind(objects, "TopicPermission")
            if t["spec"]["userReference"]["name"] == user
        )  # fmt: skip
        granted[service] = {
            "permissions": [(p["vhost"], p["permissions"]) for p in permissions],
            "topics": topics,
        }
    return granted


def contract_access() -> dict[str, Any]:
    return {
        service: {
            "permissions": [(VHOST, {"configure": a.configure, "write": a.write, "read": a.read})],
            "topics": sorted((t.exchange, t.write, t.read, VHOST) for t in a.topics),
        }
        for service, a in SERVICE_ACCESS.items()
    }


def test_each_service_has_its_own_user_with_the_contracts_permissions(
    objects: list[Obj],
) -> None:
    for deployment, (service, _) in BUS_SERVICES.items():
        assert _secret_of(objects, deployment) == SECRETS[service], deployment
    assert len(set(SECRETS.values())) == len(SECRETS), "each service needs a Secret of its own"
    assert broker_access(objects) == contract_access()
    assert [v["spec"]["name"] for v in k8s.of_kind(objects, "Vhost")] == [VHOST]


def test_a_widened_permission_is_caught(objects: list[Obj]) -> None:
    widened = [dict(o) for o in objects]
    for i, obj in enumerate(widened):
        if obj["kind"] == "TopicPermission" and obj["spec"]["permissions"]["write"] != "^$":
            spec = {**obj["spec"], "permissions": {**obj["spec"]["permissions"], "write": ".*"}}
            widened[i] = {**obj, "spec": spec}
            break
    assert broker_access(widened) != contract_access()


def test_services_declare_only_their_own_queues_and_the_operator_the_rest(
    objects: list[Obj],
) -> None:
    for deployment, (_, prefix) in BUS_SERVICES.items():
        assert _config(objects, deployment)[f"{prefix}_AMQP_DECLARE"] == "own", deployment
    exchanges = {
        e["spec"]["name"]: (e["spec"]["type"], e["spec"]["durable"], e["spec"]["autoDelete"])
        for e in k8s.of_kind(objects, "Exchange")
    }
    assert exchanges == dict.fromkeys(
        (*TOPIC_EXCHANGES, DEAD_LETTER_EXCHANGE), ("topic", True, False)
    )
    queues = {
        q["spec"]["name"]: (
            q["spec"]["type"], q["spec"]["durable"], q["spec"].get("arguments", {}), q["spec"]["vhost"]
        )
        for q in k8s.of_kind(objects, "Queue")
    }  # fmt: skip
    # The arguments AmqpBus.declare_queue and AmqpJournal use: a service's own
    # declaration must match. Every shard of the map has its inbox and its journal; a
    # split map has the zone map log.
    shards = _shards(objects)
    assert DEFAULT_SHARD in shards
    dead_lettered = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}
    single_active = {k: v for k, v in single_active_arguments().items() if k != "x-queue-type"}
    inboxes = SINGLE_ACTIVE_QUEUES | {shard_inbox(shard) for shard in shards}
    assert queues == {
        DEAD_LETTER_QUEUE: ("quorum", True, {}, VHOST),
        **{
            q: (
                "quorum",
                True,
                {**dead_lettered, **(single_active if q in inboxes else {})},
                VHOST,
            )
            for q in [q for q, _, _ in DURABLE_TOPOLOGY] + [shard_inbox(s) for s in shards]
        },
        **{
            shard_journal(shard): ("stream", True, _journal_arguments(objects), VHOST)
            for shard in shards
        },
        **(
            {zone_map_log(): ("stream", True, _zone_map_arguments(objects), VHOST)}
            if len(shards) > 1
            else {}
        ),
    }
    bindings = [
        (b["spec"]["destination"], b["spec"]["source"], b["spec"]["routingKey"])
        for b in k8s.of_kind(objects, "Binding")
    ]
    # DURABLE_TOPOLOGY holds the default shard's inbox bindings; the others' are added.
    other_inboxes = [
        (shard_inbox(shard), exchange, pattern)
        for shard in shards
        if shard != DEFAULT_SHARD
        for exchange, pattern in shard_inbox_bindings(shard)
    ]
    assert sorted(bindings) == sorted(
        [(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#"), *DURABLE_TOPOLOGY, *other_inboxes]
    )


def test_the_game_accepts_commands_only_from_the_edges_user(objects: list[Obj]) -> None:
    games = k8s.game_deployments(objects)
    assert len(games) == len(_shards(objects))
    for game in games:
        env = _env(objects, game["metadata"]["name"])
        publisher = env["GAME_COMMAND_PUBLISHER"]["valueFrom"]["secretKeyRef"]
        assert publisher == {"name": _secret_of(objects, "ws-edge"), "key": "username"}
        accounts = env["GAME_ACCOUNTS_PUBLISHER"]["valueFrom"]["secretKeyRef"]
        assert accounts == {"name": SECRETS["auth"], "key": "username"}
        # Transfers and forwards between shards only from the games' own user.
        shards = env["GAME_SHARD_PUBLISHER"]["valueFrom"]["secretKeyRef"]
        assert shards == {"name": _secret_of(objects, k8s.GAME_S1), "key": "username"}
        assert env["GAME_AMQP_URL"]["valueFrom"]["secretKeyRef"]["name"] == SECRETS["game"]
