"""Messages the edge itself sends a client: control messages, outside the stream.

Only the game numbers stream messages, so the edge never invents one. A control
message carries the last number issued to the client (``expected - 1``), which does
not advance the stream, and is never replayed (docs/protocol.md, "Sequencing").
"""

from __future__ import annotations

from typing import Any

from mythos_contracts.envelope import ServerMessage, utc_now
from mythos_contracts.events import CONTROL_EVENT_TYPES, EventType

from mythos_edge.service_layer.connections import Connection


def send_control(conn: Connection, event_type: EventType, data: dict[str, Any]) -> None:
    if event_type not in CONTROL_EVENT_TYPES:
        raise ValueError(f"{event_type} belongs to the stream: only the game sends it")
    message = ServerMessage(
        event_type=event_type,
        timestamp=utc_now(),
        sequence_number=max(conn.expected - 1, 0),
        player_id=conn.player_id,
        data=data,
    )
    conn.offer(message.model_dump_json())
