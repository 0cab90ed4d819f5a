"""Run one edge alone: ``uv run --package mythos-ws-edge python -m mythos_edge``."""

from __future__ import annotations

import logging

import uvicorn
from mythos_contracts.bus.amqp import AmqpBus

from mythos_edge import log_redaction
from mythos_edge.app import create_app
from mythos_edge.settings import EdgeSettings


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s edge %(levelname)s %(name)s: %(message)s"
    )
    settings = EdgeSettings()
    bus = AmqpBus(settings.amqp_url, connection_name=f"edge-{settings.instance_id}")
    config = uvicorn.Config(
        create_app(settings, bus),
        host=settings.host,
        port=settings.port,
        ws_max_size=1 << 20,
        proxy_headers=True,
        log_config=None,
    )
    log_redaction.install()
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
