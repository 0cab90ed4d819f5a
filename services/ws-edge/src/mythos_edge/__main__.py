"""Run one edge alone: ``uv run --package mythos-ws-edge python -m mythos_edge``.

The contract's lifecycle runs it (``mythos_contracts.runtime``). On SIGTERM the edge
stops being ready (``/readyz`` 503, new handshakes 503) and asks every client to
reconnect elsewhere (1012); once they have gone, or after ``EDGE_SHUTDOWN_GRACE_SECONDS``,
the server stops and the broker connection closes.
"""

from __future__ import annotations

from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.runtime import Plan, Served, run_service

from mythos_edge.app import create_app, edge_service
from mythos_edge.entrypoints.header_deadline import header_deadline_protocol
from mythos_edge.entrypoints.lean_socket import DetachableWebSockets
from mythos_edge.settings import EdgeSettings


def assemble(settings: EdgeSettings) -> Plan:
    bus = AmqpBus(
        settings.amqp_url,
        connection_name=f"edge-{settings.instance_id}",
        queue_type=settings.amqp_queue_type,
        owned_queues=owned_queues("edge", settings.amqp_declare),
    )
    app = create_app(settings, bus)
    return Plan(
        service=edge_service(app),
        served=Served(
            app,
            settings.host,
            settings.port,
            uvicorn_options={
                "lifespan": "off",  # the lifecycle starts and stops the edge itself
                # After the handshake the socket leaves ASGI: no task, queue or scope per
                # idle connection, frames written straight to the transport (lean_socket).
                "ws": DetachableWebSockets,
                # The protocol library refuses (1009) what is far over the limit without
                # buffering it; the edge closes anything over EDGE_MAX_FRAME_BYTES itself,
                # with its reason.
                "ws_max_size": max(4 * settings.max_frame_bytes, 64 * 1024),
                # Lines are small: per-message deflate would cost a zlib context per
                # connection and a compression per send, for next to no saving.
                "ws_per_message_deflate": settings.ws_compression,
                # No protocol-level pings: the idle close (4002) and the send-queue bound
                # (4008) are the edge's documented liveness checks, and a second, silent one
                # would close a stalled reader with 1011 before they could say why.
                "ws_ping_interval": None,
                "proxy_headers": True,
                "forwarded_allow_ips": settings.forwarded_allow_ips,
                # uvicorn times out idle keep-alive connections only: a client that never
                # finishes its request headers would hold the socket forever.
                "http": header_deadline_protocol(settings.handshake_timeout_seconds),
                # Access lines stay (through the contract's redacting formatter), at the
                # level the settings give the root logger.
                "log_level": None,
                "access_log": True,
                "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
            },
        ),
        bus=bus,
    )


def main() -> None:
    run_service("edge", EdgeSettings, assemble)


if __name__ == "__main__":
    main()
