"""Journals that fail as a process does, for the game's crash tests
(``test_game_journal.py``, ``test_game_crossing_crashes.py``)."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus.journal import Journal


class DiesAfterRecording:
    """A journal whose game dies right after a record holding ``word`` is confirmed:
    its messages never go out, and its input is never acked."""

    def __init__(self, inner: Journal, word: bytes) -> None:
        self._inner = inner
        self._word = word
        self.died = asyncio.Event()

    async def open(self) -> None:
        await self._inner.open()

    async def append(self, record: bytes) -> None:
        await self._inner.append(record)
        if self._word in record and not self.died.is_set():
            self.died.set()
            await asyncio.Event().wait()  # the process is gone: nothing after this

    async def read_recent(self, seconds: float) -> list[bytes]:
        return await self._inner.read_recent(seconds)

    async def close(self) -> None:
        await self._inner.close()
