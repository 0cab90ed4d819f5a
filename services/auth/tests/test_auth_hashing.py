"""Password hashing is bounded: each argon2id hash holds 64 MiB, so only as many run at once
as AUTH_PASSWORD_HASH_MEMORY_MIB allows; past a short wait the answer is 503 + Retry-After."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from argon2 import PasswordHasher
from mythos_auth.adapters.password_hasher import (
    HASH_MEMORY_MIB,
    Argon2PasswordHasher,
    slots_for,
)
from mythos_auth.service_layer.ports import HashingBusy
from mythos_auth.settings import PROCESS_MEMORY_MIB, AuthSettings


def test_the_budget_sets_the_number_of_slots_and_the_memory_limit() -> None:
    assert HASH_MEMORY_MIB == 64
    assert [slots_for(mib) for mib in (64, 127, 128, 256, 1024)] == [1, 1, 2, 4, 16]
    settings = AuthSettings(password_hash_memory_mib=256)
    assert settings.memory_limit_mib == PROCESS_MEMORY_MIB + 256
    with pytest.raises(ValueError):
        AuthSettings(password_hash_memory_mib=32)  # not even one hash


class CountingHasher(PasswordHasher):
    """Cheap parameters, and a count of how many hashes run at the same moment."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.02)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


async def test_no_more_hashes_run_at_once_than_there_are_slots() -> None:
    counting = CountingHasher()
    hasher = Argon2PasswordHasher(counting, counting.hash("secret"), slots=2, wait_seconds=60.0)
    try:
        results = await asyncio.gather(*(hasher.verify_dummy("guess") for _ in range(12)))
    finally:
        hasher.close()
    assert results == [None] * 12
    assert counting.most == 2


async def test_a_caller_gets_hashing_busy_when_no_slot_frees_in_time() -> None:
    counting = CountingHasher()
    hasher = Argon2PasswordHasher(counting, counting.hash("secret"), slots=1, wait_seconds=0.05)
    try:
        async with hasher.reserved():
            with pytest.raises(HashingBusy) as busy:
                await hasher.verify_dummy("guess")
            assert busy.value.waited == 0.05
        # Freed: the next caller gets the slot.
        await hasher.verify_dummy("guess")
    finally:
        hasher.close()


async def test_login_and_registration_answer_503_with_retry_after_while_hashing_is_full(
    auth_settings: AuthSettings, serve: Any, api_for: Any, configure: Any
) -> None:
    settings = configure(auth_settings, password_hash_memory_mib=64, password_hash_wait_seconds=0.5)
    async with serve(settings) as (app, client):
        api = api_for(client)
        await api.register("Armitage")
        hasher = app.state.auth.hasher
        assert hasher.slots == 1
        async with hasher.reserved():  # every slot taken, e.g. by a burst of logins
            for response in (
                await api.login("Armitage", address="198.51.100.1"),
                await api.register("Wilbur", address="198.51.100.1"),
            ):
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"] == "1"
                assert response.json() == {
                    "detail": "the server is busy checking passwords; try again in 1 s",
                    "retry_after": 1,
                }
        # A 503 is not a failed guess: the owner is not locked out by a busy server.
        for _ in range(settings.login_lockout_threshold + 1):
            async with hasher.reserved():
                assert (await api.login("Armitage")).status_code == 503
        assert (await api.login("Armitage")).status_code == 200
        assert (await api.register("Wilbur")).status_code == 201
