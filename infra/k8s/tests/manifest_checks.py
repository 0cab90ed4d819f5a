"""Checks of the rendered manifests that no offline tool makes: the Kubernetes
schemas (through kubernetes-validate), the operators' resources, how objects refer
to each other, images, disruption budgets and pod hardening. Each returns a list of
problems, empty when all is well."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from k8s_support import (
    IMAGE_PREFIX,
    OPERATOR_KINDS,
    REPO_ROOT,
    TOPOLOGY_KINDS,
    Obj,
    container_ports,
    find,
    iter_containers,
    matching_workloads,
    name_of,
    namespace_of,
    of_kind,
    pod_spec,
    selector_matches,
    split_image,
    template_labels,
    workloads,
)

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
    elif obj["kind"] in TOPOLOGY_KINDS:
        if spec.get("rabbitmqClusterReference") != {"name": "mythos-rabbitmq"}:
            problems.append(f"{where}: spec.rabbitmqClusterReference must name mythos-rabbitmq")
        allowed = TOPOLOGY_KINDS[obj["kind"]] | {"rabbitmqClusterReference"}
        required = TOPOLOGY_KINDS[obj["kind"]] - {"arguments", "tags"}
        if set(spec) - allowed:
            problems.append(f"{where}: unknown spec fields {sorted(set(spec) - allowed)}")
        if required - set(spec):
            problems.append(f"{where}: missing spec fields {sorted(required - set(spec))}")
    elif obj["kind"] == "PodMonitor":
        problems += _check_pod_monitor_fields(where, spec)
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
    for user in of_kind(objects, "User"):
        # The operator reads the broker user's credentials from this Secret.
        secret = user["spec"].get("importCredentialsSecret", {}).get("name")
        if secret:
            for key in ("username", "password"):
                yield f"User {name_of(user)}", "Secret", secret, key
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
