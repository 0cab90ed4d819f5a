"""One game per shard (docs/design/shards.md §4, docs/operations.md "Shards"): every shard
of the rendered map has exactly one Deployment (an active pod and a standby) and a
PodDisruptionBudget, the map passes the game's own start checks against the world
baked into the image, the shards' games differ only in their shard, and whatever
selects game pods selects every shard's.

The base runs one shard (s1, the whole world); overlays/dev takes the component
two-shards, whose map is services/game/world/shards.2.json.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import k8s_support as k8s
import pytest
from k8s_support import get
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.shard_map import (
    ShardMap,
    ShardMapError,
    check_built,
    check_shard,
    check_zones,
    parse_shard_map,
)

pytestmark = pytest.mark.slow  # kustomize of every overlay

Obj = dict[str, Any]
WORLD_DIR = k8s.REPO_ROOT / "services" / "game" / "world"
TWO_SHARDS = WORLD_DIR / "shards.2.json"
SHARD_COUNTS = {"dev": 2, "prod": 1}


def rendered_map(objects: list[Obj]) -> ShardMap:
    """The map in the ConfigMap game-shards, schema and shard ids checked by the game."""
    text = get(objects, "ConfigMap", "game-shards")["data"]["shards.json"]
    return parse_shard_map(text, "ConfigMap game-shards")


def _env(deployment: Obj) -> dict[str, Obj]:
    return {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


def _config(objects: list[Obj], deployment: Obj) -> dict[str, str]:
    data: dict[str, str] = {}
    for source in deployment["spec"]["template"]["spec"]["containers"][0].get("envFrom", []):
        data.update(get(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    return data


def shard_problems(objects: list[Obj]) -> list[str]:
    """Every shard of the map: exactly one game Deployment, game-<shard>, with GAME_SHARD
    set to it, an active pod and a standby, a surge-first rollout, the standby on another
    node when one is free, and a PodDisruptionBudget keeping one of the two; no game
    Deployment for a shard the map lacks, and no autoscaler on any."""
    shards = rendered_map(objects).shards
    problems = []
    games = k8s.game_deployments(objects)
    for game in games:
        name = game["metadata"]["name"]
        shard = k8s.template_labels(game).get(k8s.SHARD_LABEL)
        if shard not in shards:
            problems.append(f"{name}: shard {shard!r} is not in the map")
            continue
        if name != f"game-{shard}":
            problems.append(f"{name}: the Deployment of shard {shard} must be game-{shard}")
        if _env(game).get("GAME_SHARD", {}).get("value") != shard:
            problems.append(f"{name}: GAME_SHARD is not {shard}")
        if game["spec"]["selector"]["matchLabels"].get(k8s.SHARD_LABEL) != shard:
            problems.append(f"{name}: its selector does not name its shard")
        if game["spec"]["replicas"] != 2:
            problems.append(
                f"{name}: {game['spec']['replicas']} replicas, not an active + a standby"
            )
        if game["spec"]["strategy"] != {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }:
            problems.append(f"{name}: the rollout must start a standby before stopping a pod")
        if _config(objects, game).get("GAME_STANDBY") != "true":
            problems.append(f"{name}: GAME_STANDBY is not true")
        anti = game["spec"]["template"]["spec"].get("affinity", {}).get("podAntiAffinity", {})
        terms = [
            t["podAffinityTerm"]
            for t in anti.get("preferredDuringSchedulingIgnoredDuringExecution", [])
        ]
        if not any(
            t["topologyKey"] == "kubernetes.io/hostname"
            and t["labelSelector"] == {"matchLabels": game["spec"]["selector"]["matchLabels"]}
            for t in terms
        ):
            problems.append(f"{name}: no preferred anti-affinity between its own pods")
        budgets = [
            pdb
            for pdb in k8s.of_kind(objects, "PodDisruptionBudget")
            if k8s.selector_matches(pdb["spec"]["selector"], k8s.template_labels(game))
        ]
        if [(b["metadata"]["name"], b["spec"]) for b in budgets] != [
            (name, {"minAvailable": 1, "selector": game["spec"]["selector"]})
        ]:
            problems.append(f"{name}: needs one PodDisruptionBudget {name}, minAvailable 1")
        if any(
            h["spec"]["scaleTargetRef"]["name"] == name
            for h in k8s.of_kind(objects, "HorizontalPodAutoscaler")
        ):
            problems.append(f"{name}: autoscaled; a shard runs one active game and one standby")
    counted = [k8s.template_labels(game).get(k8s.SHARD_LABEL) for game in games]
    for shard in shards:
        if counted.count(shard) != 1:
            problems.append(f"shard {shard}: {counted.count(shard)} game Deployments, not 1")
    return problems


def map_problems(objects: list[Obj]) -> list[str]:
    """The game's own start checks on the rendered map, for the world baked into the
    image and each game's GAME_SHARD (a pod would exit with the same message)."""
    try:
        shard_map = rendered_map(objects)
        check_zones(shard_map, load_world(WORLD_DIR).zone_ids())
        for game in k8s.game_deployments(objects):
            shard = _env(game)["GAME_SHARD"]["value"]
            check_shard(shard_map, shard)
            check_built(shard_map, shard)
    except ShardMapError as exc:
        return [str(exc)]
    return []


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_shard_runs_one_game_deployment_with_a_standby_and_a_budget(
    overlay: str, rendered: dict[str, list[Obj]]
) -> None:
    objects = rendered[overlay]
    assert shard_problems(objects) == []
    assert len(rendered_map(objects).shards) == SHARD_COUNTS[overlay]


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_every_zone_is_owned_once_by_a_shard_that_runs(
    overlay: str, rendered: dict[str, list[Obj]]
) -> None:
    assert map_problems(rendered[overlay]) == []


