"""Render and check the Kubernetes manifests in ``infra/k8s`` without a cluster.

``render`` is a deliberately small kustomize: it implements only the features the
overlays use (``resources``, ``namespace``, ``labels`` with plain pairs, ``images``
and ``patches``, strategic-merge or JSON 6902) and refuses anything else, so a
kustomization that needs more fails loudly instead of rendering something kustomize
would not. Where ``kubectl`` is installed, the tests compare its built-in kustomize
output with this one.

Every ``check_*`` function takes the rendered objects and returns a list of
human-readable problems (empty when all is well), so a test can assert on ``[]`` and
also show that a deliberately broken copy produces a problem.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
K8S_DIR = REPO_ROOT / "infra" / "k8s"
OPERATIONS_DOC = REPO_ROOT / "docs" / "operations.md"
OVERLAYS = ("dev", "prod")

Obj = dict[str, Any]

# Kinds served by the operators, not by Kubernetes itself: no JSON schema to validate
# against, and kustomize patches them with JSON merge semantics (lists replaced).
OPERATOR_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
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
# Our own images: ghcr.io/mythos/mythos-<name>, built from services/<name>/Dockerfile
# or <name>/Dockerfile (the client).
IMAGE_PREFIX = "ghcr.io/mythos/mythos-"


# --------------------------------------------------------------------------- render


class KustomizeError(Exception):
    """The kustomization uses something this renderer does not implement, or is wrong."""


_SUPPORTED_KUSTOMIZATION_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "patches",
}

# Strategic-merge list keys of the built-in kinds, for the lists our patches touch.
# A patch reaching any other list of a built-in kind is refused (kustomize might merge
# it by a key this renderer does not know).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


def load_documents(path: Path) -> list[Obj]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def object_id(obj: Obj) -> tuple[str, str, str, str]:
    meta = obj.get("metadata", {})
    return (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"])


def render(directory: Path) -> list[Obj]:
    """Build the kustomization in ``directory`` (which must exist) into a list of objects."""
    files = [directory / name for name in ("kustomization.yaml", "kustomization.yml")]
    found = [path for path in files if path.is_file()]
    if len(found) != 1:
        raise KustomizeError(f"{directory}: expected exactly one kustomization.yaml")
    kustomization = load_documents(found[0])[0]
    unknown = set(kustomization) - _SUPPORTED_KUSTOMIZATION_KEYS
    if unknown:
        raise KustomizeError(f"{found[0]}: unsupported kustomization fields {sorted(unknown)}")

    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects.extend(render(path))
        elif path.is_file():
            objects.extend(load_documents(path))
        else:
            raise KustomizeError(f"{found[0]}: resource {entry!r} does not exist")
    seen: set[tuple[str, str, str, str]] = set()
    for obj in objects:
        if object_id(obj) in seen:
            raise KustomizeError(f"{found[0]}: {object_id(obj)} is defined twice")
        seen.add(object_id(obj))

    # kustomize's order of built-in transformers: patches, namespace, labels, images.
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, directory, patch)
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED_KINDS:
                obj.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for entry in kustomization.get("labels", []):
        if set(entry) != {"pairs"}:
            raise KustomizeError(f"{found[0]}: labels support only 'pairs', got {sorted(entry)}")
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(entry["pairs"])
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    return objects


def _apply_patch(objects: list[Obj], directory: Path, patch: Obj) -> None:
    if set(patch) - {"path", "patch", "target"} or ("path" in patch) == ("patch" in patch):
        raise KustomizeError(f"{directory}: a patch needs exactly one of path/patch: {patch}")
    text = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
    body = yaml.safe_load(text)
    target = patch.get("target")
    if isinstance(body, list):
        if target is None:
            raise KustomizeError(f"{directory}: a JSON 6902 patch needs a target")
        matched = [obj for obj in objects if _matches_target(obj, target)]
        for obj in matched:
            for operation in body:
                _json6902(obj, operation)
    elif isinstance(body, dict):
        if target is None:
            target = {"kind": body["kind"], "name": body["metadata"]["name"]}
        matched = [obj for obj in objects if _matches_target(obj, target)]
        for obj in matched:
            # The patch's own name and kind only select; never merge them in.
            merge_body = {k: v for k, v in body.items() if k not in ("apiVersion", "kind")}
            merge_body["metadata"] = {
                k: v for k, v in body.get("metadata", {}).items() if k not in ("name", "namespace")
            }
            builtin = (obj["apiVersion"], obj["kind"]) not in OPERATOR_KINDS
            _merge(obj, merge_body, builtin, path=obj["kind"])
    else:
        raise KustomizeError(f"{directory}: cannot read patch {patch}")
    if not matched:
        raise KustomizeError(f"{directory}: patch {patch} matches no resource")


def _matches_target(obj: Obj, target: Obj) -> bool:
    unsupported = set(target) - {"kind", "name", "group", "version"}
    if unsupported:
        raise KustomizeError(f"unsupported patch target fields {sorted(unsupported)}")
    group, _, version = obj["apiVersion"].rpartition("/")
    checks = {
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "group": group,
        "version": version,
    }
    return all(checks[key] == value for key, value in target.items())


def _merge(into: Obj, patch: Obj, builtin: bool, path: str) -> None:
    for key, value in patch.items():
        if key.startswith("$"):
            raise KustomizeError(f"{path}.{key}: patch directives are not supported")
        here = f"{path}.{key}"
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, builtin, here)
        elif isinstance(value, list) and builtin and isinstance(into.get(key), list):
            merge_key = _MERGE_KEYS.get(key)
            if merge_key is None:
                raise KustomizeError(f"{here}: list merge is not supported for this field")
            for item in value:
                existing = [old for old in into[key] if old.get(merge_key) == item[merge_key]]
                if existing:
                    _merge(existing[0], item, builtin, f"{here}[{item[merge_key]}]")
                else:
                    into[key].append(copy.deepcopy(item))
        else:
            into[key] = copy.deepcopy(value)


def _json_pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"bad JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _json6902(obj: Obj, operation: Obj) -> None:
    op = operation["op"]
    *parents, last = _json_pointer(operation["path"])
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if op == "remove":
        del node[int(last) if isinstance(node, list) else last]
    elif op in ("add", "replace"):
        value = copy.deepcopy(operation["value"])
        if isinstance(node, list):
            if last == "-":
                node.append(value)
            elif op == "add":
                node.insert(int(last), value)
            else:
                node[int(last)] = value
        else:
            if op == "replace" and last not in node:
                raise KustomizeError(f"replace of missing {operation['path']}")
            node[last] = value
    else:
        raise KustomizeError(f"JSON 6902 op {op!r} is not supported")


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` -> (name, tag, digest)."""
    rest, _, digest = image.partition("@")
    name, tag = rest, None
    if ":" in rest.rsplit("/", 1)[-1]:
        name, _, tag = rest.rpartition(":")
    return name, tag, digest or None


