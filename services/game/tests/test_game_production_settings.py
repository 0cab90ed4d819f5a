from typing import Any

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


@pytest.mark.parametrize(
    "url",
    [
        # No account in the URL: the AMQP client logs in as guest/guest.
        "amqp://rabbit:5672/mythos",
        "amqp://guest:changed@rabbit:5672/mythos",
        "amqp://gu%65st:guest@rabbit/",
    ],
)
def test_production_parses_the_broker_url_for_the_guest_account(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("MYTHOS_ENVIRONMENT", "production")
    monkeypatch.setenv("GAME_AMQP_URL", url)
    with pytest.raises(ValidationError, match="default guest account"):
        GameSettings()
    # Text that merely looks like the account elsewhere in the URL is not refused.
    monkeypatch.setenv("GAME_AMQP_URL", "amqp://mythos:guest:guest@rabbit/")
    assert GameSettings().environment == "production"


def test_the_game_refuses_the_guest_account_before_it_starts(refused_start: Any) -> None:
    # The shared names configure the game too; the message names the game's own.
    message = refused_start(
        "mythos_game", MYTHOS_ENVIRONMENT="production", AMQP_URL="amqp://guest:x@127.0.0.1:1/"
    )
    assert message == (
        "refusing to start with GAME_ENVIRONMENT=production: GAME_AMQP_URL uses the default "
        "guest account (give each service its own broker user)"
    )
