"""One client's life after the handshake, driven by its socket's callbacks.

An idle connection costs no task: a message from the client starts a short task that
hands it (and any that follow meanwhile, in order) to the game, then ends. Reading
pauses while ``INBOX_PAUSE`` messages wait. When the socket is gone a last task tells
the game and gives back what the connection held.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from mythos_contracts.accounts import CLOSE_REVOKED
from mythos_contracts.envelope import SessionClosed, SessionOpened
from mythos_contracts.ops.log_lines import bind_log_ids, log_context
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key, player_pattern

from mythos_edge.entrypoints.client_frames import FrameTooLarge
from mythos_edge.entrypoints.frame_handler import ConnectionIds, Forward, FrameHandler
from mythos_edge.metrics import COMMANDS_FORWARDED, CONNECTIONS, CONNECTIONS_OPENED, count_close
from mythos_edge.service_layer.connections import (
    CLOSE_MESSAGE_TOO_BIG,
    CLOSE_SERVICE_RESTART,
    Connection,
)
from mythos_edge.service_layer.token_expiry import expired, watch_expiry

if TYPE_CHECKING:
    from mythos_contracts.envelope import ResumeFrom

    from mythos_edge.entrypoints.websocket import EdgeRuntime

log = logging.getLogger(__name__)

INBOX_PAUSE = 32
"""Messages from one client waiting for the game before its socket stops being read."""
RESTARTING_REASON = "server restarting: reconnect to resume"

# Tasks of sessions (a burst of commands, a cleanup): kept here so none is collected early.
_RUNNING: set[asyncio.Task[None]] = set()


class Reading(Protocol):
    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class Session:
    """The socket's listener (``lean_socket.SocketListener``) for one connection."""

    __slots__ = (
        "_frames",
        "_gone",
        "_ids",
        "_inbox",
        "_log_ids",
        "_loop",
        "_opened",
        "_paused",
        "_reading",
        "_release",
        "_runtime",
        "_worker",
        "conn",
        "ending",
    )

    def __init__(
        self,
        conn: Connection,
        runtime: EdgeRuntime,
        ids: ConnectionIds,
        reading: Reading | None,
        release: Callable[[], None],
    ) -> None:
        self.conn = conn
        self._runtime = runtime
        self._ids = ids
        self._frames = FrameHandler(conn, runtime, ids)
        self._reading = reading
        self._release = release
        self._log_ids = {"connection_id": conn.connection_id, "player_id": conn.player_id}
        # Held: asyncio.get_running_loop() makes a getpid system call each time (CPython
        # 3.11 checks for a fork), and every burst of a client's messages starts a task.
        self._loop = asyncio.get_running_loop()
        self._inbox: deque[str | bytes] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._paused = False
        self._opened = False
        self._gone = False
        self.ending: asyncio.Task[None] | None = None
        """The cleanup, once the socket is gone."""

    async def open(self, resume: ResumeFrom | None) -> None:
        """Register the connection, bind its player's key and tell the game."""
        conn, runtime = self.conn, self._runtime
        runtime.registry.add(conn)
        if runtime.memory_trim is not None:
            runtime.memory_trim.opened()
        CONNECTIONS.inc()  # from here on, ``lost`` undoes all of this
        CONNECTIONS_OPENED.inc()
        watch_expiry(conn)
        await runtime.bindings.acquire(player_pattern(conn.player_id))
        try:
            log.info("connection opened", extra={"resume": resume is not None})
            opened = SessionOpened(resume=resume, **self._ids)
            await self._to_game(opened.model_dump_json().encode())
        finally:
            # A socket lost meanwhile ends only now: the game hears of it after the opening.
            self._opened = True
            if self._gone and self.ending is None:
                self.ending = _spawn(self._loop, self.end())

    # --- the socket's callbacks ------------------------------------------------------

    def received(self, message: str | bytes) -> None:
        conn = self.conn
        conn.last_received = time.monotonic()
        if conn.closing or expired(conn):
            return  # a close is on its way: nothing more runs
        inbox = self._inbox
        if inbox is None:
            inbox = self._inbox = deque()
        inbox.append(message)
        if self._worker is None:
            self._worker = _spawn(self._loop, self._work())
        elif len(inbox) >= INBOX_PAUSE and self._reading is not None and not self._paused:
            self._paused = True
            self._reading.pause_reading()

    def lost(self, code: int, reason: str) -> None:
        self.conn.ended(code, reason)
        self._gone = True
        if self._opened and self.ending is None:
            self.ending = _spawn(self._loop, self.end())

    def shutdown(self) -> None:
        self.conn.close_after_flush(CLOSE_SERVICE_RESTART, RESTARTING_REASON)

    # --- work ----------------------------------------------------------------------

    def _log_as_the_connection(self) -> None:
        """Every task of this session logs with the connection's and player's ids,
        whichever callback starts it. Bound by each task rather than kept as a copied
        context: three objects fewer per connection for every full collection to walk
        (a dict of strings, as ``_log_ids``, is one it never tracks)."""
        bind_log_ids(self._log_ids)

    async def _work(self) -> None:
        self._log_as_the_connection()
        inbox, conn, frames = self._inbox, self.conn, self._frames
        try:
            while inbox:
                message = inbox.popleft()
                if conn.closing or conn.closed or expired(conn):
                    inbox.clear()
                    break
                if self._paused and len(inbox) < INBOX_PAUSE // 2 and self._reading is not None:
                    self._paused = False
                    self._reading.resume_reading()
                outcome = await frames.handle(message)
                if isinstance(outcome, FrameTooLarge):
                    conn.close_after_flush(CLOSE_MESSAGE_TOO_BIG, outcome.reason)
                elif outcome is not None:
                    # Anything logged while this command is handed over names it.
                    with log_context(command_id=outcome.command_id):
                        if isinstance(outcome, Forward):
                            await self._command_to_game(outcome)
                            COMMANDS_FORWARDED.inc()
                            log.debug("command forwarded", extra={"command": outcome.command})
                        else:  # answered in-stream too: an error, or a refusal's response
                            body = outcome.model_dump_json().encode()
                            await self._to_game(body, answered=outcome.delivery_id)
        except Exception:
            log.exception("handling a frame from the client failed")
            conn.close_after_flush(1000, "bye")
        finally:
            self._worker = None
            if self._paused and self._reading is not None:
                self._paused = False
                self._reading.resume_reading()

    async def _to_game(self, body: bytes, *, answered: str | None = None) -> None:
        """Send to the shard of the connection's route (``command_route``). ``answered``:
        the delivery id of an input the game will answer, which a switch of route waits for."""
        conn = self.conn
        shard = conn.route.send(answered, time.monotonic())
        await self._runtime.bus.publish(COMMANDS_EXCHANGE, command_key(shard, conn.player_id), body)

    async def _command_to_game(self, command: Forward) -> None:
        """As ``_to_game``, in the turn's batch for the shard (``CommandBatches``)."""
        conn = self.conn
        shard = conn.route.send(command.delivery_id, time.monotonic())
        await self._runtime.commands.send(shard, conn.player_id, command.body)

    async def end(self) -> None:
        """Tell the game and give back what the connection held (``lost`` runs it in a
        task of its own; the ASGI data path awaits it in the endpoint's)."""
        self._log_as_the_connection()
        conn, runtime = self.conn, self._runtime
        conn.closed = True
        conn.closing = True  # nothing more is written to a socket that is gone
        if conn.expiry is not None:
            conn.expiry.cancel()
            conn.expiry = None
        if self._worker is not None:
            self._worker.cancel()
        runtime.registry.remove(conn)
        try:
            await runtime.fanout.leave(conn)
            await runtime.bindings.release(player_pattern(conn.player_id))
            # A revoked login leaves the world at once: no link-dead grace to come back in.
            revoked = conn.close_code == CLOSE_REVOKED
            try:
                await self._to_game(
                    SessionClosed(quit=revoked, **self._ids).model_dump_json().encode()
                )
            except Exception:
                log.warning("could not tell the game the connection closed", exc_info=True)
        finally:  # even when the task is cancelled (server shutdown) in one of the awaits
            self._release()
            closed(conn)
            if runtime.memory_trim is not None:
                runtime.memory_trim.closed()


def closed(conn: Connection) -> None:
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


def _spawn(loop: asyncio.AbstractEventLoop, work: object) -> asyncio.Task[None]:
    task: asyncio.Task[None] = loop.create_task(work)  # type: ignore[arg-type]
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task