def _set_image(objects: list[Obj], image: Obj) -> None:
    unsupported = set(image) - {"name", "newName", "newTag", "digest"}
    if unsupported:
        raise KustomizeError(f"unsupported images fields {sorted(unsupported)}")
    for _, container in iter_containers(objects):
        name, tag, digest = split_image(container["image"])
        if name != image["name"]:
            continue
        name = image.get("newName", name)
        if "digest" in image:
            container["image"] = f"{name}@{image['digest']}"
            continue
        if "newTag" in image:
            tag = str(image["newTag"])
        container["image"] = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


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


# --------------------------------------------------------------------------- checks


def check_schemas(objects: list[Obj], versions: Iterable[str]) -> list[str]:
    """Built-in kinds against the Kubernetes JSON schemas (strict: unknown fields are
    errors); operator kinds against the fields these manifests rely on."""
    import kubernetes_validate

    problems = []
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) in OPERATOR_KINDS:
            problems += check_operator_resource(obj)
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                where = ".".join(str(part) for part in exc.path)
                problems.append(f"{name_of(obj)} (k8s {version}): {where}: {exc.message}")
            except kubernetes_validate.SchemaNotFoundError as exc:
                problems.append(f"{name_of(obj)}: {exc.message}")
    return problems


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_operator_resource(obj: Obj) -> list[str]:
    where = name_of(obj)
    spec = obj.get("spec", {})
    problems = []
    if not obj.get("metadata", {}).get("name"):
        problems.append(f"{where}: metadata.name is missing")
    if obj["kind"] == "RabbitmqCluster":
        if not _positive_int(spec.get("replicas")):
            problems.append(f"{where}: spec.replicas must be a positive integer")
        if not spec.get("persistence", {}).get("storage"):
            problems.append(f"{where}: spec.persistence.storage is missing")
        unknown = set(spec) - {
            "replicas",
            "image",
            "resources",
            "persistence",
            "rabbitmq",
            "service",
            "affinity",
            "tolerations",
            "override",
            "tls",
            "terminationGracePeriodSeconds",
            "delayStartSeconds",
        }
        if unknown:
            problems.append(f"{where}: unknown spec fields {sorted(unknown)}")
    elif obj["kind"] == "Cluster":
        if not _positive_int(spec.get("instances")):
            problems.append(f"{where}: spec.instances must be a positive integer")
        if not spec.get("storage", {}).get("size"):
            problems.append(f"{where}: spec.storage.size is missing")
        initdb = spec.get("bootstrap", {}).get("initdb", {})
        if not initdb.get("database") or not initdb.get("owner"):
            problems.append(f"{where}: spec.bootstrap.initdb needs database and owner")
        unknown = set(spec) - {
            "instances",
            "imageName",
            "primaryUpdateStrategy",
            "primaryUpdateMethod",
            "bootstrap",
            "storage",
            "walStorage",
            "resources",
            "postgresql",
            "affinity",
            "enablePDB",
            "monitoring",
            "backup",
            "managed",
        }
        if unknown:
            problems.append(f"{where}: unknown spec fields {sorted(unknown)}")
    elif obj["kind"] == "PodMonitor":
        problems += _check_pod_monitor_fields(where, spec)
    elif obj["kind"] == "PrometheusRule":
        problems += _check_prometheus_rule_fields(where, spec)
    return problems


