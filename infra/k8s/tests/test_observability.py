"""Alerts, metrics and their documentation cannot drift apart.

The metric names are not copied anywhere: the test imports the shared bus metrics and
every ``metrics.py`` module of the four services (wherever it lives in its package) and
reads what they registered with prometheus_client. Against that:

* promtool accepts every alert rule, and each one fires in its unit test
  (alerts.promtest.yaml) fed only series the services export;
* every alert has its ``### <AlertName>`` section under "Alerts" in
  docs/operations.md, which its runbook_url points at;
* the metrics table in docs/operations.md lists exactly the services' metrics, with
  their types and labels.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import k8s_support as k8s
import monitoring_checks as monitoring
import prometheus_rules as rules
import pytest
import yaml


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return k8s.render(k8s.K8S_DIR / "overlays" / "prod")


@pytest.fixture(scope="module")
def metrics() -> tuple[dict[str, Any], list[str]]:
    return monitoring.service_metrics()


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
    assert monitoring.metric_modules(tmp_path) == {
        "empty": [],
        "svc": ["mythos_svc.adapters.metrics"],
    }


# ------------------------------------------------------------------------ alerts


def test_promtool_accepts_the_alert_rules(objects: list[dict[str, Any]], tmp_path: Path) -> None:
    """Every expression parses and every annotation template compiles."""
    ok, output = rules.check_rules(k8s.of_kind(objects, "PrometheusRule"), tmp_path)
    assert ok, output


def test_every_alert_fires_in_its_unit_tests(objects: list[dict[str, Any]], tmp_path: Path) -> None:
    ok, output = rules.run_unit_tests(k8s.of_kind(objects, "PrometheusRule"), tmp_path)
    assert ok, output
    assert rules.tested_alerts() == {rule["alert"] for rule in monitoring.alert_rules(objects)}


def test_the_unit_tests_feed_only_series_the_services_export(
    objects: list[dict[str, Any]], metrics: tuple[dict[str, Any], list[str]]
) -> None:
    """So an alert can fire in its unit test only if it selects real series: a real
    metric, with labels it has, from a job a PodMonitor scrapes."""
    target_labels = set(monitoring.SCRAPE_TARGET_LABELS) | {
        monitoring.prometheus_label_name(label)
        for monitor in k8s.of_kind(objects, "PodMonitor")
        for label in monitor["spec"].get("podTargetLabels", [])
    }
    catalogue = {**monitoring.sample_catalogue(metrics[0]), **monitoring.PROMETHEUS_SERIES}
    jobs = set(monitoring.scrape_jobs(objects))
    assert rules.unknown_series(rules.input_series(), catalogue, target_labels, jobs) == []


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ('mythos_bus_conected{job="game"}', "no service defines metric 'mythos_bus_conected'"),
        ('mythos_bus_published{job="game"}', "no service defines metric 'mythos_bus_published'"),
        (
            'mythos_game_commands_total{job="game",result="error"}',
            "mythos_game_commands_total has no label 'result'",
        ),
        ('up{job="edge"}', "job 'edge' is no scrape job"),
    ],
)
def test_a_series_the_services_do_not_export_is_caught(
    objects: list[dict[str, Any]],
    metrics: tuple[dict[str, Any], list[str]],
    tmp_path: Path,
    series: str,
    expected: str,
) -> None:
    tests = tmp_path / "alerts.promtest.yaml"
    tests.write_text(yaml.safe_dump({"tests": [{"input_series": [{"series": series}]}]}))
    catalogue = {**monitoring.sample_catalogue(metrics[0]), **monitoring.PROMETHEUS_SERIES}
    jobs = set(monitoring.scrape_jobs(objects))
    problems = rules.unknown_series(rules.input_series(tests), catalogue, {"job"}, jobs)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("alert", "field", "value", "expected"),
    [
        # A misspelt metric selects nothing, so the alert never fires in its test.
        (
            "MythosBrokerDisconnected",
            "expr",
            "mythos_bus_conected == 0",
            "MythosBrokerDisconnected",
        ),
        # A job nobody scrapes, likewise.
        (
            "MythosBrokerDisconnected",
            "expr",
            'mythos_bus_connected{job="edge"} == 0',
            "MythosBrokerDisconnected",
        ),
        ("MythosQueueBacklog", "for", "five minutes", "five minutes"),
        ("MythosCommandErrors", "expr", "sum(rate(x[5m]) > 0", "parse error"),
    ],
)
def test_a_wrong_alert_is_caught_by_promtool(
    objects: list[dict[str, Any]], tmp_path: Path, alert: str, field: str, value: str, expected: str
) -> None:
    broken = copy.deepcopy(k8s.of_kind(objects, "PrometheusRule"))
    for rule in monitoring.alert_rules(broken):
        if rule["alert"] == alert:
            rule[field] = value
    checked, check_output = rules.check_rules(broken, tmp_path)
    tested, test_output = rules.run_unit_tests(broken, tmp_path)
    assert not (checked and tested)
    assert expected in check_output + test_output


def test_every_alert_has_its_runbook_section(objects: list[dict[str, Any]]) -> None:
    """One `### <AlertName>` under "## Alerts" per alert (and no section for an alert
    that does not exist), and each runbook_url's anchor is a heading of the doc."""
    alerts = [rule["alert"] for rule in monitoring.alert_rules(objects)]
    assert alerts
    assert sorted(monitoring.alert_headings()) == sorted(alerts)
    anchors = monitoring.doc_anchors()
    for rule in monitoring.alert_rules(objects):
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path.endswith("/" + monitoring.RUNBOOK_DOC), url
        assert anchor == monitoring.runbook_anchor(rule["alert"]) and anchor in anchors, url


def test_the_operations_doc_links_only_to_its_own_headings() -> None:
    import re

    text = k8s.OPERATIONS_DOC.read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links
    assert links - monitoring.doc_anchors() == set()


def test_doc_sections_and_anchors_are_read_like_github(tmp_path: Path) -> None:
    doc = tmp_path / "ops.md"
    doc.write_text(
        "# Ops\n\n## Alerts\n\n### MythosA\n\ntext\n\n```sh\n### not a heading\n```\n\n"
        "### MythosB\n\n## Graceful shutdown (edge `1012`)\n\n### Other\n"
    )
    assert monitoring.alert_headings(doc) == ["MythosA", "MythosB"]
    assert monitoring.doc_anchors(doc) == {
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
    documented = {row.name: row for row in monitoring.documented_metrics()}
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
    assert monitoring.documented_metrics(doc) == [
        monitoring.DocumentedMetric("a_total", "counter", ("x", "y")),
        monitoring.DocumentedMetric("b", "gauge", ()),
        monitoring.DocumentedMetric("c", "histogram", ("le",)),
    ]
