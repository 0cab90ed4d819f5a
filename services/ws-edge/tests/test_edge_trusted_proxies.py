"""A trusted-proxy list wider than one ingress controller draws a warning at start."""

from __future__ import annotations

import logging

import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_edge.app import create_app
from mythos_edge.settings import EdgeSettings


async def _start(monkeypatch: pytest.MonkeyPatch, allowed: str | None) -> None:
    if allowed is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", allowed)
    app = create_app(EdgeSettings(instance_id="proxy-test"), InMemoryBus(InMemoryBroker()))
    async with app.router.lifespan_context(app):
        pass


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "FORWARDED_ALLOW_IPS" in r.getMessage()
    ]


async def test_every_private_range_draws_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await _start(monkeypatch, "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7")
    (warning,) = _warnings(caplog)
    assert "10.0.0.0/8, 172.16.0.0/12, fc00::/7" in warning  # a /16 is not too wide


@pytest.mark.parametrize("allowed", [None, "127.0.0.1", "10.244.7.0/24,fd00:10:244::/56"])
async def test_the_default_and_an_ingress_network_draw_none(
    allowed: str | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await _start(monkeypatch, allowed)
    assert _warnings(caplog) == []
