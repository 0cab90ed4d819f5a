"""The recent ``local`` and ``global`` lines, shown to a player as they log in.

The game says every line, so it keeps the newest ``size`` of each scope in memory and
shows them from there: a login never waits on the database. Each line is also saved
(a durable message, as player state is) so the history outlives a game restart; the
stored lines are read back once at start, with a short timeout, and again in the
background until that succeeds.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Protocol

from mythos_contracts.envelope import utc_now
from mythos_contracts.events import ChatMessageData
from mythos_contracts.persistence import GLOBAL_SCOPE, ChatLine

from mythos_game.domain.commands.base import HistoryLine
from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player
from mythos_game.service_layer.player_store import PlayerStoreUnavailable

log = logging.getLogger(__name__)


class ChatLineStore(Protocol):
    async def load_chat_history(self, limit: int, timeout: float) -> list[ChatLine]:
        """The newest ``limit`` lines of every scope; raises ``PlayerStoreUnavailable``."""

    async def save_chat_line(self, line: ChatLine) -> None:
        """Durably queue one line; returns once the broker holds it."""


class ChatHistory:
    def __init__(
        self,
        store: ChatLineStore,
        subzone_of: Callable[[str], str],
        *,
        size: int = 50,
        load_timeout: float = 1.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._subzone_of = subzone_of
        self._size = size
        self._load_timeout = load_timeout
        self._now = now
        self._lines: dict[str, deque[ChatLine]] = {}
        self.loaded = False

    async def load(self) -> bool:
        """Read the stored lines (merging them under any said since start); False when
        the persistence service did not answer in time."""
        if self.loaded or self._size == 0:
            self.loaded = True
            return True
        try:
            stored = await self._store.load_chat_history(self._size, self._load_timeout)
        except (PlayerStoreUnavailable, TimeoutError) as exc:
            log.warning("chat history not loaded (%s); will try again", exc)
            return False
        self._merge(stored)
        self.loaded = True
        log.info("chat history loaded: %d line(s)", len(stored))
        return True

    async def keep_loading(self, every: float = 5.0) -> None:
        """Retry ``load`` until it succeeds (run as a background task)."""
        while True:
            if await self.load():
                return
            await asyncio.sleep(every)

    async def record(self, said: HistoryLine) -> None:
        """Keep one line (and queue it for saving). Nothing is kept with a size of 0."""
        if self._size == 0:
            return
        data = said.data
        line = ChatLine(
            line_id=uuid.uuid4().hex,
            scope=said.scope,
            channel="global" if data.channel == "global" else "local",
            player_id=data.player_id,
            player_name=data.player_name,
            message=data.message,
            text=data.text,
            sent_at=self._now(),
            distortion=data.distortion,  # the speaker's only: what every listener shared
        )
        self._keep(line)
        await self._store.save_chat_line(line)

    async def save(self, line: ChatLine) -> None:
        """Queue ``line`` for saving without keeping it (the lobby's part: every shard,
        itself included, keeps it when the relay comes)."""
        if self._size:
            await self._store.save_chat_line(line)

    def keep(self, line: ChatLine) -> None:
        """Keep a line said elsewhere (saved there); one already kept is not doubled."""
        if self._size == 0:
            return
        if any(kept.line_id == line.line_id for kept in self._lines.get(line.scope, ())):
            return
        self._keep(line)

    def welcome(self, player: Player) -> list[Outgoing]:
        """The global lines and the local lines of the player's sub-zone, oldest first,
        each a ``chat_message`` marked ``history``, for the player alone."""
        scopes = (GLOBAL_SCOPE, self._subzone_of(player.room_id))
        lines = sorted(
            (line for scope in scopes for line in self._lines.get(scope, ())),
            key=lambda line: (line.sent_at, line.line_id),
        )
        return [Outgoing("chat_message", ToPlayer(player.id), _as_message(line)) for line in lines]

    def _keep(self, line: ChatLine) -> None:
        if line.sent_at.tzinfo is None:  # stored without a zone: every time written is UTC
            line = line.model_copy(update={"sent_at": line.sent_at.replace(tzinfo=UTC)})
        kept = self._lines.setdefault(line.scope, deque(maxlen=self._size))
        kept.append(line)

    def _merge(self, stored: Iterable[ChatLine]) -> None:
        by_scope: dict[str, dict[str, ChatLine]] = {}
        for line in [*stored, *(line for kept in self._lines.values() for line in kept)]:
            by_scope.setdefault(line.scope, {})[line.line_id] = line
        self._lines = {}
        for lines in by_scope.values():
            for line in sorted(lines.values(), key=lambda line: (line.sent_at, line.line_id)):
                self._keep(line)


def _as_message(line: ChatLine) -> ChatMessageData:
    return ChatMessageData(
        channel=line.channel,
        player_id=line.player_id,
        player_name=line.player_name,
        message=line.message,
        text=line.text,
        history=True,
        distortion=line.distortion,
    )