def test_the_two_shard_map_is_the_one_beside_the_world(rendered: dict[str, list[Obj]]) -> None:
    two = [objects for objects in rendered.values() if len(rendered_map(objects).shards) == 2]
    assert two, "no overlay renders two shards"
    for objects in two:
        text = get(objects, "ConfigMap", "game-shards")["data"]["shards.json"]
        assert json.loads(text) == json.loads(TWO_SHARDS.read_text())


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_the_shards_games_differ_only_in_their_shard(
    overlay: str, rendered: dict[str, list[Obj]]
) -> None:
    """So what the other tests check on s1's game holds for every shard's."""
    games = {g["metadata"]["name"]: g for g in k8s.game_deployments(rendered[overlay])}
    template = json.dumps(games.pop(k8s.GAME_S1)).replace('"s1"', '"<shard>"')
    template = template.replace('"game-s1"', '"game-<shard>"')
    for name, game in games.items():
        shard = name.removeprefix("game-")
        text = json.dumps(game).replace(f'"{shard}"', '"<shard>"')
        assert text.replace(f'"game-{shard}"', '"game-<shard>"') == template, name


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_what_selects_game_pods_selects_every_shards(
    overlay: str, rendered: dict[str, list[Obj]]
) -> None:
    """The Service, the PodMonitor and the NetworkPolicies select s1's game pods by the
    labels every shard's pods carry: none may miss a shard."""
    objects = rendered[overlay]
    games = k8s.game_deployments(objects)
    s1_labels = k8s.template_labels(get(objects, "Deployment", k8s.GAME_S1))
    selectors = [
        (k8s.name_of(obj), selector)
        for obj in objects
        for selector in (
            [obj["spec"].get("selector")] if obj["kind"] in ("Service", "PodMonitor") else []
        )
        + ([obj["spec"]["podSelector"]] if obj["kind"] == "NetworkPolicy" else [])
        if selector is not None
    ]
    # A Service's selector is a plain label map.
    selecting = [
        (name, s if "matchLabels" in s or "matchExpressions" in s else {"matchLabels": s})
        for name, s in selectors
    ]
    game_selectors = [
        (name, s) for name, s in selecting if s and k8s.selector_matches(s, s1_labels)
    ]
    assert {name for name, _ in game_selectors} >= {
        "Service/game",
        "PodMonitor/mythos-game",
        "NetworkPolicy/game",
    }
    for name, selector in game_selectors:
        for game in games:
            assert k8s.selector_matches(selector, k8s.template_labels(game)), (name, game)


# ------------------------------------------------------------ the checks can fail


def _with_map(objects: list[Obj], shards: dict[str, list[str]]) -> list[Obj]:
    broken = copy.deepcopy(objects)
    text = json.dumps({"version": 2, "shards": {s: {"zones": z} for s, z in shards.items()}})
    get(broken, "ConfigMap", "game-shards")["data"]["shards.json"] = text
    return broken


def test_a_zone_owned_twice_or_by_nobody_is_caught(rendered: dict[str, list[Obj]]) -> None:
    two = json.loads(TWO_SHARDS.read_text())["shards"]
    zones_1, zones_2 = two["s1"]["zones"], two["s2"]["zones"]
    twice = _with_map(rendered["dev"], {"s1": zones_1 + zones_2[:1], "s2": zones_2})
    assert map_problems(twice) == [f"ConfigMap game-shards: zone {zones_2[0]!r} is in s1 and s2"]
    unowned = _with_map(rendered["dev"], {"s1": zones_1, "s2": zones_2[1:]})
    assert map_problems(unowned) == [
        f"ConfigMap game-shards: zones owned by no shard: {zones_2[0]}"
    ]


def test_a_shard_without_its_game_or_its_budget_is_caught(
    rendered: dict[str, list[Obj]],
) -> None:
    # prod runs s1 alone: a map that adds s3 lacks its Deployment.
    zones = list(rendered_map(rendered["prod"]).shards["s1"])
    assert shard_problems(_with_map(rendered["prod"], {"s1": zones, "s3": []})) == [
        "shard s3: 0 game Deployments, not 1"
    ]
    # dev's s2 game without s2 in the map: a game that would refuse to start.
    assert map_problems(_with_map(rendered["dev"], {"s1": zones})) == [
        "GAME_SHARD=s2 is not a shard of ConfigMap game-shards (s1) nor lobby"
    ]
    broken = copy.deepcopy(rendered["dev"])
    broken.remove(get(broken, "PodDisruptionBudget", "game-s2"))
    assert shard_problems(broken) == [
        "game-s2: needs one PodDisruptionBudget game-s2, minAvailable 1"
    ]
    broken = copy.deepcopy(rendered["dev"])
    get(broken, "Deployment", "game-s2")["spec"]["replicas"] = 1
    assert shard_problems(broken) == ["game-s2: 1 replicas, not an active + a standby"]
    broken = copy.deepcopy(rendered["dev"])
    _env(get(broken, "Deployment", "game-s2"))["GAME_SHARD"]["value"] = "s1"
    assert shard_problems(broken) == ["game-s2: GAME_SHARD is not s2"]
