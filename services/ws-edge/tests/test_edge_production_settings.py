from typing import Any

import pytest
from mythos_edge.settings import EdgeSettings
from pydantic import ValidationError


def test_production_refuses_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defaults only: whatever the machine exports (CI sets DATABASE_URL) must not count.
    monkeypatch.delenv("EDGE_AMQP_URL", raising=False)
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.delenv("EDGE_JWKS_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match=r"guest account.*local default"):
        EdgeSettings()
    monkeypatch.setenv("EDGE_AMQP_URL", "amqp://mythos:s3cret@rabbit:5672/mythos")
    monkeypatch.setenv("EDGE_JWKS_URL", "http://auth:54732/auth/.well-known/jwks.json")
    assert EdgeSettings().environment == "production"


@pytest.mark.parametrize(
    ("amqp_url", "jwks_url", "problem"),
    [
        # No account in the URL: the AMQP client logs in as guest/guest.
        ("amqp://rabbit:5672/mythos", "http://auth:54732/jwks", "guest account"),
        ("amqp://m:pw@rabbit/", "http://localhost:54732/auth/.well-known/jwks.json", "local"),
        ("amqp://m:pw@rabbit/", "http://[::1]:54732/auth/.well-known/jwks.json", "local"),
        ("amqp://m:pw@rabbit/", "http://127.1:54732/auth/.well-known/jwks.json", "local"),
    ],
)
def test_production_parses_urls_instead_of_matching_text(
    monkeypatch: pytest.MonkeyPatch, amqp_url: str, jwks_url: str, problem: str
) -> None:
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("EDGE_AMQP_URL", amqp_url)
    monkeypatch.setenv("EDGE_JWKS_URL", jwks_url)
    with pytest.raises(ValidationError, match=problem):
        EdgeSettings()


def test_a_remote_jwks_url_mentioning_a_loopback_address_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("EDGE_AMQP_URL", "amqp://m:pw@rabbit/")
    monkeypatch.setenv("EDGE_JWKS_URL", "https://auth.example.org/keys?from=127.0.0.1")
    assert EdgeSettings().environment == "production"


def test_the_edge_refuses_the_guest_account_before_it_starts(refused_start: Any) -> None:
    message = refused_start(
        "mythos_edge", EDGE_ENVIRONMENT="production", EDGE_AMQP_URL="amqp://127.0.0.1:1/"
    )
    # The shared rule first, then the edge's own (the default JWKS URL is local).
    assert message == (
        "refusing to start with EDGE_ENVIRONMENT=production: EDGE_AMQP_URL uses the default "
        "guest account (give each service its own broker user); EDGE_JWKS_URL points at this "
        "machine (the local default)"
    )
