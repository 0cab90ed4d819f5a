from typing import Any

import pytest
from mythos_persistence.settings import PersistenceSettings
from pydantic import ValidationError


def test_production_refuses_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defaults only: whatever the machine exports (CI sets DATABASE_URL) must not count.
    monkeypatch.delenv("PERSISTENCE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PERSISTENCE_AMQP_URL", raising=False)
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match=r"guest account.*SQLite default"):
        PersistenceSettings()
    monkeypatch.setenv("PERSISTENCE_AMQP_URL", "amqp://mythos:s3cret@rabbit:5672/mythos")
    monkeypatch.setenv("PERSISTENCE_DATABASE_URL", "postgresql://mythos:pw@db:5432/game")
    assert PersistenceSettings().environment == "production"


@pytest.mark.parametrize(
    ("amqp_url", "database_url", "problem"),
    [
        # No account in the URL: the AMQP client logs in as guest/guest.
        ("amqp://rabbit:5672/mythos", "postgresql://m:pw@db/game", "guest account"),
        ("amqp://m:pw@rabbit/", "SQLite+aiosqlite:////var/lib/game.db", "SQLite default"),
    ],
)
def test_production_parses_urls_instead_of_matching_text(
    monkeypatch: pytest.MonkeyPatch, amqp_url: str, database_url: str, problem: str
) -> None:
    for name in ("DATABASE_URL", "AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("PERSISTENCE_AMQP_URL", amqp_url)
    monkeypatch.setenv("PERSISTENCE_DATABASE_URL", database_url)
    with pytest.raises(ValidationError, match=problem):
        PersistenceSettings()


def test_persistence_refuses_the_guest_account_before_it_starts(refused_start: Any) -> None:
    # The SQLite default is refused without the file being created (checked by the fixture).
    message = refused_start(
        "mythos_persistence",
        PERSISTENCE_ENVIRONMENT="production",
        AMQP_URL="amqp://guest:guest@127.0.0.1:1/",
    )
    assert message == (
        "refusing to start with PERSISTENCE_ENVIRONMENT=production: PERSISTENCE_AMQP_URL uses "
        "the default guest account (give each service its own broker user); "
        "PERSISTENCE_DATABASE_URL is the local SQLite default"
    )
