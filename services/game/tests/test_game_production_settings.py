import pytest
from mythos_game.settings import GameSettings
from pydantic import ValidationError


def test_production_refuses_the_default_broker_account(monkeypatch: pytest.MonkeyPatch) -> None:
    # Defaults only: whatever the machine exports (CI sets DATABASE_URL) must not count.
    monkeypatch.delenv("GAME_AMQP_URL", raising=False)
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="default guest account"):
        GameSettings()
    monkeypatch.setenv("GAME_AMQP_URL", "amqp://mythos:s3cret@rabbit:5672/mythos")
    assert GameSettings().environment == "production"
