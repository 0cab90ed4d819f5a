"""Run one edge alone: ``uv run --package mythos-ws-edge python -m mythos_edge``."""

from __future__ import annotations

import asyncio
import sys
from types import FrameType

import uvicorn
from fastapi import FastAPI
from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.ops.log_lines import configure_logging
from pydantic import ValidationError

from mythos_edge.app import create_app, drain
from mythos_edge.entrypoints.header_deadline import header_deadline_protocol
from mythos_edge.entrypoints.websocket import RESTARTING_REASON
from mythos_edge.service_layer.connections import CLOSE_SERVICE_RESTART
from mythos_edge.settings import EdgeSettings


def main() -> None:
    try:
        settings = EdgeSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (broker or database URLs).
        sys.exit("edge: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    # Every line (uvicorn's access lines for "/api/ws?token=..." included) goes through the
    # contract's formatter, which redacts tokens from messages, fields and tracebacks.
    configure_logging("edge", level=settings.log_level, fmt=settings.log_format)
    bus = AmqpBus(
        settings.amqp_url,
        connection_name=f"edge-{settings.instance_id}",
        queue_type=settings.amqp_queue_type,
        owned_queues=owned_queues("edge", settings.amqp_declare),
    )
    app = create_app(settings, bus)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # The protocol library refuses (1009) what is far over the limit without buffering
        # it; the edge closes anything over EDGE_MAX_FRAME_BYTES itself, with its reason.
        ws_max_size=max(4 * settings.max_frame_bytes, 64 * 1024),
        # Lines are small: per-message deflate would cost a zlib context per connection
        # and a compression per send, for next to no saving.
        ws_per_message_deflate=settings.ws_compression,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # uvicorn times out idle keep-alive connections only: a client that never finishes
        # its request headers would hold the socket forever.
        http=header_deadline_protocol(settings.handshake_timeout_seconds),
        log_config=None,  # keep configure_logging's handler: uvicorn adds none of its own
        timeout_graceful_shutdown=10,
    )
    EdgeServer(config, app).run()


class EdgeServer(uvicorn.Server):
    """On SIGTERM, first stop being ready and tell every client to reconnect elsewhere
    (1012), then stop."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A Python signal handler interrupts the loop's thread anywhere, possibly inside a
        # metric's (non-reentrant) lock: drain on the loop's next turn, not in here.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not serving yet: nothing to interrupt
            self._drain()
        else:
            loop.call_soon_threadsafe(self._drain)
        super().handle_exit(sig, frame)

    def _drain(self) -> None:
        drain(self._app, CLOSE_SERVICE_RESTART, RESTARTING_REASON)


if __name__ == "__main__":
    main()
