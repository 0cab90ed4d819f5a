"""The edge's server runs without protocol-level WebSocket pings: its documented checks
(idle close 4002, send-queue bound 4008) are the only ones, so a stalled reader is never
closed with an unexplained 1011 first. (uvicorn pings every 20 s by default.)"""

from __future__ import annotations

from mythos_edge.__main__ import assemble
from mythos_edge.settings import EdgeSettings


def test_the_served_edge_sends_no_websocket_pings_of_its_own() -> None:
    plan = assemble(EdgeSettings(instance_id="liveness"))
    assert plan.served is not None
    assert plan.served.uvicorn_options["ws_ping_interval"] is None
