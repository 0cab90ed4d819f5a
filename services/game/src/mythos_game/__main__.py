"""Run the game service alone: ``uv run --package mythos-game python -m mythos_game``.

The contract's lifecycle runs it (``mythos_contracts.runtime``). SIGTERM (or SIGINT)
starts a graceful stop: ``/readyz`` turns 503, no new command is taken, the one in hand
finishes and is acked (within ``GAME_SHUTDOWN_GRACE_SECONDS``), the streams are handed
to the next game, and only then do the health port and the broker connection close.
"""

from __future__ import annotations

from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.amqp_journal import AmqpJournal
from mythos_contracts.routing import shard_journal, zone_map_log
from mythos_contracts.runtime import Plan, Served, run_service

from mythos_game.adapters.legacy_inbox import retire_legacy_inbox
from mythos_game.adapters.world_files import WorldError
from mythos_game.bootstrap import GameService
from mythos_game.domain.shard_map import ShardMapError
from mythos_game.entrypoints.health import create_health_app
from mythos_game.settings import GameSettings


def assemble(settings: GameSettings) -> Plan:
    bus = AmqpBus(
        settings.amqp_url,
        connection_name="game",
        queue_type=settings.amqp_queue_type,
        owned_queues=owned_queues("game", settings.amqp_declare),
        # Short: the broker must notice a frozen active game for the standby to take over.
        heartbeat=settings.amqp_heartbeat_seconds,
    )
    journal = (
        AmqpJournal(
            settings.amqp_url,
            shard_journal(settings.shard),
            max_age_seconds=settings.journal_max_age_seconds,
            max_bytes=settings.journal_max_bytes,
            connection_name="game-journal",
            # Its confirms are awaited with the unit's messages, under the same limit.
            timeout=settings.journal_append_timeout_seconds,
            heartbeat=settings.amqp_heartbeat_seconds,
        )
        if settings.journal
        else None
    )
    # The world's zone moves, kept by size only (a split map reads it at start).
    zone_map = (
        AmqpJournal(
            settings.amqp_url,
            zone_map_log(),
            max_age_seconds=None,
            max_bytes=settings.zone_map_max_bytes,
            connection_name="game-zone-map",
            timeout=settings.journal_append_timeout_seconds,
            heartbeat=settings.amqp_heartbeat_seconds,
        )
        if settings.journal
        else None
    )
    service = GameService(
        settings,
        bus,
        journal,
        zone_map=zone_map,
        retire_legacy_inbox=lambda: retire_legacy_inbox(settings.amqp_url),
    )
    return Plan(
        service=service,
        # Probes every few seconds: no access lines (run_service's default).
        served=Served(create_health_app(service, bus), settings.health_host, settings.health_port),
        bus=bus,
    )


def main() -> None:
    run_service("game", GameSettings, assemble, cannot_start=(WorldError, ShardMapError))


if __name__ == "__main__":
    main()
