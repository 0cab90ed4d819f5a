"""Alerts, metrics and their documentation cannot drift apart.

The metric names are not copied anywhere: the test imports the shared bus metrics and
every ``metrics.py`` module of the four services (wherever it lives in its package) and
reads what they registered with prometheus_client. Against that:

* every series an alert in the PrometheusRule selects exists, with the labels it
  matches on;
* every alert has its ``### <AlertName>`` section under "Alerts" in
  docs/operations.md, which its runbook_url points at;
* the metrics table in docs/operations.md lists exactly the services' metrics, with
  their types and labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import k8s_support as k8s
import pytest


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return k8s.render(k8s.K8S_DIR / "overlays" / "prod")


@pytest.fixture(scope="module")
def metrics() -> tuple[dict[str, Any], list[str]]:
    return k8s.service_metrics()


# ------------------------------------------------------------------- the catalogue


def test_every_service_defines_its_metrics(metrics: tuple[dict[str, Any], list[str]]) -> None:
    """Each of the four services has a metrics.py that imports; fails (naming the
    service) while a service's metrics module has not landed yet."""
    found, problems = metrics
    assert problems == []
    prefixes = {name.split("_")[1] for name in found}
    assert {"bus", "auth", "edge", "game", "persistence"} <= prefixes


def test_the_catalogue_is_read_from_every_metrics_module(tmp_path: Path) -> None:
    service = tmp_path / "svc" / "src" / "mythos_svc" / "adapters"
    service.mkdir(parents=True)
    (service / "metrics.py").write_text("")
    (tmp_path / "empty" / "src" / "mythos_empty").mkdir(parents=True)
    (tmp_path / "not-a-service").mkdir()
    assert k8s.metric_modules(tmp_path) == {
        "empty": [],
        "svc": ["mythos_svc.adapters.metrics"],
    }


# ------------------------------------------------------------------------ alerts


def test_alerts_select_only_metrics_the_services_define(
    objects: list[dict[str, Any]], metrics: tuple[dict[str, Any], list[str]]
) -> None:
    catalogue = k8s.sample_catalogue(metrics[0])
    assert k8s.check_alert_metrics(objects, catalogue) == []


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("mythos_bus_conected == 0", "no service defines metric 'mythos_bus_conected'"),
        (
            "increase(mythos_bus_published[5m]) > 0",  # the counter is ..._total
            "no service defines metric 'mythos_bus_published'",
        ),
        (
            'sum(rate(mythos_game_commands_total{result="error"}[5m])) > 0',
            "mythos_game_commands_total has no label 'result'",
        ),
        ('up{app_kubernetes_io_name="x"} == 0', "up has no label 'app_kubernetes_io_name'"),
        ("vector(1) > 0", "names no metric"),
    ],
)
def test_a_wrong_alert_expression_is_caught(
    objects: list[dict[str, Any]],
    metrics: tuple[dict[str, Any], list[str]],
    expr: str,
    expected: str,
) -> None:
    broken = [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": "broken"},
            "spec": {"groups": [{"name": "g", "rules": [{"alert": "MythosBroken", "expr": expr}]}]},
        },
        *k8s.of_kind(objects, "PodMonitor"),
    ]
    problems = k8s.check_alert_metrics(broken, k8s.sample_catalogue(metrics[0]))
    assert any(expected in problem for problem in problems), problems


def test_promql_selectors_finds_metrics_and_matchers() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (namespace, le) (rate(a_seconds_bucket{job=~"x|y"}'
        "[5m]))) / on (namespace) group_left (pod) (sum without (le) (b_total) > 0) and c"
        " offset 5m > 1e3"
    )
    assert k8s.promql_selectors(expr) == [
        ("a_seconds_bucket", [("job", "=~", "x|y")]),
        ("b_total", []),
        ("c", []),
    ]


def test_every_alert_has_its_runbook_section(objects: list[dict[str, Any]]) -> None:
    """One `### <AlertName>` under "## Alerts" per alert (and no section for an alert
    that does not exist), and each runbook_url's anchor is a heading of the doc."""
    alerts = [rule["alert"] for rule in k8s.alert_rules(objects)]
    assert alerts
    assert sorted(k8s.alert_headings()) == sorted(alerts)
    anchors = k8s.doc_anchors()
    for rule in k8s.alert_rules(objects):
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path.endswith("/" + k8s.RUNBOOK_DOC), url
        assert anchor == k8s.runbook_anchor(rule["alert"]) and anchor in anchors, url


def test_the_operations_doc_links_only_to_its_own_headings() -> None:
    import re

    text = k8s.OPERATIONS_DOC.read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links
    assert links - k8s.doc_anchors() == set()


def test_doc_sections_and_anchors_are_read_like_github(tmp_path: Path) -> None:
    doc = tmp_path / "ops.md"
    doc.write_text(
        "# Ops\n\n## Alerts\n\n### MythosA\n\ntext\n\n```sh\n### not a heading\n```\n\n"
        "### MythosB\n\n## Graceful shutdown (edge `1012`)\n\n### Other\n"
    )
    assert k8s.alert_headings(doc) == ["MythosA", "MythosB"]
    assert k8s.doc_anchors(doc) == {
        "ops",
        "alerts",
        "mythosa",
        "mythosb",
        "graceful-shutdown-edge-1012",
        "other",
    }


# ------------------------------------------------------------------- metrics docs


def test_the_metrics_table_lists_exactly_the_services_metrics(
    metrics: tuple[dict[str, Any], list[str]],
) -> None:
    found, _ = metrics
    documented = {row.name: row for row in k8s.documented_metrics()}
    assert sorted(documented) == sorted(found), "docs/operations.md, ## Metrics"
    for name, metric in found.items():
        row = documented[name]
        assert (row.type, row.labels) == (metric.type, tuple(sorted(metric.labels))), name


def test_the_metrics_table_is_read_from_the_metrics_section(tmp_path: Path) -> None:
    doc = tmp_path / "ops.md"
    doc.write_text(
        "## Metrics\n\n| metric | type | labels | meaning |\n|---|---|---|---|\n"
        "| `a_total` | counter | `x`, `y` | as |\n| `b` | Gauge | - | bs |\n\n"
        "### Examples\n\n| `c` | histogram | `le` | in a subsection |\n\n"
        "## Alerts\n\n| `d` | gauge | - | not metrics |\n"
    )
    assert k8s.documented_metrics(doc) == [
        k8s.DocumentedMetric("a_total", "counter", ("x", "y")),
        k8s.DocumentedMetric("b", "gauge", ()),
        k8s.DocumentedMetric("c", "histogram", ("le",)),
    ]
