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
