"""AUTH_ENVIRONMENT=production: refuse unsafe settings; never generate a signing key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mythos_auth.adapters.signing_keys import (
    KeyConfigurationError,
    generate_key_file,
    load_or_create_signing_key,
)
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import DEFAULT_DATABASE_URL, AuthSettings
from pydantic import ValidationError


@pytest.fixture
def production(auth_settings: AuthSettings, configure: Any, tmp_path: Path) -> AuthSettings:
    """Production settings that are fine: explicit database, a provided private key."""
    key_file = tmp_path / "provided" / "ed25519.pem"
    load_or_create_signing_key(key_file)
    return configure(auth_settings, environment="production", key_file=key_file)


async def _start(settings: AuthSettings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


async def test_good_production_settings_start(production: AuthSettings, serve: Any) -> None:
    async with serve(production) as (_, client):
        assert (await client.get("/auth/healthz")).status_code == 200


async def test_a_missing_key_file_is_refused_not_generated(
    production: AuthSettings, configure: Any, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "ed25519.pem"
    with pytest.raises(KeyConfigurationError, match="must be provided, never generated"):
        await _start(configure(production, key_file=missing))
    assert not missing.exists() and not missing.parent.exists()


async def test_an_empty_key_dir_is_refused(
    production: AuthSettings, configure: Any, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = configure(production, key_dir=empty, key_file=tmp_path / "absent.pem")
    with pytest.raises(KeyConfigurationError, match="never generated"):
        await _start(settings)
    assert list(empty.iterdir()) == []
    with pytest.raises(KeyConfigurationError, match="not a directory"):
        await _start(configure(settings, key_dir=tmp_path / "absent-dir"))


async def test_a_provided_key_dir_starts(
    production: AuthSettings, configure: Any, tmp_path: Path, serve: Any
) -> None:
    generate_key_file(tmp_path / "dir")
    async with serve(configure(production, key_dir=tmp_path / "dir")) as (_, client):
        assert len((await client.get("/auth/.well-known/jwks.json")).json()["keys"]) == 1


async def test_a_world_readable_key_is_refused(production: AuthSettings) -> None:
    os.chmod(production.key_file, 0o644)
    with pytest.raises(KeyConfigurationError, match="readable by every user"):
        await _start(production)
    # Group-readable (a Kubernetes secret mounted 0440 for fsGroup) is accepted.
    os.chmod(production.key_file, 0o440)
    await _start(production)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"database_url": DEFAULT_DATABASE_URL}, "AUTH_DATABASE_URL is the development default"),
        # The same file spelled differently is still the default (parsed, not compared).
        ({"database_url": "sqlite:///./.data/auth.db"}, "AUTH_DATABASE_URL is the development"),
        ({"database_url": "SQLite+aiosqlite:///.data//auth.db"}, "is the development default"),
        ({"database_url": "sqlite+aiosqlite://"}, "in-memory SQLite database"),
        ({"database_url": "sqlite+aiosqlite:///:memory:"}, "in-memory SQLite database"),
        ({"trusted_proxies": "0.0.0.0/0"}, "AUTH_TRUSTED_PROXIES contains 0.0.0.0/0"),
        ({"trusted_proxies": "127.0.0.1,::/0"}, "AUTH_TRUSTED_PROXIES contains ::/0"),
        ({"login_per_ip_per_minute": 0}, "AUTH_LOGIN_PER_IP_PER_MINUTE is 0"),
        ({"register_per_ip_per_minute": 0}, "AUTH_REGISTER_PER_IP_PER_MINUTE is 0"),
        ({"login_lockout_threshold": 0}, "AUTH_LOGIN_LOCKOUT_THRESHOLD is 0"),
        ({"login_per_username_per_hour": 0}, "AUTH_LOGIN_PER_USERNAME_PER_HOUR is 0"),
        ({"access_token_ttl_seconds": 86400}, "AUTH_ACCESS_TOKEN_TTL_SECONDS is 86400"),
    ],
)
def test_unsafe_settings_are_refused(
    production: AuthSettings, configure: Any, changes: dict[str, Any], problem: str
) -> None:
    # The same settings are fine for development...
    settings = configure(production, environment="development", **changes)
    assert any(problem in p for p in settings.production_problems())
    # ...and refused as they are read in production.
    with pytest.raises(ValidationError, match="refusing to start with AUTH_ENVIRONMENT") as no:
        configure(settings, environment="production")
    assert problem in str(no.value)


async def test_the_swagger_ui_is_off_in_production_unless_asked_for(
    production: AuthSettings, configure: Any, serve: Any
) -> None:
    async with serve(production) as (_, client):
        assert (await client.get("/docs")).status_code == 404
        # The OpenAPI document itself stays: clients and API tests read it.
        assert (await client.get("/auth/openapi.json")).status_code == 200
    async with serve(configure(production, api_docs=True)) as (_, client):
        assert (await client.get("/docs")).status_code == 200
    async with serve(configure(production, environment="development")) as (_, client):
        assert (await client.get("/docs")).status_code == 200


def test_catch_all_proxies_are_harmless_when_forwarding_is_not_trusted(
    production: AuthSettings, configure: Any
) -> None:
    settings = configure(production, trusted_proxies="0.0.0.0/0", trust_forwarded_for=False)
    assert settings.production_problems() == []


def test_the_service_exits_with_a_readable_reason(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUTH_")} | {
        "AUTH_ENVIRONMENT": "production",
        "AUTH_LOGIN_PER_IP_PER_MINUTE": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "mythos_auth"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    # The reason is a log line like any other: one JSON object on stdout.
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert (line["level"], line["service"]) == ("error", "auth")
    assert "refusing to start with AUTH_ENVIRONMENT=production" in line["msg"]
    assert "AUTH_DATABASE_URL is the development default" in line["msg"]
    assert list(tmp_path.iterdir()) == []  # no database, no key


def test_the_shared_check_refuses_the_guest_broker_account(refused_start: Any) -> None:
    # Auth's broker is optional; when it has one, the shared production rule applies.
    message = refused_start(
        "mythos_auth",
        AUTH_ENVIRONMENT="production",
        AUTH_DATABASE_URL="postgresql://auth:pw@127.0.0.1:1/auth",
        AUTH_AMQP_URL="amqp://guest:guest@127.0.0.1:1/",
    )
    assert message == (
        "refusing to start with AUTH_ENVIRONMENT=production: AUTH_AMQP_URL uses the default "
        "guest account (give each service its own broker user)"
    )


def test_a_missing_key_stops_the_service_the_same_way(refused_start: Any) -> None:
    message = refused_start(
        "mythos_auth",
        AUTH_ENVIRONMENT="production",
        AUTH_DATABASE_URL="postgresql://auth:pw@127.0.0.1:1/auth",
        AUTH_KEY_FILE="/nonexistent/ed25519.pem",
    )
    assert "no signing key at /nonexistent/ed25519.pem (AUTH_KEY_FILE)" in message


def test_environment_names_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AUTH_") or name == "MYTHOS_ENVIRONMENT":
            monkeypatch.delenv(name)
    defaults = AuthSettings()
    assert defaults.environment == "development"
    assert defaults.key_dir is None and defaults.active_kid is None
    assert defaults.refresh_token_ttl_seconds == 30 * 24 * 3600
    assert defaults.require_invite is False
    assert (defaults.login_per_ip_per_minute, defaults.register_per_ip_per_minute) == (10, 5)
    assert (
        defaults.login_lockout_threshold,
        defaults.login_lockout_base_seconds,
        defaults.login_lockout_max_seconds,
    ) == (5, 1.0, 900.0)
    assert defaults.trust_forwarded_for is True
    assert defaults.trusted_proxies == "127.0.0.1,::1"
    assert defaults.login_per_username_per_hour == 100
    assert (defaults.password_hash_memory_mib, defaults.password_hash_wait_seconds) == (256, 5.0)
    monkeypatch.setenv("AUTH_ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_DATABASE_URL", "postgresql://auth:pw@db/auth")
    monkeypatch.setenv("AUTH_KEY_DIR", "/keys")
    monkeypatch.setenv("AUTH_ACTIVE_KID", "abc")
    monkeypatch.setenv("AUTH_REQUIRE_INVITE", "true")
    monkeypatch.setenv("AUTH_REFRESH_TOKEN_TTL_SECONDS", "60")
    monkeypatch.setenv("AUTH_LOGIN_PER_IP_PER_MINUTE", "3")
    monkeypatch.setenv("AUTH_REGISTER_PER_IP_PER_MINUTE", "2")
    monkeypatch.setenv("AUTH_LOGIN_LOCKOUT_THRESHOLD", "4")
    monkeypatch.setenv("AUTH_LOGIN_LOCKOUT_BASE_SECONDS", "0.5")
    monkeypatch.setenv("AUTH_LOGIN_LOCKOUT_MAX_SECONDS", "60")
    monkeypatch.setenv("AUTH_TRUST_FORWARDED_FOR", "false")
    monkeypatch.setenv("AUTH_TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("AUTH_LOGIN_PER_USERNAME_PER_HOUR", "50")
    monkeypatch.setenv("AUTH_PASSWORD_HASH_MEMORY_MIB", "128")
    monkeypatch.setenv("AUTH_PASSWORD_HASH_WAIT_SECONDS", "0.5")
    configured = AuthSettings()
    assert configured.is_production and configured.key_dir == Path("/keys")
    assert configured.active_kid == "abc" and configured.require_invite
    assert configured.refresh_token_ttl_seconds == 60
    assert (configured.login_per_ip_per_minute, configured.register_per_ip_per_minute) == (3, 2)
    assert configured.login_lockout_threshold == 4
    assert configured.login_lockout_base_seconds == 0.5
    assert configured.login_lockout_max_seconds == 60
    assert configured.trust_forwarded_for is False and configured.trusted_proxy_networks == ()
    assert configured.login_per_username_per_hour == 50
    assert configured.password_hash_memory_mib == 128
    assert configured.password_hash_wait_seconds == 0.5
    with pytest.raises(ValueError):
        AuthSettings(environment="staging")  # type: ignore[arg-type]


def test_the_shared_production_switch_puts_auth_in_production_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One MYTHOS_ENVIRONMENT=production for every service: auth must not stay in
    development (where it would generate its own signing key); its own name still wins."""
    for name in list(os.environ):
        if name.startswith("AUTH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="AUTH_DATABASE_URL"):
        AuthSettings()
    monkeypatch.setenv("AUTH_ENVIRONMENT", "development")
    assert AuthSettings().environment == "development"
