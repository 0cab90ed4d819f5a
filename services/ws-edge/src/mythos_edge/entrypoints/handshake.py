"""Refusing a WebSocket handshake with a readable reason.

The server answers the upgrade request with HTTP 403 and ``{"detail": "<reason>"}``
(the ASGI ``websocket.http.response`` extension, which uvicorn implements), so no
socket is ever opened and no game data sent. Browsers do not show a refused
handshake's status or body to scripts; the reason is for other clients and for logs.
Where the server lacks the extension the handshake is closed instead (uvicorn turns
that into a bare 403).
"""

from __future__ import annotations

from fastapi import WebSocket
from fastapi.responses import JSONResponse

from mythos_edge.service_layer.connections import CLOSE_POLICY_VIOLATION

REFUSED_STATUS = 403
UNAVAILABLE_STATUS = 503


async def refuse(websocket: WebSocket, reason: str, status: int = REFUSED_STATUS) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"detail": reason}, status_code=status))
    else:
        await websocket.close(code=CLOSE_POLICY_VIOLATION, reason=reason)


def offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to select). Subprotocols ``["bearer", <token>]`` win over ``?token=``."""
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) >= 2 and offered[0].lower() == "bearer":
        return offered[1], offered[0]
    return websocket.query_params.get("token"), None
