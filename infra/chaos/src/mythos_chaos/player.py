"""A talking player that does what the protocol asks of a client: it resumes after any
drop, re-sends its unanswered commands with their ``command_id``, honours
``retry_after``, and records every command, every line it heard and its stream's
numbering (gaps, duplicates, resyncs) in the run's ledger."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
import websockets

CONTROL = frozenset({"heartbeat", "pong", "disconnect", "auth_ok"})
REPLACED = 4001  # another connection took this player's session: do not fight it
RECONNECT_DELAY = 0.3


@dataclass
class Command:
    """One ``say`` (or walk), from the moment it was first sent."""

    command_id: str
    sender: str
    text: str
    sent_at: float
    frame: str
    answered_at: float | None = None  # the first answer (a refusal for the rate is none)
    succeeded: bool = False
    result: str = ""


@dataclass
class Ledger:
    """Every command of a run and every line heard, by whom, how often."""

    commands: dict[str, Command] = field(default_factory=dict)
    heard: Counter[tuple[str, str]] = field(default_factory=Counter)  # (text, listener)


@dataclass(frozen=True)
class StreamCounts:
    name: str
    gaps: int
    duplicates: int
    resyncs: int
    reconnects: int


class ChaosPlayer:
    def __init__(self, name: str, token: str, ws_url: str, ledger: Ledger) -> None:
        self.name = name
        self._token = token
        self._ws_url = ws_url
        self._ledger = ledger
        self.epoch: str | None = None
        self._session_id: str | None = None
        self._last_seq = 0
        self._gaps = self._duplicates = self._resyncs = self._reconnects = 0
        self.pending: dict[str, Command] = {}  # unanswered, in the order first sent
        self.ready = asyncio.Event()  # the first game_state arrived
        self._ws: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._retries: set[asyncio.Task[None]] = set()

    def counts(self) -> StreamCounts:
        return StreamCounts(
            self.name, self._gaps, self._duplicates, self._resyncs, self._reconnects
        )

    async def start(self, timeout: float = 60.0) -> None:
        """Connect, and keep connected (resuming) until ``stop``; returns once in the world."""
        self._task = asyncio.create_task(self._run())
        async with asyncio.timeout(timeout):
            await self.ready.wait()

    async def stop(self) -> None:
        self._stopping = True
        for retry in self._retries:
            retry.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            await self._task

    async def say(self, text: str) -> None:
        await self._command("say", [text], text)

    async def walk(self, direction: str, text: str) -> None:
        """``go <direction>``, recorded like a say under ``text`` (which nobody hears:
        unanswered, it counts as lost)."""
        await self._command("go", [direction], text)

    async def run(self, name: str, args: list[str], timeout: float = 30.0) -> Command:
        """Send a command and wait for its answer (an admin's, beside the load)."""
        command = await self._command(name, args, " ".join([name, *args]))
        async with asyncio.timeout(timeout):
            while command.answered_at is None:  # noqa: ASYNC110 (answers come by the socket)
                await asyncio.sleep(0.05)
        return command

    async def _command(self, name: str, args: list[str], text: str) -> Command:
        command_id = str(uuid.uuid4())
        frame = orjson.dumps({"command": name, "args": args, "command_id": command_id})
        command = Command(command_id, self.name, text, time.monotonic(), frame.decode())
        self._ledger.commands[command_id] = command
        self.pending[command_id] = command
        await self._send(command)
        return command

    async def _send(self, command: Command) -> None:
        if self._ws is None:
            return  # re-sent on reconnect
        try:
            await self._ws.send(command.frame)
        except websockets.WebSocketException:
            pass  # re-sent on reconnect

    def _url(self) -> str:
        if self._session_id is None or self.epoch is None:
            return self._ws_url
        resume = {"session_id": self._session_id, "epoch": self.epoch, "last_seq": self._last_seq}
        return f"{self._ws_url}?{urlencode(resume)}"

    async def _run(self) -> None:
        connected_before = False
        while not self._stopping:
            close_code: int | None = None
            try:
                async with websockets.connect(
                    self._url(),
                    subprotocols=[
                        websockets.Subprotocol("bearer"),
                        websockets.Subprotocol(self._token),
                    ],
                    open_timeout=10,
                    max_queue=None,
                ) as ws:
                    self._ws = ws
                    self._reconnects += connected_before
                    connected_before = True
                    for command in list(self.pending.values()):
                        await self._send(command)  # the same command_id: run at most once
                    try:
                        async for raw in ws:
                            self._receive(orjson.loads(raw))
                    except websockets.ConnectionClosed:
                        pass
                    close_code = ws.close_code
            except (OSError, TimeoutError, websockets.WebSocketException):
                pass
            finally:
                self._ws = None
            if close_code == REPLACED:
                return
            if not self._stopping:
                await asyncio.sleep(RECONNECT_DELAY)

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message["event_type"]
        if kind in CONTROL:
            return
        now = time.monotonic()
        if kind == "game_state" and message["data"]["epoch"] != self.epoch:
            self._resyncs += self.epoch is not None
            self.epoch = message["data"]["epoch"]
            self._session_id = message["data"]["session_id"]
            self._last_seq = 0
            self.ready.set()
        seq = message["sequence_number"]
        if seq <= self._last_seq:
            self._duplicates += 1
            return
        self._gaps += seq - self._last_seq - 1
        self._last_seq = seq
        data = message["data"]
        if kind == "chat_message":
            self._ledger.heard[(data["message"], self.name)] += 1
        elif kind in ("command_response", "error") and data.get("command_id") in self.pending:
            self._answered(self.pending[data["command_id"]], data, now)

    def _answered(self, command: Command, data: dict[str, Any], now: float) -> None:
        retry_after = data.get("retry_after")
        if retry_after is not None:  # refused for the rate: it did not run; send it again
            retry = asyncio.create_task(self._resend_after(command, float(retry_after)))
            self._retries.add(retry)
            retry.add_done_callback(self._retries.discard)
            return
        command.answered_at = now
        command.succeeded = bool(data.get("success", False))
        command.result = str(data.get("result", data.get("message", "")))
        del self.pending[command.command_id]

    async def _resend_after(self, command: Command, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if command.command_id in self.pending:
            await self._send(command)
