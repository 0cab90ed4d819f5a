"""The alert rules checked by Prometheus's own ``promtool`` (Debian's ``prometheus``
package, which ``make test`` installs): ``check rules`` parses every expression and
annotation template, ``test rules`` runs the unit tests in ``alerts.promtest.yaml``.

What promtool cannot know is whether a series the tests feed exists in production;
``unknown_series`` checks each one against the metrics the services register."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ALERT_TESTS = Path(__file__).resolve().parent / "alerts.promtest.yaml"
_SERIES = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{(.*)\}\s*$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        raise RuntimeError(
            "promtool is missing: `make test` installs it, or run "
            "`apt-get install prometheus` (Debian's package)"
        )
    return found


def rule_groups(prometheus_rules: Iterable[dict[str, Any]], annotations: bool) -> dict[str, Any]:
    """The ``groups`` of PrometheusRule objects as one Prometheus rule file."""
    groups = []
    for rule_object in prometheus_rules:
        for group in rule_object["spec"]["groups"]:
            rules = [
                rule if annotations else {k: v for k, v in rule.items() if k != "annotations"}
                for rule in group["rules"]
            ]
            groups.append({**group, "rules": rules})
    return {"groups": groups}


def run(args: list[str], cwd: Path) -> tuple[bool, str]:
    result = subprocess.run(
        [promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    return result.returncode == 0, result.stdout + result.stderr


def check_rules(prometheus_rules: list[dict[str, Any]], workdir: Path) -> tuple[bool, str]:
    path = workdir / "rules-with-annotations.yaml"
    path.write_text(yaml.safe_dump(rule_groups(prometheus_rules, annotations=True)))
    return run(["check", "rules", path.name], workdir)


def run_unit_tests(
    prometheus_rules: list[dict[str, Any]], workdir: Path, tests: Path = ALERT_TESTS
) -> tuple[bool, str]:
    (workdir / "rules.yaml").write_text(
        yaml.safe_dump(rule_groups(prometheus_rules, annotations=False))
    )
    shutil.copy(tests, workdir / tests.name)
    return run(["test", "rules", tests.name], workdir)


def input_series(tests: Path = ALERT_TESTS) -> list[tuple[str, dict[str, str]]]:
    """[(metric name, {label: value})] of every input series of the unit tests."""
    found = []
    for case in yaml.safe_load(tests.read_text())["tests"]:
        for series in case.get("input_series", []):
            match = _SERIES.match(series["series"])
            if match is None:
                raise ValueError(f"{tests.name}: cannot read series {series['series']!r}")
            found.append((match.group(1), dict(_LABEL.findall(match.group(2)))))
    return found


def tested_alerts(tests: Path = ALERT_TESTS) -> set[str]:
    """The alerts some unit test expects to fire."""
    return {
        check["alertname"]
        for case in yaml.safe_load(tests.read_text())["tests"]
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }


def unknown_series(
    series: list[tuple[str, dict[str, str]]],
    catalogue: dict[str, tuple[str, ...]],
    target_labels: set[str],
    jobs: set[str],
) -> list[str]:
    """Series the services do not export: an unknown metric, a label that metric has
    not (and no scrape target adds), or a job no PodMonitor scrapes."""
    problems = []
    for name, labels in series:
        if name not in catalogue:
            problems.append(f"no service defines metric {name!r}")
            continue
        for label in labels:
            if label not in set(catalogue[name]) | target_labels:
                problems.append(f"{name} has no label {label!r}")
        if labels.get("job") not in jobs:
            problems.append(f"{name}: job {labels.get('job')!r} is no scrape job ({sorted(jobs)})")
    return problems
