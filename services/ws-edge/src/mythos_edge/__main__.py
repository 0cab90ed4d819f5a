"""Run one edge alone: ``uv run --package mythos-ws-edge python -m mythos_edge``."""

from __future__ import annotations

import logging
import sys
from types import FrameType

import uvicorn
from fastapi import FastAPI
from mythos_contracts.bus.amqp import AmqpBus
from pydantic import ValidationError

from mythos_edge import log_redaction
from mythos_edge.app import close_all, create_app
from mythos_edge.service_layer.connections import CLOSE_SERVICE_RESTART
from mythos_edge.settings import EdgeSettings


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s edge %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = EdgeSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (broker or database URLs).
        sys.exit("edge: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    bus = AmqpBus(settings.amqp_url, connection_name=f"edge-{settings.instance_id}")
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
        log_config=None,
        timeout_graceful_shutdown=10,
    )
    log_redaction.install()
    EdgeServer(config, app).run()


class EdgeServer(uvicorn.Server):
    """On SIGTERM, first tell every client to reconnect elsewhere (1012), then stop."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        close_all(self._app, CLOSE_SERVICE_RESTART, "server restarting: reconnect to resume")
        super().handle_exit(sig, frame)


if __name__ == "__main__":
    main()
