"""Use cases against a fake store: replies, versioning decisions, outage behaviour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mythos_contracts.persistence import (
    LoadPlayerReply,
    LoadPlayerRequest,
    PersistenceError,
    PlayerStateChanged,
)
from mythos_persistence.service_layer.handlers import handle_load, handle_save
from mythos_persistence.service_layer.ports import StoredPlayer, StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff


class FakeStore:
    """In-memory store with the port's versioning, failing its first ``failures`` calls."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.rows: dict[str, StoredPlayer] = {}
        self.failures = failures
        self.error = error or StoreUnavailable("connection refused")
        self.calls = 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise self.error

    async def load(self, player_id: str) -> StoredPlayer | None:
        self._maybe_fail()
        return self.rows.get(player_id)

    async def save_if_newer(self, state: PlayerStateChanged) -> bool:
        self._maybe_fail()
        current = self.rows.get(state.player_id)
        if current is not None and current.version >= state.version:
            return False
        self.rows[state.player_id] = StoredPlayer(
            state.player_id, state.name, state.room_id, state.version, datetime.now(UTC)
        )
        return True


def change(version: int, room: str = "library") -> PlayerStateChanged:
    return PlayerStateChanged(player_id="p1", name="Armitage", room_id=room, version=version)


REQUEST = LoadPlayerRequest(player_id="p1", name="Armitage")


async def test_load_of_a_new_player_is_version_zero_without_room() -> None:
    reply = await handle_load(FakeStore(), REQUEST)
    assert reply == LoadPlayerReply(player_id="p1", name="Armitage", room_id=None, version=0)


async def test_load_returns_the_stored_state() -> None:
    store = FakeStore()
    await handle_save(store, change(3, "library"))
    reply = await handle_load(store, REQUEST)
    assert reply == LoadPlayerReply(player_id="p1", name="Armitage", room_id="library", version=3)


async def test_load_while_the_database_is_down_replies_an_error() -> None:
    reply = await handle_load(FakeStore(failures=1), REQUEST)
    assert isinstance(reply, PersistenceError)
    assert "database unavailable" in reply.error


async def test_load_on_an_unexpected_failure_still_replies() -> None:
    reply = await handle_load(FakeStore(failures=1, error=ValueError("boom")), REQUEST)
    assert isinstance(reply, PersistenceError)
    assert "ValueError" in reply.error


async def test_save_applies_newer_versions_only() -> None:
    store = FakeStore()
    assert await handle_save(store, change(1, "street")) is True
    assert await handle_save(store, change(1, "attic")) is False
    assert await handle_save(store, change(2, "library")) is True
    assert await handle_save(store, change(1, "cellar")) is False
    assert store.rows["p1"].room_id == "library"
    assert store.rows["p1"].version == 2


async def test_save_waits_out_an_outage_with_capped_exponential_backoff() -> None:
    store = FakeStore(failures=8)
    slept: list[float] = []

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)

    assert await handle_save(store, change(1), sleep=fake_sleep) is True
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert store.calls == 9
    assert store.rows["p1"].version == 1


async def test_save_logs_each_failed_attempt(caplog: pytest.LogCaptureFixture) -> None:
    async def no_sleep(_delay: float) -> None:
        return None

    await handle_save(FakeStore(failures=3), change(1), sleep=no_sleep)
    failures = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(failures) == 3


async def test_save_propagates_errors_that_are_not_an_outage() -> None:
    # Such a change can never be written: it must be dead-lettered, not retried forever.
    with pytest.raises(ValueError):
        await handle_save(FakeStore(failures=1, error=ValueError("bad value")), change(1))


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = Backoff(initial=0.5, maximum=10.0).delays()
    assert [next(delays) for _ in range(8)] == [0.5, 1, 2, 4, 8, 10, 10, 10]
