"""The settings every service shares (``mythos_contracts.settings``): the environment
names, the one production check, and how ``run_service`` refuses unsafe settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mythos_contracts.settings import (
    DEFAULT_AMQP_URL,
    BusServiceSettings,
    ServiceSettings,
    UnsafeSettings,
)
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

SHARED_NAMES = ("MYTHOS_ENVIRONMENT", "AMQP_URL", "MYTHOS_AMQP_QUEUE_TYPE", "MYTHOS_AMQP_DECLARE")


class DemoSettings(BusServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_")

    home_url: str = "http://127.0.0.1/"

    def extra_production_problems(self) -> list[str]:
        if self.home_url.startswith("http://127."):
            return [f"{self.variable('home_url')} is this machine"]
        return []


class OptionalBrokerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OPT_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("DEMO_", "OPT_")) or name.upper() in SHARED_NAMES:
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = DemoSettings()
    assert (settings.environment, settings.amqp_url) == ("development", DEFAULT_AMQP_URL)
    assert (settings.amqp_queue_type, settings.amqp_declare) == ("classic", "all")
    assert (settings.log_level, settings.log_format) == ("INFO", "json")
    assert settings.shutdown_grace_seconds == 10.0
    assert OptionalBrokerSettings().amqp_url is None


def test_the_prefixed_name_wins_over_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://shared:pw@rabbit/")
    monkeypatch.setenv("MYTHOS_AMQP_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("mythos_amqp_declare", "own")  # any case, like the prefixed names
    settings = DemoSettings()
    assert settings.amqp_url == "amqp://shared:pw@rabbit/"
    assert (settings.amqp_queue_type, settings.amqp_declare) == ("quorum", "own")
    monkeypatch.setenv("DEMO_AMQP_URL", "amqp://own:pw@rabbit/")
    monkeypatch.setenv("DEMO_AMQP_QUEUE_TYPE", "classic")
    settings = DemoSettings()
    assert (settings.amqp_url, settings.amqp_queue_type) == ("amqp://own:pw@rabbit/", "classic")
    # Values given in code win over both.
    assert DemoSettings(amqp_url="amqp://code:pw@rabbit/").amqp_url == "amqp://code:pw@rabbit/"


def test_only_the_listed_fields_have_shared_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # MYTHOS_LOG_FORMAT belongs to the local launcher, not to the services.
    monkeypatch.setenv("MYTHOS_LOG_FORMAT", "text")
    monkeypatch.setenv("MYTHOS_HOME_URL", "http://elsewhere/")
    settings = DemoSettings()
    assert (settings.log_format, settings.home_url) == ("json", "http://127.0.0.1/")

    class NoSharedBroker(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="OPT_")
        shared_env = {"amqp_declare": "MYTHOS_AMQP_DECLARE"}

    monkeypatch.setenv("AMQP_URL", "amqp://shared:pw@rabbit/")
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("MYTHOS_AMQP_DECLARE", "own")
    settings_without = NoSharedBroker()
    assert (settings_without.amqp_url, settings_without.environment) == (None, "development")
    assert settings_without.amqp_declare == "own"


def test_variable_names_the_prefixed_environment_variable() -> None:
    assert DemoSettings.variable("amqp_url") == "DEMO_AMQP_URL"
    assert OptionalBrokerSettings.variable("environment") == "OPT_ENVIRONMENT"


@pytest.mark.parametrize(
    "url",
    [
        DEFAULT_AMQP_URL,
        "amqp://rabbit:5672/mythos",  # no account: the AMQP clients log in as guest
        "amqp://guest:changed@rabbit/",
    ],
)
def test_production_refuses_the_guest_account(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("DEMO_AMQP_URL", url)
    monkeypatch.setenv("DEMO_HOME_URL", "https://example.org/")
    with pytest.raises(ValidationError) as refused:
        DemoSettings()
    unsafe = UnsafeSettings.within(refused.value)
    assert unsafe is not None
    assert unsafe.problems == (
        "DEMO_AMQP_URL uses the default guest account (give each service its own broker user)",
    )
    assert str(unsafe).startswith("refusing to start with DEMO_ENVIRONMENT=production: ")
    assert "changed" not in str(unsafe)  # variables are named, values never shown
    # The same settings are fine for development.
    assert DemoSettings(environment="development").production_problems() == list(unsafe.problems)


def test_production_names_every_problem_shared_rules_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as refused:
        DemoSettings()
    unsafe = UnsafeSettings.within(refused.value)
    assert unsafe is not None
    assert [problem.split()[0] for problem in unsafe.problems] == [
        "DEMO_AMQP_URL",
        "DEMO_HOME_URL",
    ]
    monkeypatch.setenv("DEMO_AMQP_URL", "amqp://demo:s3cret@rabbit/")
    monkeypatch.setenv("DEMO_HOME_URL", "https://example.org/")
    assert DemoSettings().is_production


def test_production_without_a_broker_is_fine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPT_ENVIRONMENT", "production")
    assert OptionalBrokerSettings().production_problems() == []
    monkeypatch.setenv("OPT_AMQP_URL", "amqp://rabbit/")
    with pytest.raises(ValidationError, match="OPT_AMQP_URL uses the default guest account"):
        OptionalBrokerSettings()


def test_a_bad_value_is_not_taken_for_an_unsafe_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError) as refused:
        DemoSettings()
    assert UnsafeSettings.within(refused.value) is None


# A service whose assemble step would say so: refused settings must never reach it.
SERVICE = textwrap.dedent(
    """
    from mythos_contracts.runtime import run_service
    from mythos_contracts.settings import BusServiceSettings
    from pydantic_settings import SettingsConfigDict

    class DemoSettings(BusServiceSettings):
        model_config = SettingsConfigDict(env_prefix="DEMO_")

    def assemble(settings):
        print("assembled", flush=True)
        raise SystemExit(0)

    run_service("demo", DemoSettings, assemble)
    """
)


def run_demo(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("DEMO_") and name.upper() not in SHARED_NAMES
    }
    return subprocess.run(
        [sys.executable, "-c", SERVICE],
        env=env | environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_service_refuses_unsafe_settings_with_one_log_line_and_status_2() -> None:
    done = run_demo(DEMO_ENVIRONMENT="production", DEMO_AMQP_URL="amqp://guest:x@127.0.0.1:1/")
    assert (done.returncode, done.stderr) == (2, "")
    [line] = [json.loads(text) for text in done.stdout.splitlines()]  # nothing assembled
    assert (line["level"], line["service"]) == ("error", "demo")
    assert line["msg"] == (
        "refusing to start with DEMO_ENVIRONMENT=production: DEMO_AMQP_URL uses the "
        "default guest account (give each service its own broker user)"
    )
    # In the format the settings ask for.
    done = run_demo(MYTHOS_ENVIRONMENT="production", DEMO_LOG_FORMAT="text")
    assert done.returncode == 2
    [text_line] = done.stdout.splitlines()
    assert "refusing to start with DEMO_ENVIRONMENT=production" in text_line
    assert not text_line.startswith("{")


def test_run_service_still_runs_safe_settings_and_reports_bad_values(tmp_path: Path) -> None:
    done = run_demo(DEMO_ENVIRONMENT="production", DEMO_AMQP_URL="amqp://demo:pw@127.0.0.1:1/")
    assert (done.returncode, done.stdout) == (0, "assembled\n")
    # A value that does not parse is reported as before: the reasons, never the values.
    done = run_demo(DEMO_SHUTDOWN_GRACE_SECONDS="0", DEMO_AMQP_URL="amqp://u:s3cret@h/")
    assert done.returncode == 1
    assert done.stderr.startswith("demo: bad settings: ") and "s3cret" not in done.stderr