_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
_POD_MONITOR_FIELDS = {
    "jobLabel",
    "podTargetLabels",
    "selector",
    "namespaceSelector",
    "podMetricsEndpoints",
    "sampleLimit",
    "targetLimit",
    "labelLimit",
    "attachMetadata",
}
_POD_METRICS_ENDPOINT_FIELDS = {
    "port",
    "portNumber",
    "targetPort",
    "path",
    "scheme",
    "params",
    "interval",
    "scrapeTimeout",
    "honorLabels",
    "honorTimestamps",
    "relabelings",
    "metricRelabelings",
    "enableHttp2",
    "followRedirects",
    "filterRunning",
}
_RULE_FIELDS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _check_pod_monitor_fields(where: str, spec: Obj) -> list[str]:
    """The fields of monitoring.coreos.com/v1 PodMonitor these manifests rely on."""
    problems = []
    unknown = set(spec) - _POD_MONITOR_FIELDS
    if unknown:
        problems.append(f"{where}: unknown spec fields {sorted(unknown)}")
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        problems.append(f"{where}: spec.selector must be a non-empty label selector")
    labels = spec.get("podTargetLabels", [])
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        problems.append(f"{where}: spec.podTargetLabels must be a list of label names")
    endpoints = spec.get("podMetricsEndpoints")
    if not isinstance(endpoints, list) or not endpoints:
        problems.append(f"{where}: spec.podMetricsEndpoints must be a non-empty list")
        return problems
    for index, endpoint in enumerate(endpoints):
        here = f"{where}: podMetricsEndpoints[{index}]"
        if not isinstance(endpoint, dict):
            problems.append(f"{here} must be an object")
            continue
        unknown = set(endpoint) - _POD_METRICS_ENDPOINT_FIELDS
        if unknown:
            problems.append(f"{here}: unknown fields {sorted(unknown)}")
        if not isinstance(endpoint.get("port"), str) or not endpoint["port"]:
            problems.append(f"{here}: port must name a container port")
        if not str(endpoint.get("path", "/metrics")).startswith("/"):
            problems.append(f"{here}: path must start with /")
        for key in ("interval", "scrapeTimeout"):
            if key in endpoint and not _DURATION.match(str(endpoint[key])):
                problems.append(f"{here}: {key} {endpoint[key]!r} is not a duration")
    return problems


def _check_prometheus_rule_fields(where: str, spec: Obj) -> list[str]:
    """The fields of monitoring.coreos.com/v1 PrometheusRule (Prometheus rule files)."""
    problems = []
    unknown = set(spec) - {"groups"}
    if unknown:
        problems.append(f"{where}: unknown spec fields {sorted(unknown)}")
    groups = spec.get("groups")
    if not isinstance(groups, list) or not groups:
        return [*problems, f"{where}: spec.groups must be a non-empty list"]
    group_names = [group.get("name") for group in groups if isinstance(group, dict)]
    if len(group_names) != len(set(group_names)) or len(group_names) != len(groups):
        problems.append(f"{where}: every group needs a name, unique in the rule")
    for group in groups:
        if not isinstance(group, dict):
            continue
        unknown = set(group) - {"name", "interval", "rules", "partial_response_strategy", "limit"}
        if unknown:
            problems.append(f"{where}: group {group.get('name')}: unknown fields {sorted(unknown)}")
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            problems.append(f"{where}: group {group.get('name')} has no rules")
            continue
        for rule in rules:
            name = rule.get("alert") or rule.get("record")
            here = f"{where}: rule {name}"
            unknown = set(rule) - _RULE_FIELDS
            if unknown:
                problems.append(f"{here}: unknown fields {sorted(unknown)}")
            if ("alert" in rule) == ("record" in rule):
                problems.append(f"{here}: needs exactly one of alert/record")
            if not isinstance(rule.get("expr"), str) or not rule["expr"].strip():
                problems.append(f"{here}: expr must be a non-empty string")
            if "for" in rule and not _DURATION.match(str(rule["for"])):
                problems.append(f"{here}: for {rule['for']!r} is not a duration")
            for key in ("labels", "annotations"):
                if key in rule and not _string_map(rule[key]):
                    problems.append(f"{here}: {key} must map strings to strings")
    return problems


