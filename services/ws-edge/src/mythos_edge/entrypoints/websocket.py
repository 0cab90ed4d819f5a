"""The WebSocket endpoint ``/api/ws``: authenticate, then relay frames both ways."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from mythos_contracts.bus import Bus
from mythos_contracts.envelope import (
    InvalidInput,
    PlayerCommand,
    ResumeFrom,
    ServerMessage,
    SessionClosed,
    SessionOpened,
    utc_now,
)
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key, player_pattern
from starlette.websockets import WebSocketState

from mythos_edge.adapters.token_verifier import Identity, InvalidToken, JwksTokenVerifier
from mythos_edge.entrypoints.client_frames import BadFrame, parse_frame
from mythos_edge.service_layer.connections import (
    CLOSE_POLICY_VIOLATION,
    Connection,
    ConnectionRegistry,
)
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.settings import EdgeSettings

log = logging.getLogger(__name__)


@dataclass
class EdgeRuntime:
    """What the endpoint needs, built once in the app's lifespan."""

    settings: EdgeSettings
    bus: Bus
    verifier: JwksTokenVerifier
    registry: ConnectionRegistry
    bindings: RoomBindings
    fanout: Fanout


def _offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to select). Subprotocols ``["bearer", <token>]`` win over ``?token=``."""
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) >= 2 and offered[0].lower() == "bearer":
        return offered[1], offered[0]
    return websocket.query_params.get("token"), None


router = APIRouter()


@router.websocket("/api/ws")
async def play(websocket: WebSocket) -> None:
    runtime: EdgeRuntime = websocket.app.state.edge
    token, subprotocol = _offered_token(websocket)
    try:
        if not token:
            raise InvalidToken("no token: send subprotocols ['bearer', <token>]")
        identity = await runtime.verifier.verify(token)
    except InvalidToken as exc:
        # Refused before accepting: the client sees HTTP 403 and no game data.
        log.info("refused a connection: %s", exc)
        await websocket.close(code=CLOSE_POLICY_VIOLATION, reason="invalid or expired token")
        return
    await websocket.accept(subprotocol=subprotocol)
    await _session(websocket, runtime, identity, _resume_from(websocket))


def _resume_from(websocket: WebSocket) -> ResumeFrom | None:
    """``?session_id=&last_seq=&epoch=`` of a reconnecting client; None if absent or malformed
    (a malformed resume is treated as a fresh start, which the game answers with a resync)."""
    params = websocket.query_params
    session_id, epoch, last_seq = (
        params.get("session_id"),
        params.get("epoch"),
        params.get("last_seq"),
    )
    if not (session_id and epoch and last_seq and last_seq.isdigit() and len(last_seq) < 16):
        return None
    return ResumeFrom(session_id=session_id[:64], epoch=epoch[:64], last_seq=int(last_seq))


async def _session(
    websocket: WebSocket, runtime: EdgeRuntime, identity: Identity, resume: ResumeFrom | None
) -> None:
    settings = runtime.settings
    conn = Connection(
        connection_id=uuid.uuid4().hex,
        player_id=identity.player_id,
        name=identity.name,
        limit=settings.send_queue_limit,
        role=identity.role,
    )
    if resume is not None:
        conn.follow(resume.epoch, resume.last_seq)
    runtime.registry.add(conn)
    ids = {
        "player_id": conn.player_id,
        "player_name": conn.name,
        "player_role": conn.role,
        "connection_id": conn.connection_id,
        "edge_id": settings.instance_id,
    }
    key = command_key(conn.player_id)

    async def to_game(body: bytes) -> None:
        await runtime.bus.publish(COMMANDS_EXCHANGE, key, body)

    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason)

    writer = asyncio.create_task(conn.pump(websocket.send_text, close))
    await runtime.bindings.acquire(player_pattern(conn.player_id))
    try:
        await to_game(SessionOpened(resume=resume, **ids).model_dump_json().encode())
        reader = asyncio.create_task(_read(websocket, conn, settings, to_game, ids))
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        reader.cancel()
    finally:
        conn.closed = True
        writer.cancel()
        runtime.registry.remove(conn)
        await runtime.fanout.leave(conn)
        await runtime.bindings.release(player_pattern(conn.player_id))
        with contextlib.suppress(Exception):
            await to_game(SessionClosed(**ids).model_dump_json().encode())
        if websocket.application_state != WebSocketState.DISCONNECTED:
            await close(1000, "bye")


async def _read(
    websocket: WebSocket,
    conn: Connection,
    settings: EdgeSettings,
    to_game: Callable[[bytes], Awaitable[None]],
    ids: dict[str, str],
) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            conn.last_received = time.monotonic()
            text = frame.get("text")
            parsed = (
                BadFrame("binary frames are not accepted: send JSON text")
                if text is None
                else parse_frame(text, settings.max_frame_bytes)
            )
            message: InvalidInput | PlayerCommand
            if not isinstance(parsed, BadFrame) and parsed.command.lower() == "ping":
                _pong(conn)  # answered here: liveness needs no trip to the game
                continue
            if isinstance(parsed, BadFrame):
                message = InvalidInput(reason=parsed.reason, command_id=parsed.command_id, **ids)
            else:
                message = PlayerCommand(
                    command=parsed.command, args=parsed.args, command_id=parsed.command_id, **ids
                )
            await to_game(message.model_dump_json().encode())


def _pong(conn: Connection) -> None:
    pong = ServerMessage(
        event_type="pong",
        timestamp=utc_now(),
        sequence_number=max(conn.expected - 1, 0),
        player_id=conn.player_id,
        data={},
    )
    conn.offer(pong.model_dump_json())
