"""A demanding test client: follows its stream, resumes after any drop, re-sends
unanswered commands with their ``command_id``, pings, and counts every gap and
duplicate per epoch (each must be zero)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import websockets

CONTROL = {"heartbeat", "pong", "disconnect"}


@dataclass
class StreamClient:
    name: str
    token: str
    base_url: str
    auto_resume: bool = True
    stream: list[dict[str, Any]] = field(default_factory=list)
    control: list[dict[str, Any]] = field(default_factory=list)
    gaps: int = 0
    duplicates: int = 0
    duplicated: list[tuple[str, int]] = field(default_factory=list)
    """``(event type, number)`` of each message received again."""
    reconnects: int = 0
    resyncs: int = 0
    close_codes: list[int | None] = field(default_factory=list)
    epoch: str | None = None
    session_id: str | None = None
    last_seq: int = 0
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ws: Any = None
    _task: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: bool = False
    _connected: asyncio.Event = field(default_factory=asyncio.Event)

    ping_seconds: float = 10.0

    async def start(self) -> None:
        """Connect (resuming when this client already follows a stream) and keep connected."""
        self._stopping = False
        self._task = asyncio.create_task(self._run())
        async with asyncio.timeout(30):
            await self._connected.wait()

    async def disconnected(self, timeout: float = 30.0) -> None:
        if self._task is not None:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._task)

    def _url(self) -> str:
        url = self.base_url.replace("http://", "ws://") + "/api/ws"
        if self.session_id and self.epoch:
            query = {"session_id": self.session_id, "epoch": self.epoch, "last_seq": self.last_seq}
            url += "?" + urlencode(query)
        return url

    async def _run(self) -> None:
        first = True
        while not self._stopping:
            try:
                async with websockets.connect(
                    self._url(), subprotocols=["bearer", self.token], open_timeout=5
                ) as ws:
                    self._ws = ws
                    if not first:
                        self.reconnects += 1
                    first = False
                    self._connected.set()
                    for message in list(self.pending.values()):
                        await ws.send(json.dumps(message))  # same command_id: executed once
                    pinger = asyncio.create_task(self._ping(ws))
                    try:
                        async for raw in ws:
                            self._receive(json.loads(raw))
                    except websockets.ConnectionClosed:
                        pass
                    finally:
                        pinger.cancel()
                        self.close_codes.append(ws.close_code)
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            finally:
                self._ws = None
                self._connected.clear()
            self._arrived.set()
            if self._stopping or not self.auto_resume:
                return
            if self.close_codes and self.close_codes[-1] == 4001:
                return  # replaced by another session: do not fight it
            await asyncio.sleep(0.3)

    async def _ping(self, ws: Any) -> None:
        while True:
            await asyncio.sleep(self.ping_seconds)
            await ws.send(json.dumps({"command": "ping"}))

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message["event_type"]
        if kind in CONTROL:
            self.control.append(message)
        else:
            seq = message["sequence_number"]
            if kind == "game_state" and message["data"]["epoch"] != self.epoch:
                if self.epoch is not None:
                    self.resyncs += 1
                self.epoch = message["data"]["epoch"]
                self.session_id = message["data"]["session_id"]
                self.last_seq = 0
            if seq <= self.last_seq:
                self.duplicates += 1
                self.duplicated.append((kind, seq))
            else:
                self.gaps += seq - self.last_seq - 1
                self.last_seq = seq
                message["epoch"] = self.epoch
                self.stream.append(message)
            if kind == "command_response":
                self.pending.pop(message["data"].get("command_id") or "", None)
        self._arrived.set()

    async def send(self, command: str, *args: str) -> str:
        command_id = str(uuid.uuid4())
        message = {"command": command, "args": list(args), "command_id": command_id}
        self.pending[command_id] = message
        if self._ws is not None:
            try:
                await self._ws.send(json.dumps(message))
            except websockets.WebSocketException:
                pass  # re-sent on reconnect
        return command_id

    async def wait_for(
        self, predicate: Any, timeout: float = 30.0, what: str = ""
    ) -> dict[str, Any]:
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for message in self.stream[seen:]:
                        if predicate(message):
                            return message
                    seen = len(self.stream)
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            raise AssertionError(f"{self.name}: no {what} within {timeout}s") from None

    async def response(self, command_id: str, timeout: float = 30.0) -> dict[str, Any]:
        message = await self.wait_for(
            lambda m: (
                m["event_type"] == "command_response" and m["data"]["command_id"] == command_id
            ),
            timeout,
            f"response to {command_id}",
        )
        return message["data"]

    async def run(self, command: str, *args: str) -> dict[str, Any]:
        return await self.response(await self.send(command, *args))

    def chat_lines(self) -> list[str]:
        return [m["data"]["message"] for m in self.stream if m["event_type"] == "chat_message"]

    def drop(self) -> None:
        """Cut the socket without a close handshake, as a network failure would."""
        if self._ws is not None:
            self._ws.transport.abort()

    async def stop(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            await self._task

    def report(self) -> str:
        return (
            f"{self.name}: {len(self.stream)} messages, gaps={self.gaps} "
            f"duplicates={self.duplicates} reconnects={self.reconnects} resyncs={self.resyncs}"
            + (f" (doubled: {self.duplicated[:5]})" if self.duplicated else "")
        )
