"""The WebSocket endpoint ``/api/ws``: check the handshake, then relay frames both ways.

Handshake, in order (each refusal is HTTP 403 with a reason, before any game data; 503
when it is not the client's fault: the edge is draining or full, or the auth service's
keys cannot be fetched): draining, origin allow-list, connections on this edge,
connections per client address, token, connections per account.
Then frames (``session`` and ``frame_handler``): size limit (close 1009), parsing and
sanitising, the per-connection frame budget (over it a frame is refused, and a sustained
flood closed with 1008), ``ping`` and ``auth`` answered here, and everything else to the
game. Served by uvicorn with ``lean_socket.DetachableWebSockets``, the socket leaves ASGI
once accepted (``lean_socket``); elsewhere (the ASGI test client) the frames go through
ASGI as before, with an ``Outbox`` and its writer task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from mythos_contracts.bus import Bus
from mythos_contracts.envelope import ResumeFrom
from mythos_contracts.ops.log_lines import bind_log_context
from starlette.websockets import WebSocketState

from mythos_edge.adapters.token_verifier import (
    Identity,
    InvalidToken,
    KeysUnavailable,
    TokenExpired,
    TokenVerifier,
)
from mythos_edge.entrypoints.frame_handler import ConnectionIds
from mythos_edge.entrypoints.handshake import UNAVAILABLE_STATUS, offered_token, refuse
from mythos_edge.entrypoints.lean_socket import DETACH, LeanSocket
from mythos_edge.entrypoints.origin_check import OriginPolicy
from mythos_edge.entrypoints.session import RESTARTING_REASON, Session
from mythos_edge.service_layer.client_socket import ClientSocket, Outbox
from mythos_edge.service_layer.command_batches import CommandBatches
from mythos_edge.service_layer.connection_caps import (
    CapReached,
    ConnectionCaps,
    EdgeFull,
    address_key,
)
from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.memory_trim import MemoryTrim
from mythos_edge.service_layer.revocations import Revocations
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.settings import EdgeSettings

log = logging.getLogger(__name__)

__all__ = ["RESTARTING_REASON", "EdgeRuntime", "router"]
REVOKED_REASON = "token revoked: its login has ended; log in again"


@dataclass
class EdgeRuntime:
    """What the endpoint needs, built once in the app's lifespan."""

    settings: EdgeSettings
    bus: Bus
    verifier: TokenVerifier
    registry: ConnectionRegistry
    bindings: RoomBindings
    fanout: Fanout
    origins: OriginPolicy
    caps: ConnectionCaps
    revocations: Revocations
    draining: bool = False
    """Set on SIGTERM: new handshakes are refused (503), /readyz answers 503."""
    memory_trim: MemoryTrim | None = None
    """Told of each session's start and end: gives memory back after a large drop."""
    commands: CommandBatches = field(init=False)
    """Sends players' commands: a turn's commands for one shard as one message."""

    def __post_init__(self) -> None:
        self.commands = CommandBatches(self.bus, linger=self.settings.command_linger_seconds)


router = APIRouter()


@router.websocket("/api/ws")
async def play(websocket: WebSocket) -> None:
    runtime: EdgeRuntime = websocket.app.state.edge
    connection_id = uuid.uuid4().hex
    # This handler runs in the connection's own task until the socket is accepted: every
    # line logged from here on, uvicorn's access line and the session's tasks included,
    # carries the connection's id, and its player's once the token is verified.
    bind_log_context(connection_id=connection_id)
    if runtime.draining:  # a socket taken now would be cut when the process exits
        await refuse(websocket, RESTARTING_REASON, UNAVAILABLE_STATUS)
        return
    refusal = runtime.origins.refusal(
        websocket.headers.get("origin"), websocket.headers.get("host")
    )
    if refusal is not None:
        log.info("refused a connection from origin %r", websocket.headers.get("origin", "")[:200])
        await refuse(websocket, refusal)
        return
    caps = runtime.caps
    address = address_key(websocket.client.host if websocket.client else None)
    with contextlib.ExitStack() as slots:
        try:
            caps.take_edge()
            slots.callback(caps.give_edge)
            caps.take_address(address)
            slots.callback(caps.give_address, address)
            identity = await _identify(websocket, runtime.verifier)
            bind_log_context(player_id=identity.player_id)
            if runtime.revocations.revoked(identity.session_id):
                log.info("refused a connection: the token's login was revoked")
                raise InvalidToken(REVOKED_REASON)
            caps.take_account(identity.player_id)
            slots.callback(caps.give_account, identity.player_id)
        except KeysUnavailable as exc:  # not the token's fault: try again shortly
            await refuse(websocket, str(exc), UNAVAILABLE_STATUS)
            return
        except EdgeFull as exc:  # another edge may have room: the client retries
            log.warning("refused a connection: %s (%d open)", exc, len(runtime.registry))
            await refuse(websocket, str(exc), UNAVAILABLE_STATUS)
            return
        except CapReached as exc:
            log.info("refused a connection from %s: %s", address, exc)
            await refuse(websocket, str(exc))
            return
        except InvalidToken as exc:
            await refuse(websocket, str(exc))
            return
        resume = _resume_from(websocket)  # read before accepting: nothing in it can fail later
        await websocket.accept(subprotocol=offered_token(websocket)[1])
        detach = websocket.scope.get("extensions", {}).get(DETACH)
        if detach is None:
            await _through_asgi(websocket, runtime, identity, connection_id, resume)
            return
        socket: LeanSocket | None = detach["detach"]()
        if socket is None:
            return  # gone before its session began
        slots.pop_all()  # the session's now: given back when its socket is gone
    release = _Slots(caps, address, identity.player_id).give_back
    session = _session(socket, runtime, identity, connection_id, resume, release)
    socket.listen(session)  # its close reaches the session; its messages wait for start
    try:
        await session.open(resume)
    except BaseException:
        session.conn.close_after_flush(1011, "internal error")
        raise
    socket.start()


