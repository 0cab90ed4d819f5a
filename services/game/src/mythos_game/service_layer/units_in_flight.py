"""The units of the game's work sent but not all confirmed (``stream_journal``'s group
commit), in unit order.

A unit's *parts* are its record's confirm and its messages' sending. Its settlement is
one future, done once every part is, or failed with the first part that fails; it is
settled by its parts' done callbacks, so a unit costs no task of its own and no
``gather``. The units count as published in their order: the first unit not confirmed
holds back every later one, and a failed unit tells ``lost`` and stays at the head, so
every later wait (``settled``) raises. One timer watches the oldest unit: a unit not
confirmed within ``append_timeout`` seconds is lost too, and what it still sends is
cancelled.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from functools import partial

from mythos_contracts.bus.journal import JournalUnavailable


class _Unit:
    """A unit sent: its record number, its settlement, when it was sent, its parts."""

    __slots__ = ("number", "parts", "sent", "settling", "waiting")

    def __init__(
        self,
        number: int,
        settling: asyncio.Future[None],
        sent: float,
        parts: list[asyncio.Future[None]],
    ) -> None:
        self.number = number
        self.settling = settling
        self.sent = sent
        self.parts = parts
        self.waiting = len(parts)
        """Parts not confirmed yet."""

    def give_up(self) -> None:
        """Past its deadline: stop waiting for it, and stop sending what is left."""
        self.settling.cancel()
        for part in self.parts:
            part.cancel()


class UnitsInFlight:
    """``lost``: told (once per failure found) of a unit refused, failed or late, with
    the error (None: cancelled)."""

    def __init__(self, append_timeout: float, lost: Callable[[BaseException | None], None]) -> None:
        self._append_timeout = append_timeout
        self._lost = lost
        self._units: deque[_Unit] = deque()
        self._deadline: asyncio.TimerHandle | None = None
        self.published = 0
        """The number of the last unit confirmed with every unit before it."""

    def add(self, number: int, parts: list[asyncio.Future[None]]) -> asyncio.Future[None]:
        """Unit ``number`` is sent (its parts under way): returns its settlement."""
        loop = asyncio.get_running_loop()
        unit = _Unit(number, loop.create_future(), loop.time(), parts)
        self._units.append(unit)
        for part in parts:
            part.add_done_callback(partial(self._part_done, unit))
        if self._deadline is None:
            self._deadline = loop.call_later(self._append_timeout, self._check_deadline)
        return unit.settling

    async def settled(self) -> None:
        """Wait until every unit so far is confirmed; raises ``JournalUnavailable`` once
        one was not."""
        while self._units:
            await asyncio.wait([unit.settling for unit in self._units])
            if self._units and self._units[0].settling.done():
                # Its parts' callback found it failed (``lost`` was told).
                raise JournalUnavailable("a unit of the game's work was not confirmed")

    def _part_done(self, unit: _Unit, part: asyncio.Future[None]) -> None:
        """One of ``unit``'s parts is done: the unit settles with the last of them, or
        fails with the first that failed."""
        settling = unit.settling
        if settling.done():
            if not part.cancelled():
                part.exception()  # seen: the unit failed already, or was given up
            return
        if part.cancelled():
            settling.cancel()
        elif (error := part.exception()) is not None:
            settling.set_exception(error)
        else:
            unit.waiting -= 1
            if unit.waiting:
                return
            settling.set_result(None)
        self._confirmed_in_order()

    def _confirmed_in_order(self) -> None:
        while self._units and self._units[0].settling.done():
            unit = self._units[0]
            settling = unit.settling
            error = None if settling.cancelled() else settling.exception()
            if settling.cancelled() or error is not None:
                self._lost(error)  # the head stays: ``settled`` raises from now on
                return
            self._units.popleft()
            self.published = unit.number

    def _check_deadline(self) -> None:
        """One timer for all units in flight (not one per unit): the oldest is the one
        that can be late."""
        self._deadline = None
        if not self._units:
            return
        head = self._units[0]
        if head.settling.done():
            return  # the head failed (it stays): ``lost`` has been told already
        loop = asyncio.get_running_loop()
        wait = self._append_timeout - (loop.time() - head.sent)
        if wait <= 0:
            self._lost(TimeoutError(f"not confirmed in {self._append_timeout:g}s"))
            head.give_up()
            return
        self._deadline = loop.call_later(wait, self._check_deadline)
