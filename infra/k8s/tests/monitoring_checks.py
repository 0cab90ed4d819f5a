"""PodMonitors, alerts and the metrics catalogue the services register, and the
operations doc that must list them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from k8s_support import (
    OPERATIONS_DOC,
    REPO_ROOT,
    Obj,
    container_ports,
    matching_workloads,
    name_of,
    namespace_of,
    of_kind,
    pod_spec,
    template_labels,
    workloads,
)
from manifest_checks import dockerfile_for

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