async def _identify(websocket: WebSocket, verifier: TokenVerifier) -> Identity:
    """The token's identity; raises InvalidToken with the reason the client may read."""
    token, _ = offered_token(websocket)
    if not token:
        log.info("refused a connection: no token")
        raise InvalidToken("no token: offer the subprotocols ['bearer', <access token>]")
    try:
        return await verifier.verify(token)
    except (TokenExpired, KeysUnavailable) as exc:
        log.info("refused a connection: %s", exc)
        raise
    except InvalidToken as exc:
        log.info("refused a connection: %s", exc)
        raise InvalidToken("invalid token") from exc


def _resume_from(websocket: WebSocket) -> ResumeFrom | None:
    """``?session_id=&last_seq=&epoch=`` of a reconnecting client; None if absent or malformed
    (a malformed resume is treated as a fresh start, which the game answers with a resync).
    ``last_seq`` is 1 to 15 ASCII digits: ``str.isdigit`` alone also takes ``²`` or ``٣``,
    which ``int`` then refuses."""
    params = websocket.query_params
    session_id, epoch, last_seq = (
        params.get("session_id"),
        params.get("epoch"),
        params.get("last_seq"),
    )
    if not (
        session_id
        and epoch
        and last_seq
        and last_seq.isascii()
        and last_seq.isdigit()
        and len(last_seq) < 16
    ):
        return None
    return ResumeFrom(session_id=session_id[:64], epoch=epoch[:64], last_seq=int(last_seq))


class _Slots:
    """The connection caps one session holds (smaller than an ExitStack of callbacks)."""

    __slots__ = ("_account", "_address", "_caps")

    def __init__(self, caps: ConnectionCaps, address: str, account: str) -> None:
        self._caps, self._address, self._account = caps, address, account

    def give_back(self) -> None:
        self._caps.give_account(self._account)
        self._caps.give_address(self._address)
        self._caps.give_edge()


def _session(
    socket: ClientSocket,
    runtime: EdgeRuntime,
    identity: Identity,
    connection_id: str,
    resume: ResumeFrom | None,
    release: Callable[[], None],
) -> Session:
    settings = runtime.settings
    conn = Connection(
        connection_id=connection_id,
        player_id=identity.player_id,
        name=identity.name,
        limit=settings.send_queue_limit,
        limit_bytes=settings.send_queue_bytes,
        role=identity.role,
        session_id=identity.session_id,
        token_expires_at=identity.expires_at,
        socket=socket,
    )
    if resume is not None:
        conn.follow(resume.epoch, resume.last_seq)
        conn.resuming = True
    ids: ConnectionIds = {
        "player_id": conn.player_id,
        "player_name": conn.name,
        "player_role": conn.role,
        "connection_id": conn.connection_id,
        "edge_id": settings.instance_id,
    }
    reading = socket if isinstance(socket, LeanSocket) else None
    return Session(conn, runtime, ids, reading, release)


async def _through_asgi(
    websocket: WebSocket,
    runtime: EdgeRuntime,
    identity: Identity,
    connection_id: str,
    resume: ResumeFrom | None,
) -> None:
    """The data path where the server cannot detach the socket: ASGI receive and send,
    an ``Outbox`` and a writer task."""
    outbox = Outbox()
    session = _session(outbox, runtime, identity, connection_id, resume, lambda: None)

    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason)

    writer = asyncio.create_task(outbox.pump(websocket.send_text, close))
    try:
        await session.open(resume)
        reader = asyncio.create_task(_read(websocket, session))
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        reader.cancel()
        if reader.done() and not reader.cancelled() and reader.exception() is not None:
            log.error("reading from the client failed", exc_info=reader.exception())
    finally:
        writer.cancel()
        session.conn.ended(1006, "")  # the first close recorded wins
        await session.end()
        if websocket.application_state != WebSocketState.DISCONNECTED:
            await close(1000, "bye")


async def _read(websocket: WebSocket, session: Session) -> None:
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                session.conn.ended(int(frame.get("code") or 1005), str(frame.get("reason") or ""))
                return
            text = frame.get("text")
            session.received(text if text is not None else frame.get("bytes") or b"")
    except WebSocketDisconnect as gone:
        session.conn.ended(gone.code, gone.reason or "")
