"""Only the edges' broker user speaks for players: with ``GAME_COMMAND_PUBLISHER`` set, a
command published by any other broker user (the delivery's ``user_id``, which RabbitMQ
checks) is dropped, logged and counted, and the game goes on."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import ACCOUNTS_EXCHANGE, revocation_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from prometheus_client import REGISTRY

PeerOn = Callable[[Bus], Awaitable[Any]]
UNTRUSTED = "mythos_game_untrusted_commands_total"


def _untrusted() -> float:
    return REGISTRY.get_sample_value(UNTRUSTED) or 0.0


async def _game(
    broker: InMemoryBroker, settings: GameSettings, peer_on: PeerOn, peer_user: str
) -> tuple[GameService, Any, InMemoryBus]:
    peer = await peer_on(InMemoryBus(broker, user=peer_user))
    bus = InMemoryBus(broker, user="game-user")
    await bus.connect()
    service = GameService(settings, bus)
    await service.start()
    return service, peer, bus


async def test_a_command_from_another_broker_user_is_dropped_and_counted(
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = InMemoryBroker()
    settings = game_settings(command_publisher="edge-user")
    service, edge, bus = await _game(broker, settings, peer_on, "edge-user")
    intruder = InMemoryBus(broker, user="persistence-user")
    await intruder.connect()
    before = _untrusted()
    with caplog.at_level(logging.WARNING):
        await edge.send_command("alice", "look", command_id="a-1")
        await edge.wait_until(lambda: len(edge.responses("alice")) == 1)
        forger = type(edge)(intruder)  # the peer's helpers, publishing as another user
        await forger.send_command("mallory", "say", "I am an edge", command_id="m-1")
        await edge.send_command("alice", "look", command_id="a-2")
        await edge.wait_until(lambda: len(edge.responses("alice")) == 2)
    assert edge.responses("mallory") == [] and "mallory" not in edge.loads
    assert _untrusted() == before + 1
    assert any("persistence-user" in r.getMessage() for r in caplog.records)
    await service.stop()
    for b in (bus, intruder, edge.bus):
        await b.close()


async def test_without_a_publisher_setting_any_user_may_send_commands(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    service, edge, bus = await _game(broker, game_settings(), peer_on, "anyone")
    before = _untrusted()
    await edge.send_command("alice", "look", command_id="a-1")
    await edge.wait_until(lambda: len(edge.responses("alice")) == 1)
    assert _untrusted() == before
    await service.stop()
    for b in (bus, edge.bus):
        await b.close()


async def test_a_revocation_counts_only_from_the_auth_services_user(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    settings = game_settings(command_publisher="edge-user", accounts_publisher="auth-user")
    service, edge, bus = await _game(broker, settings, peer_on, "edge-user")
    auth = InMemoryBus(broker, user="auth-user")
    await auth.connect()
    revoked = AccountRevoked(account_id="alice", reason="banned", whole_account=True)
    body = revoked.model_dump_json().encode()
    before = _untrusted()
    # An edge may send commands, not revocations; auth may send revocations.
    await edge.bus.publish(ACCOUNTS_EXCHANGE, revocation_key("alice"), body)
    await auth.publish(ACCOUNTS_EXCHANGE, revocation_key("alice"), body)
    await edge.send_command("bob", "look", command_id="b-1")
    await edge.wait_until(lambda: len(edge.responses("bob")) == 1)
    assert _untrusted() == before + 1
    await service.stop()
    for b in (bus, auth, edge.bus):
        await b.close()