def check_workload_selectors(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in workloads(objects):
        if obj["kind"] == "Pod":
            continue
        selector = obj["spec"].get("selector") or {}
        if not selector.get("matchLabels") or selector.get("matchExpressions"):
            problems.append(f"{name_of(obj)}: selector must be non-empty matchLabels only")
        elif not selector_matches(selector, template_labels(obj)):
            problems.append(f"{name_of(obj)}: selector does not match its pod template labels")
    return problems


def check_service_selectors(objects: list[Obj]) -> list[str]:
    problems = []
    for service in of_kind(objects, "Service"):
        selector = service["spec"].get("selector")
        if not selector:
            problems.append(f"{name_of(service)}: has no selector")
            continue
        if not matching_workloads(objects, namespace_of(service), {"matchLabels": selector}):
            problems.append(f"{name_of(service)}: selector {selector} matches no pod template")
    return problems


def check_service_ports(objects: list[Obj]) -> list[str]:
    problems = []
    for service in of_kind(objects, "Service"):
        selector = {"matchLabels": service["spec"].get("selector") or {}}
        for target in matching_workloads(objects, namespace_of(service), selector):
            ports: dict[str, int] = {}
            for container in pod_spec(target)["containers"]:  # type: ignore[index]
                ports.update(container_ports(container))
            for port in service["spec"].get("ports", []):
                target_port = str(port.get("targetPort", port["port"]))
                if target_port not in ports:
                    problems.append(
                        f"{name_of(service)}: targetPort {target_port} is not a container "
                        f"port of {name_of(target)} ({sorted(ports)})"
                    )
    return problems


def _references(objects: list[Obj]) -> Iterator[tuple[str, str, str, str | None]]:
    """(where, 'ConfigMap' or 'Secret', name, key or None) for everything pods reference."""
    for obj in workloads(objects):
        spec = pod_spec(obj)
        assert spec is not None
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            where = f"{name_of(obj)} container {container['name']}"
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    yield where, "ConfigMap", source["configMapRef"]["name"], None
                if "secretRef" in source:
                    yield where, "Secret", source["secretRef"]["name"], None
            for env in container.get("env", []):
                value_from = env.get("valueFrom", {})
                if "configMapKeyRef" in value_from:
                    ref = value_from["configMapKeyRef"]
                    yield where, "ConfigMap", ref["name"], ref["key"]
                if "secretKeyRef" in value_from:
                    ref = value_from["secretKeyRef"]
                    yield where, "Secret", ref["name"], ref["key"]
        for volume in spec.get("volumes", []):
            where = f"{name_of(obj)} volume {volume['name']}"
            sources = [volume, *volume.get("projected", {}).get("sources", [])]
            for source in sources:
                if "configMap" in source:
                    ref = source["configMap"]
                    keys = [item["key"] for item in ref.get("items", [])] or [None]
                    for key in keys:
                        yield where, "ConfigMap", ref["name"], key
                if "secret" in source:
                    ref = source["secret"]
                    secret_name = ref.get("secretName", ref.get("name"))
                    keys = [item["key"] for item in ref.get("items", [])] or [None]
                    for key in keys:
                        yield where, "Secret", secret_name, key
    for ingress in of_kind(objects, "Ingress"):
        for tls in ingress["spec"].get("tls", []):
            if "secretName" in tls:
                yield name_of(ingress), "Secret", tls["secretName"], None


def check_config_references(objects: list[Obj], documented: set[tuple[str, str]]) -> list[str]:
    """Every ConfigMap/Secret (and key) a pod or Ingress uses is defined in the manifests
    or listed in docs/operations.md as one that ops (or an operator) provide; and every
    documented Secret is used, so the list never goes stale."""
    problems = []
    defined: dict[tuple[str, str], set[str]] = {}
    for obj in objects:
        if obj["kind"] in ("ConfigMap", "Secret"):
            keys = set(obj.get("data", {})) | set(obj.get("stringData", {}))
            keys |= set(obj.get("binaryData", {}))
            defined[(obj["kind"], obj["metadata"]["name"])] = keys
    documented_names = {name for name, _ in documented}
    used: set[str] = set()
    for where, kind, name, key in _references(objects):
        used.add(name)
        if (kind, name) in defined:
            if key is not None and key not in defined[(kind, name)]:
                problems.append(f"{where}: {kind} {name} has no key {key!r}")
            continue
        if kind == "Secret" and name in documented_names:
            if key is not None and (name, key) not in documented:
                problems.append(f"{where}: Secret {name} key {key!r} is not documented")
            continue
        problems.append(f"{where}: {kind} {name} is neither defined nor documented")
    for name in sorted(documented_names - used):
        problems.append(f"docs list Secret {name}, which nothing uses")
    return problems


def dockerfile_for(image: str, repo_root: Path = REPO_ROOT) -> Path | None:
    name, _, _ = split_image(image)
    if not name.startswith(IMAGE_PREFIX):
        return None
    short = name[len(IMAGE_PREFIX) :]
    for candidate in (
        repo_root / "services" / short / "Dockerfile",
        repo_root / short / "Dockerfile",
    ):
        if candidate.is_file():
            return candidate
    return None


def exposed_ports(dockerfile: Path) -> set[int]:
    ports: set[int] = set()
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*EXPOSE\s+(.+)", line, re.IGNORECASE)
        if match:
            ports.update(int(port.split("/")[0]) for port in match.group(1).split())
    return ports


def check_images(objects: list[Obj], repo_root: Path = REPO_ROOT) -> list[str]:
    """Every image is ours, has a Dockerfile in the repo that EXPOSEs the container's
    ports, and carries an explicit tag other than latest."""
    problems = []
    for obj, container in iter_containers(objects):
        where = f"{name_of(obj)} container {container['name']}"
        image = container["image"]
        dockerfile = dockerfile_for(image, repo_root)
        if dockerfile is None:
            problems.append(f"{where}: image {image} has no Dockerfile in the repository")
            continue
        _, tag, digest = split_image(image)
        if digest is None and tag in (None, "latest"):
            problems.append(f"{where}: image {image} needs a pinned tag")
        missing = {p["containerPort"] for p in container.get("ports", [])} - exposed_ports(
            dockerfile
        )
        if missing:
            problems.append(f"{where}: {dockerfile.name} does not EXPOSE {sorted(missing)}")
    return problems


def check_ingress_backends(objects: list[Obj]) -> list[str]:
    problems = []
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                service = find(objects, "Service", backend["name"])
                where = f"{name_of(ingress)} path {path['path']}"
                if service is None or namespace_of(service) != namespace_of(ingress):
                    problems.append(f"{where}: Service {backend['name']} does not exist")
                    continue
                port = backend["port"]
                names = {p.get("name") for p in service["spec"]["ports"]}
                numbers = {p["port"] for p in service["spec"]["ports"]}
                if port.get("name") not in names and port.get("number") not in numbers:
                    problems.append(f"{where}: Service {backend['name']} has no port {port}")
    return problems


def check_disruption_and_scaling(objects: list[Obj]) -> list[str]:
    """PDBs select pods of some Deployment; every Deployment has a PDB; HPAs target an
    existing Deployment that leaves its replica count to them."""
    problems = []
    covered: set[str] = set()
    for pdb in of_kind(objects, "PodDisruptionBudget"):
        targets = matching_workloads(objects, namespace_of(pdb), pdb["spec"].get("selector"))
        if not targets:
            problems.append(f"{name_of(pdb)}: selects no pods")
        covered.update(name_of(target) for target in targets)
    for deployment in of_kind(objects, "Deployment"):
        if name_of(deployment) not in covered:
            problems.append(f"{name_of(deployment)}: no PodDisruptionBudget")
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = find(objects, ref["kind"], ref["name"])
        if target is None or namespace_of(target) != namespace_of(hpa):
            problems.append(f"{name_of(hpa)}: target {ref['kind']}/{ref['name']} does not exist")
        elif "replicas" in target["spec"]:
            problems.append(f"{name_of(hpa)}: {name_of(target)} sets replicas; let the HPA")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            problems.append(f"{name_of(hpa)}: minReplicas > maxReplicas")
    return problems


def _effective(container: Obj, pod: Obj, key: str) -> Any:
    value = container.get("securityContext", {}).get(key)
    return pod.get("securityContext", {}).get(key) if value is None else value


def check_pod_hardening(objects: list[Obj]) -> list[str]:
    """Probes, resources and the restricted security context on every container."""
    problems = []
    accounts = {
        sa["metadata"]["name"]: sa.get("automountServiceAccountToken")
        for sa in of_kind(objects, "ServiceAccount")
    }
    for obj in workloads(objects):
        spec = pod_spec(obj)
        assert spec is not None
        where = name_of(obj)
        account = spec.get("serviceAccountName")
        if account not in accounts:
            problems.append(f"{where}: serviceAccountName {account!r} is not defined")
        elif accounts[account] is not False:
            problems.append(f"{where}: ServiceAccount {account} mounts its token")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: automountServiceAccountToken must be false")
        if spec.get("enableServiceLinks") is not False:
            # AUTH_PORT=tcp://... from the Service auth would override the auth port.
            problems.append(f"{where}: enableServiceLinks must be false")
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            here = f"{where} container {container['name']}"
            ports = container_ports(container)
            for probe_name in ("livenessProbe", "readinessProbe"):
                probe = container.get(probe_name)
                if not probe:
                    problems.append(f"{here}: no {probe_name}")
                    continue
                port = str((probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port"))
                if port not in ports:
                    problems.append(f"{here}: {probe_name} port {port} is not a container port")
            resources = container.get("resources", {})
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(section, {}):
                        problems.append(f"{here}: resources.{section}.{resource} missing")
            if _effective(container, spec, "runAsNonRoot") is not True:
                problems.append(f"{here}: runAsNonRoot must be true")
            context = container.get("securityContext", {})
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{here}: readOnlyRootFilesystem must be true")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{here}: allowPrivilegeEscalation must be false")
            if "ALL" not in context.get("capabilities", {}).get("drop", []):
                problems.append(f"{here}: capabilities must drop ALL")
            if context.get("capabilities", {}).get("add"):
                problems.append(f"{here}: adds capabilities")
            seccomp = _effective(container, spec, "seccompProfile") or {}
            if seccomp.get("type") != "RuntimeDefault":
                problems.append(f"{here}: seccompProfile must be RuntimeDefault")
            mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}
            for mount in mounts.values():
                if mount["name"] not in volumes:
                    problems.append(f"{here}: mounts undefined volume {mount['name']}")
            tmp = mounts.get("/tmp")
            if tmp is None or "emptyDir" not in volumes.get(tmp["name"], {}):
                problems.append(f"{here}: /tmp must be an emptyDir (read-only root)")
    return problems


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class Peer:
    """A pod that may send or receive traffic, ours or someone else's."""

    name: str
    namespace: str
    labels: dict[str, str] = field(hash=False)
    ports: dict[str, int] = field(hash=False, default_factory=dict)
    ours: bool = True  # in the rendered namespace, so our policies apply to it


INGRESS_CONTROLLER_NS = "ingress-nginx"
MONITORING_NS = "monitoring"


def network_peers(objects: list[Obj]) -> list[Peer]:
    """Our pods (from the workloads and operator resources) and the outsiders that matter."""
    namespace = next(namespace_of(obj) for obj in workloads(objects))
    peers = []
    for obj in workloads(objects):
        ports: dict[str, int] = {}
        for container in pod_spec(obj)["containers"]:  # type: ignore[index]
            ports.update(container_ports(container))
        peers.append(Peer(obj["metadata"]["name"], namespace, template_labels(obj), ports))
    # Two pods per operator-run cluster, so traffic between its members is checked too;
    # the labels are the ones the operators put on their pods.
    for obj in objects:
        name = obj["metadata"]["name"]
        for index in (0, 1):
            if obj["kind"] == "RabbitmqCluster":
                labels = {
                    "app.kubernetes.io/name": name,
                    "app.kubernetes.io/component": "rabbitmq",
                    "app.kubernetes.io/part-of": "rabbitmq",
                }
                ports = {
                    "amqp": 5672,
                    "management": 15672,
                    "prometheus": 15692,
                    "epmd": 4369,
                    "cluster-links": 25672,
                }
                peers.append(Peer(f"{name}-{index}", namespace, labels, ports))
            if obj["kind"] == "Cluster":
                labels = {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}
                ports = {"postgresql": 5432, "status": 8000, "metrics": 9187}
                peers.append(Peer(f"{name}-{index}", namespace, labels, ports))
    peers += [
        Peer("stranger", namespace, {"app": "stranger"}, {"http": 8080}),
        Peer(
            "ingress-controller",
            INGRESS_CONTROLLER_NS,
            {"app.kubernetes.io/name": "ingress-nginx"},
            {"http": 80},
            ours=False,
        ),
        Peer("rabbitmq-operator", "rabbitmq-system", {"app": "operator"}, ours=False),
        Peer(
            "prometheus",
            MONITORING_NS,
            {"app.kubernetes.io/name": "prometheus"},
            {"web": 9090},
            ours=False,
        ),
        # Something else in the monitoring namespace (Grafana, Alertmanager...).
        Peer("monitoring-other", MONITORING_NS, {"app.kubernetes.io/name": "grafana"}, ours=False),
        Peer("cnpg-operator", "cnpg-system", {"app": "operator"}, ours=False),
        Peer("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, {"dns": 53}, ours=False),
        Peer("elsewhere", "default", {"app": "stranger"}, {"http": 8080}, ours=False),
    ]
    return peers


def _peer_matches(rule_peer: Obj, policy_ns: str, peer: Peer) -> bool:
    if "ipBlock" in rule_peer:
        return False  # no ipBlock rules here; pods are not matched by them in this model
    namespace_selector = rule_peer.get("namespaceSelector")
    if namespace_selector is None:
        namespace_ok = peer.namespace == policy_ns
    else:
        namespace_ok = selector_matches(
            namespace_selector, {"kubernetes.io/metadata.name": peer.namespace}
        )
    pod_selector = rule_peer.get("podSelector", {})
    return namespace_ok and selector_matches(pod_selector, peer.labels)


def _port_matches(rule: Obj, destination: Peer, port: int) -> bool:
    ports = rule.get("ports")
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        number = destination.ports.get(wanted) if isinstance(wanted, str) else wanted
        if number is not None and number <= port <= entry.get("endPort", number):
            return True
    return False


def _policy_types(policy: Obj) -> list[str]:
    spec = policy["spec"]
    if "policyTypes" in spec:
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def allowed(objects: list[Obj], source: Peer, destination: Peer, port: int) -> bool:
    """Whether the NetworkPolicies let ``source`` open ``port`` on ``destination``."""
    policies = of_kind(objects, "NetworkPolicy")

    def selecting(peer: Peer, direction: str) -> list[Obj]:
        return [
            policy
            for policy in policies
            if peer.ours
            and namespace_of(policy) == peer.namespace
            and direction in _policy_types(policy)
            and selector_matches(policy["spec"]["podSelector"], peer.labels)
        ]

    egress_policies = selecting(source, "Egress")
    if egress_policies and not any(
        (
            not rule.get("to")
            or any(_peer_matches(p, namespace_of(pol), destination) for p in rule["to"])
        )
        and _port_matches(rule, destination, port)
        for pol in egress_policies
        for rule in pol["spec"].get("egress", [])
    ):
        return False
    ingress_policies = selecting(destination, "Ingress")
    return not ingress_policies or any(
        (
            not rule.get("from")
            or any(_peer_matches(p, namespace_of(pol), source) for p in rule["from"])
        )
        and _port_matches(rule, destination, port)
        for pol in ingress_policies
        for rule in pol["spec"].get("ingress", [])
    )


def connectivity(objects: list[Obj]) -> set[tuple[str, str, int]]:
    """Every (source, destination, port) the policies allow, between the peers of
    ``network_peers`` where at least one side is ours."""
    peers = network_peers(objects)
    edges = set()
    for source in peers:
        for destination in peers:
            if source is destination or not (source.ours or destination.ours):
                continue
            for port in sorted(set(destination.ports.values())):
                if allowed(objects, source, destination, port):
                    edges.add((source.name, destination.name, port))
    return edges


def check_network_policies(objects: list[Obj], expected: set[tuple[str, str, int]]) -> list[str]:
    problems = []
    default_deny = [
        policy
        for policy in of_kind(objects, "NetworkPolicy")
        if policy["spec"]["podSelector"] == {}
        and set(_policy_types(policy)) == {"Ingress", "Egress"}
        and not policy["spec"].get("ingress")
        and not policy["spec"].get("egress")
    ]
    if not default_deny:
        problems.append("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress)")
    actual = connectivity(objects)
    for edge in sorted(actual - expected):
        problems.append(f"allowed but should not be: {edge[0]} -> {edge[1]}:{edge[2]}")
    for edge in sorted(expected - actual):
        problems.append(f"needed but blocked: {edge[0]} -> {edge[1]}:{edge[2]}")
    return problems


# --------------------------------------------------------------------------- monitoring

# The documentation every alert's runbook_url points into: <anything>/docs/operations.md
# followed by the anchor of the alert's own section.
RUNBOOK_DOC = "docs/operations.md"
ALERT_SEVERITIES = {"critical", "warning"}
# Labels Prometheus puts on every scraped series of a PodMonitor target, besides the
# pod labels named in its podTargetLabels.
SCRAPE_TARGET_LABELS = {"namespace", "pod", "job", "instance", "container", "endpoint"}
# Series Prometheus makes itself for every target.
PROMETHEUS_SERIES = {
    "up": (),
    "scrape_duration_seconds": (),
    "scrape_samples_scraped": (),
}


def service_workloads(objects: list[Obj], repo_root: Path = REPO_ROOT) -> list[Obj]:
    """The workloads running one of our Python services (image built from
    services/<name>/Dockerfile): the ones that serve /healthz, /readyz and /metrics."""
    found = []
    for obj in workloads(objects):
        containers = pod_spec(obj)["containers"]  # type: ignore[index]
        dockerfiles = [dockerfile_for(c["image"], repo_root) for c in containers]
        if any(d is not None and d.parent.parent.name == "services" for d in dockerfiles):
            found.append(obj)
    return found


def prometheus_label_name(label: str) -> str:
    """A Kubernetes label as Prometheus (and the operator's podTargetLabels) spell it."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def alert_rules(objects: Iterable[Obj]) -> list[Obj]:
    return [
        rule
        for prometheus_rule in of_kind(objects, "PrometheusRule")
        for group in prometheus_rule["spec"].get("groups", [])
        for rule in group.get("rules", [])
        if "alert" in rule
    ]


def runbook_anchor(alert: str) -> str:
    """The anchor GitHub gives the heading ``### <alert>``."""
    return heading_anchor(alert)


def scrape_jobs(objects: list[Obj]) -> dict[str, str]:
    """{job name: PodMonitor} for every pod the PodMonitors select (job = the value of
    the pod label named by jobLabel, else <namespace>/<PodMonitor name>)."""
    jobs: dict[str, str] = {}
    for monitor in of_kind(objects, "PodMonitor"):
        spec = monitor["spec"]
        for target in matching_workloads(objects, namespace_of(monitor), spec["selector"]):
            label = spec.get("jobLabel")
            job = template_labels(target).get(label) if label else None
            jobs[job or f"{namespace_of(monitor)}/{monitor['metadata']['name']}"] = name_of(monitor)
    return jobs


def check_monitoring(objects: list[Obj], repo_root: Path = REPO_ROOT) -> list[str]:
    """PodMonitors scrape /metrics on a named port of exactly the service pods (each
    once); alert rules carry severity, summary, description and a runbook link to
    their own section of the operations doc; their `job` matchers name real jobs."""
    problems = []
    services = {name_of(obj) for obj in service_workloads(objects, repo_root)}
    scraped: dict[str, list[str]] = {}
    for monitor in of_kind(objects, "PodMonitor"):
        where = name_of(monitor)
        spec = monitor["spec"]
        if "namespaceSelector" in spec:
            problems.append(f"{where}: namespaceSelector: select pods of its own namespace only")
        targets = matching_workloads(objects, namespace_of(monitor), spec.get("selector"))
        if not targets:
            problems.append(f"{where}: selector matches no pod template")
        for target in targets:
            scraped.setdefault(name_of(target), []).append(where)
            if name_of(target) not in services:
                problems.append(f"{where}: selects {name_of(target)}, which serves no /metrics")
            ports: dict[str, int] = {}
            for container in pod_spec(target)["containers"]:  # type: ignore[index]
                ports.update(container_ports(container))
            job_label = spec.get("jobLabel")
            if job_label and job_label not in template_labels(target):
                problems.append(f"{where}: jobLabel {job_label} is no label of {name_of(target)}")
            for endpoint in spec.get("podMetricsEndpoints", []):
                port = endpoint.get("port")
                if port not in ports or port.isdigit():
                    problems.append(
                        f"{where}: port {port} is not a named container port of "
                        f"{name_of(target)} ({sorted(p for p in ports if not p.isdigit())})"
                    )
                if endpoint.get("path", "/metrics") != "/metrics":
                    problems.append(f"{where}: path {endpoint.get('path')} is not /metrics")
    for service in sorted(services):
        if len(scraped.get(service, [])) != 1:
            problems.append(f"{service}: scraped by {len(scraped.get(service, []))} PodMonitors")

    jobs = scrape_jobs(objects)
    names = [rule["alert"] for rule in alert_rules(objects)]
    for duplicate in sorted({name for name in names if names.count(name) > 1}):
        problems.append(f"alert {duplicate} is defined twice")
    for rule in alert_rules(objects):
        where = f"alert {rule['alert']}"
        if not rule["alert"].startswith("Mythos"):
            problems.append(f"{where}: alert names start with Mythos")
        if rule.get("labels", {}).get("severity") not in ALERT_SEVERITIES:
            problems.append(f"{where}: labels.severity must be one of {sorted(ALERT_SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key):
                problems.append(f"{where}: annotation {key} is missing")
        url = annotations.get("runbook_url", "")
        expected = f"{RUNBOOK_DOC}#{runbook_anchor(rule['alert'])}"
        if url and not (url.startswith("https://") and url.endswith("/" + expected)):
            problems.append(f"{where}: runbook_url {url} must end with /{expected}")
        for _, matchers in promql_selectors(rule["expr"]):
            for label, operator, value in matchers:
                if label != "job" or operator not in ("=", "=~"):
                    continue
                for job in value.split("|") if operator == "=~" else [value]:
                    if job not in jobs:
                        problems.append(f"{where}: job {job!r} is no scrape job ({sorted(jobs)})")
    return problems


# PromQL, as far as the alert expressions need: which series each one selects.
_PROMQL_KEYWORDS = {
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
}
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\()(?![\w:])")


def promql_selectors(expr: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(metric name, [(label, operator, value)...])] for every series selector in
    ``expr``; a selector without a metric name (``{job="x"}``) has name ""."""
    found: list[tuple[str, list[tuple[str, str, str]]]] = []

    def selector(match: re.Match[str]) -> str:
        found.append((match.group(1) or "", _MATCHER.findall(match.group(2))))
        return " "

    rest = _SELECTOR.sub(selector, expr)
    rest = re.sub(r"\[[^\]]*\]", " ", rest)  # range and subquery durations
    rest = _GROUPING.sub(" ", rest)
    for name in _IDENTIFIER.findall(rest):
        if name.lower() not in _PROMQL_KEYWORDS:
            found.append((name, []))
    return found


def check_alert_metrics(objects: list[Obj], catalogue: dict[str, tuple[str, ...]]) -> list[str]:
    """Every series an alert selects is a metric some service defines (``catalogue``:
    exposed sample name -> its label names) or one Prometheus makes itself, and every
    label it matches on is one of that metric's labels or a scrape target label."""
    target_labels = set(SCRAPE_TARGET_LABELS)
    monitors = of_kind(objects, "PodMonitor")
    if monitors:
        target_labels |= set.intersection(
            *(
                {prometheus_label_name(label) for label in m["spec"].get("podTargetLabels", [])}
                for m in monitors
            )
        )
    known = {**catalogue, **PROMETHEUS_SERIES}
    problems = []
    for rule in alert_rules(objects):
        selectors = promql_selectors(rule["expr"])
        if not any(name for name, _ in selectors):
            problems.append(f"alert {rule['alert']}: names no metric")
        for name, matchers in selectors:
            if name not in known:
                problems.append(f"alert {rule['alert']}: no service defines metric {name!r}")
                continue
            labels = set(known[name]) | target_labels
            for label, _, _ in matchers:
                if label not in labels:
                    problems.append(
                        f"alert {rule['alert']}: {name} has no label {label!r} "
                        f"({sorted(known[name])} besides the target labels)"
                    )
    return problems


# --------------------------------------------------------------------------- metrics

SERVICE_SOURCES = REPO_ROOT / "services"
SHARED_METRIC_MODULES = ("mythos_contracts.ops.metrics",)
_SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
}


@dataclass(frozen=True)
class Metric:
    """One metric family as Prometheus scrapes it."""

    name: str  # as documented and queried: counters with _total, others as declared
    type: str
    labels: tuple[str, ...]
    samples: tuple[str, ...]  # every sample name the exposition carries


def metric_modules(root: Path = SERVICE_SOURCES) -> dict[str, list[str]]:
    """{service directory: [dotted module names of its metrics.py files]}."""
    modules: dict[str, list[str]] = {}
    for service in sorted(path for path in root.iterdir() if (path / "src").is_dir()):
        found = modules.setdefault(service.name, [])
        for path in sorted((service / "src").rglob("metrics.py")):
            parts = path.relative_to(service / "src").with_suffix("").parts
            found.append(".".join(parts))
    return modules


def service_metrics(root: Path = SERVICE_SOURCES) -> tuple[dict[str, Metric], list[str]]:
    """Import the shared metrics module and every service's metrics.py (wherever in
    its package it lives), then read what they registered with prometheus_client's
    default registry. Returns the ``mythos_*`` metrics by name, and the problems
    (a service without a metrics module, a module that does not import)."""
    import importlib

    from prometheus_client import REGISTRY

    problems = []
    names = list(SHARED_METRIC_MODULES)
    for service, modules in metric_modules(root).items():
        if not modules:
            problems.append(f"services/{service} has no metrics.py module (yet)")
        names += modules
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # report, then check what did import
            problems.append(f"{name} does not import: {type(exc).__name__}: {exc}")
    metrics: dict[str, Metric] = {}
    # The registry keeps no public list of its collectors; every sample name maps to one.
    collectors = set(REGISTRY._names_to_collectors.values())
    for collector in collectors:
        describe = getattr(collector, "describe", None)
        families = describe() if describe is not None else collector.collect()
        labels = tuple(getattr(collector, "_labelnames", ()))
        for family in families:
            if not family.name.startswith("mythos_"):
                continue
            suffixes = _SAMPLE_SUFFIXES.get(family.type, ("",))
            name = family.name + ("_total" if family.type == "counter" else "")
            samples = tuple(family.name + suffix for suffix in suffixes)
            metrics[name] = Metric(name, family.type, labels, samples)
    return metrics, problems


def sample_catalogue(metrics: dict[str, Metric]) -> dict[str, tuple[str, ...]]:
    """Every sample name the services expose -> the labels it carries."""
    catalogue: dict[str, tuple[str, ...]] = {}
    for metric in metrics.values():
        for sample in metric.samples:
            extra = ("le",) if sample.endswith("_bucket") and metric.type == "histogram" else ()
            catalogue[sample] = metric.labels + extra
    return catalogue


# --------------------------------------------------------------------------- docs (ops)


def heading_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading's text."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def doc_sections(doc: Path = OPERATIONS_DOC) -> list[tuple[int, str, list[str]]]:
    """[(heading level, heading text, lines until the next heading)] outside code blocks."""
    sections: list[tuple[int, str, list[str]]] = [(0, "", [])]
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match:
            sections.append((len(match.group(1)), match.group(2), []))
        else:
            sections[-1][2].append(line)
    return sections


def doc_anchors(doc: Path = OPERATIONS_DOC) -> set[str]:
    return {heading_anchor(text) for level, text, _ in doc_sections(doc) if level}


def alert_headings(doc: Path = OPERATIONS_DOC) -> list[str]:
    """The ``### `` headings under ``## Alerts``."""
    found, inside = [], False
    for level, text, _ in doc_sections(doc):
        if level == 2:
            inside = text.strip().lower() == "alerts"
        elif level == 3 and inside:
            found.append(text.strip())
    return found


@dataclass(frozen=True)
class DocumentedMetric:
    name: str
    type: str
    labels: tuple[str, ...]


def documented_metrics(doc: Path = OPERATIONS_DOC) -> list[DocumentedMetric]:
    """Rows of the tables under ``## Metrics`` (and its subsections) whose first cell is
    one metric name in backticks: | `name` | type | `label`, `label` or - | meaning |."""
    found, inside = [], False
    for level, text, lines in doc_sections(doc):
        if level == 2:
            inside = text.strip().lower() == "metrics"
        if not inside:
            continue
        for line in lines:
            if not line.startswith("|"):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            name = re.fullmatch(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)`", cells[0])
            if name is None or len(cells) < 3:
                continue
            labels = tuple(sorted(re.findall(r"`([^`]+)`", cells[2])))
            found.append(DocumentedMetric(name.group(1), cells[1].strip().lower(), labels))
    return found
