"""What the NetworkPolicies let through, worked out from the rendered objects (no
cluster here to ask), and the check that it is exactly what the architecture needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from k8s_support import (
    Obj,
    container_ports,
    namespace_of,
    of_kind,
    pod_spec,
    selector_matches,
    template_labels,
    workloads,
)

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
