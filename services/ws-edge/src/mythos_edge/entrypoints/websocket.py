"""The WebSocket endpoint ``/api/ws``: check the handshake, then relay frames both ways.

Handshake, in order (each refusal is HTTP 403 with a reason, before any game data; 503
when it is not the client's fault: the edge is draining or full, or the auth service's
keys cannot be fetched): draining, origin allow-list, connections on this edge,
connections per client address, token, connections per account.
Then frames: size limit (close 1009), parsing and sanitising, the per-connection frame
budget (over it a frame is refused, and a sustained flood closed with 1008), ``ping``
and ``auth`` answered here, and everything else to the game.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from mythos_contracts.accounts import CLOSE_REVOKED
from mythos_contracts.bus import Bus
from mythos_contracts.envelope import (
    ClientCommand,
    CommandRefused,
    InvalidInput,
    PlayerCommand,
    ResumeFrom,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.ops.log_lines import bind_log_context, log_context
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key, player_pattern
from starlette.websockets import WebSocketState

from mythos_edge.adapters.token_verifier import (
    Identity,
    InvalidToken,
    KeysUnavailable,
    TokenExpired,
    TokenVerifier,
)
from mythos_edge.entrypoints import token_refresh
from mythos_edge.entrypoints.client_frames import BadFrame, FrameTooLarge, parse_frame, too_large
from mythos_edge.entrypoints.handshake import UNAVAILABLE_STATUS, offered_token, refuse
from mythos_edge.entrypoints.origin_check import OriginPolicy
from mythos_edge.metrics import (
    COMMANDS_FORWARDED,
    CONNECTIONS,
    CONNECTIONS_OPENED,
    REJECTED,
    count_close,
)
from mythos_edge.service_layer.connection_caps import (
    CapReached,
    ConnectionCaps,
    EdgeFull,
    address_key,
)
from mythos_edge.service_layer.connections import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_POLICY_VIOLATION,
    Connection,
    ConnectionRegistry,
)
from mythos_edge.service_layer.control_messages import send_control
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.rate_limits import FrameBudget, Verdict
from mythos_edge.service_layer.revocations import Revocations
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.service_layer.token_expiry import enforce_expiry, expired
from mythos_edge.settings import EdgeSettings

log = logging.getLogger(__name__)

# Bound once: these run per frame.
_TOO_LARGE = REJECTED["too_large"]
_BINARY = REJECTED["binary"]
_MALFORMED = REJECTED["malformed"]
_RATE_LIMITED = REJECTED["rate_limited"]
_AUTH_REFUSED = REJECTED["auth_refused"]
RESTARTING_REASON = "server restarting: reconnect to resume"
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


router = APIRouter()


@router.websocket("/api/ws")
async def play(websocket: WebSocket) -> None:
    runtime: EdgeRuntime = websocket.app.state.edge
    connection_id = uuid.uuid4().hex
    # This handler runs in the connection's own task (one per socket): every line logged
    # from here on, uvicorn's access line and the tasks started below included, carries
    # the connection's id, and its player's once the token is verified.
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
        await _session(websocket, runtime, identity, connection_id, resume)


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


async def _session(
    websocket: WebSocket,
    runtime: EdgeRuntime,
    identity: Identity,
    connection_id: str,
    resume: ResumeFrom | None,
) -> None:
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
    )
    if resume is not None:
        conn.follow(resume.epoch, resume.last_seq)
        conn.resuming = True
    runtime.registry.add(conn)
    ids: ConnectionIds = {
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
        conn.ended(code, reason)
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason)

    writer = asyncio.create_task(conn.pump(websocket.send_text, close))
    expiry = asyncio.create_task(enforce_expiry(conn))
    await runtime.bindings.acquire(player_pattern(conn.player_id))
    CONNECTIONS.inc()
    CONNECTIONS_OPENED.inc()
    log.info("connection opened", extra={"resume": resume is not None})
    try:
        await to_game(SessionOpened(resume=resume, **ids).model_dump_json().encode())
        frames = FrameHandler(conn, runtime, ids)
        reader = asyncio.create_task(_read(websocket, conn, frames, to_game))
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        reader.cancel()
        if reader.done() and not reader.cancelled() and reader.exception() is not None:
            # Otherwise only "Task exception was never retrieved" would tell, without context.
            log.error("reading from the client failed", exc_info=reader.exception())
    finally:
        conn.closed = True
        writer.cancel()
        expiry.cancel()
        runtime.registry.remove(conn)
        try:
            await runtime.fanout.leave(conn)
            await runtime.bindings.release(player_pattern(conn.player_id))
            # A revoked login leaves the world at once: no link-dead grace to come back in.
            revoked = conn.close_code == CLOSE_REVOKED
            with contextlib.suppress(Exception):
                await to_game(SessionClosed(quit=revoked, **ids).model_dump_json().encode())
            if websocket.application_state != WebSocketState.DISCONNECTED:
                await close(1000, "bye")
        finally:  # even when the task is cancelled (server shutdown) in one of the awaits
            _closed(conn)


def _closed(conn: Connection) -> None:
    # No close seen either way (the task was cancelled, the transport died): 1006, the
    # code WebSocket reserves for "closed abnormally, without a close frame".
    code = 1006 if conn.close_code is None else conn.close_code
    CONNECTIONS.dec()
    count_close(code)
    log.info(
        "connection closed: %d %s",
        code,
        conn.close_reason,
        extra={"code": code, "reason": conn.close_reason},
    )


async def _read(
    websocket: WebSocket,
    conn: Connection,
    frames: FrameHandler,
    to_game: Callable[[bytes], Awaitable[None]],
) -> None:
    closing = False
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                conn.ended(int(frame.get("code") or 1005), str(frame.get("reason") or ""))
                return
            conn.last_received = time.monotonic()
            if closing or frames.closing or expired(conn):
                continue  # a close is on its way (the writer sends it): nothing more runs
            message = await frames.handle(frame)
            if isinstance(message, FrameTooLarge):
                closing = True
                conn.close_after_flush(CLOSE_MESSAGE_TOO_BIG, message.reason)
            elif message is not None:
                # Anything logged while this command is handed over names it.
                with log_context(command_id=message.command_id):
                    await to_game(message.model_dump_json().encode())
                    if isinstance(message, PlayerCommand):
                        COMMANDS_FORWARDED.inc()
                        log.debug("command forwarded", extra={"command": message.command})
    except WebSocketDisconnect as gone:
        conn.ended(gone.code, gone.reason or "")


class ConnectionIds(TypedDict):
    """What every message from this connection to the game says about who sent it."""

    player_id: str
    player_name: str
    player_role: str
    connection_id: str
    edge_id: str


class FrameHandler:
    """One connection's frames: what each becomes (for the game), or None (handled here)."""

    def __init__(self, conn: Connection, runtime: EdgeRuntime, ids: ConnectionIds) -> None:
        settings = runtime.settings
        self._conn = conn
        self._verifier = runtime.verifier
        self._revocations = runtime.revocations
        self._ids = ids
        self._max_bytes = settings.max_frame_bytes
        self._budget = FrameBudget(
            settings.commands_per_second, settings.command_burst, settings.max_refused_per_minute
        )
        self.closing = False
        """Set when a flood closes the connection: no further frame is read."""

    async def handle(
        self, frame: Mapping[str, Any]
    ) -> PlayerCommand | InvalidInput | CommandRefused | FrameTooLarge | None:
        text: str | None = frame.get("text")
        parsed: ClientCommand | BadFrame
        if text is None:
            data: bytes = frame.get("bytes") or b""
            parsed = too_large(data, self._max_bytes) or BadFrame(
                "binary frames are not accepted: send JSON text"
            )
        else:
            parsed = parse_frame(text, self._max_bytes)
        if isinstance(parsed, FrameTooLarge):
            _TOO_LARGE.inc()
            return parsed
        verdict = self._budget.admit()  # every frame counts: pings and bad frames too
        if verdict is not Verdict.RUN:
            return self._refuse(parsed, verdict)
        command_id = parsed.command_id
        if isinstance(parsed, BadFrame):
            (_MALFORMED if text is not None else _BINARY).inc()
            return self._invalid(parsed.reason, command_id)
        name = _command_word(parsed.command)
        if name == "ping":
            send_control(self._conn, "pong", {})  # liveness needs no trip to the game
            return None
        if name == "auth":  # the token never goes further than this edge
            refused = await token_refresh.refresh(
                self._conn, parsed, self._verifier, time.time(), self._revocations
            )
            self._ids["player_role"] = self._conn.role
            if refused is None:
                return None
            _AUTH_REFUSED.inc()
            return self._invalid(refused, command_id)
        return PlayerCommand(
            command=parsed.command, args=parsed.args, command_id=command_id, **self._ids
        )

    def _refuse(
        self, parsed: ClientCommand | BadFrame, verdict: Verdict
    ) -> CommandRefused | InvalidInput:
        """Over the budget: answered, never run (a command gets a ``command_response``
        through the game, which numbers it). Past the refusal budget, also closed (1008)."""
        _RATE_LIMITED.inc()
        budget = self._budget
        if verdict is Verdict.CLOSE:
            self.closing = True
            log.warning(
                "flood from %s: closing after %d refused frames",
                self._conn.player_id,
                budget.refused,
            )
            self._conn.close_after_flush(CLOSE_POLICY_VIOLATION, budget.close_reason())
        elif budget.refused in (1, 10, 100):
            log.info("flood from %s: %d frames refused", self._conn.player_id, budget.refused)
        reason = budget.refusal_reason()
        if isinstance(parsed, BadFrame):  # not a command: its answer is an error, as ever
            return self._invalid(reason, parsed.command_id)
        # Neither arguments nor an ``auth`` token go further than this edge.
        return CommandRefused(
            command=parsed.command,
            command_id=parsed.command_id,
            reason=reason,
            retry_after=budget.retry_after(),
            **self._ids,
        )

    def _invalid(self, reason: str, command_id: str | None) -> InvalidInput:
        """Answered by the game in-stream as an ``error`` (only the game numbers messages)."""
        return InvalidInput(reason=reason, command_id=command_id, **self._ids)


def _command_word(command: str) -> str:
    """How the game reads a command name: case, surrounding blanks and leading slashes ignored."""
    return command.strip().lstrip("/").strip().lower()
