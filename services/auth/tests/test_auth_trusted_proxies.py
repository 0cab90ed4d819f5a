"""A trusted-proxy list wider than one ingress controller draws a warning at start."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from mythos_auth.settings import AuthSettings


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "AUTH_TRUSTED_PROXIES" in r.getMessage()
    ]


async def test_every_private_range_draws_a_warning(
    sqlite_settings: AuthSettings, serve: Any, configure: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings = configure(
        sqlite_settings, trusted_proxies="10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    )
    with caplog.at_level(logging.WARNING):
        async with serve(settings):
            pass
    (warning,) = _warnings(caplog)
    assert "10.0.0.0/8, 172.16.0.0/12, fc00::/7" in warning  # a /16 is not too wide


@pytest.mark.parametrize(
    ("proxies", "trusted"),
    [("127.0.0.1,::1", True), ("10.244.7.0/24", True), ("0.0.0.0/0", False)],
)
async def test_an_ingress_network_or_no_trust_draws_none(
    proxies: str,
    trusted: bool,
    sqlite_settings: AuthSettings,
    serve: Any,
    configure: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = configure(sqlite_settings, trusted_proxies=proxies, trust_forwarded_for=trusted)
    with caplog.at_level(logging.WARNING):
        async with serve(settings):
            pass
    assert _warnings(caplog) == []
