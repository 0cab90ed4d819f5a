"""URL checks behind every service's production refusals: parsed, not substring matches."""

from __future__ import annotations

import pytest
from mythos_contracts.ops.urls import amqp_user, is_local_url, uses_default_amqp_account


@pytest.mark.parametrize(
    ("url", "guest"),
    [
        ("amqp://guest:guest@127.0.0.1:5672/", True),
        # No account in the URL: the client libraries log in as guest/guest.
        ("amqp://rabbit:5672/", True),
        ("amqps://rabbit.example.org/mythos", True),
        ("amqp://guest@rabbit/", True),
        ("amqp://guest:another-password@rabbit/", True),
        ("amqp://gu%65st:guest@rabbit/", True),  # percent-encoded
        ("amqp://mythos:s3cret@rabbit:5672/mythos", False),
        # The text "guest:guest@" elsewhere is not the account.
        ("amqp://mythos:guest:guest@rabbit/", False),
        ("amqp://mythos:pw@rabbit/guest:guest@", False),
        ("amqp://guests:pw@rabbit/", False),
    ],
)
def test_the_default_amqp_account_is_found_by_parsing(url: str, guest: bool) -> None:
    assert uses_default_amqp_account(url) is guest


def test_amqp_user_decodes_and_defaults() -> None:
    assert amqp_user("amqp://my%40user:pw@rabbit/") == "my@user"
    assert amqp_user("amqp://rabbit/") == "guest"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:54732/auth/.well-known/jwks.json", True),
        ("http://localhost:54732/auth/.well-known/jwks.json", True),
        ("http://LOCALHOST./jwks", True),
        ("http://auth.localhost/jwks", True),
        ("http://127.0.0.2/jwks", True),
        ("http://127.1/jwks", True),
        ("http://2130706433/jwks", True),
        ("http://0x7f.0.0.1/jwks", True),
        ("http://[::1]:54732/jwks", True),
        ("http://[::ffff:127.0.0.1]/jwks", True),
        ("http://0.0.0.0/jwks", True),
        ("http://auth:54732/auth/.well-known/jwks.json", False),
        ("https://auth.example.org/jwks", False),
        # The text "127.0.0.1" or "localhost" elsewhere is not the host.
        ("http://auth/127.0.0.1/jwks", False),
        ("http://localhost.example.org/jwks", False),
        ("http://user:127.0.0.1@auth/jwks", False),
        ("http://10.0.0.1/jwks", False),
        ("not a url", False),
    ],
)
def test_local_hosts_are_found_by_parsing(url: str, local: bool) -> None:
    assert is_local_url(url) is local
