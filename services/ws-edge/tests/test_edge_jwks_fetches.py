"""The edge fetches the auth service's keys at most once per interval, whether the fetch
fails or a token names a key nobody published: a real HTTP server counts the requests."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import jwt
import pytest
from mythos_edge.adapters.token_verifier import InvalidToken, JwksTokenVerifier, KeysUnavailable


@dataclass
class FakeJwks:
    url: str
    status: int = 500
    requests: int = 0


@pytest.fixture
async def jwks() -> AsyncIterator[FakeJwks]:
    state = FakeJwks(url="")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        state.requests += 1
        body = json.dumps({"keys": []}).encode()
        head = f"HTTP/1.1 {state.status} X\r\ncontent-length: {len(body)}\r\n"
        writer.write(head.encode() + b"connection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}/auth/.well-known/jwks.json"
    async with server:
        yield state


def _token(kid: str) -> str:
    return jwt.encode({"sub": "p1"}, "x" * 32, algorithm="HS256", headers={"kid": kid})


async def test_a_failing_key_fetch_is_not_retried_on_every_handshake(jwks: FakeJwks) -> None:
    verifier = JwksTokenVerifier(jwks.url, issuer="i", audience="a", refetch_seconds=60)
    for _ in range(20):
        with pytest.raises(KeysUnavailable):  # 503 for the client: not the token's fault
            await verifier.verify(_token(uuid.uuid4().hex))
    assert jwks.requests == 1


async def test_random_key_ids_cost_one_fetch_per_interval(jwks: FakeJwks) -> None:
    jwks.status = 200
    now = [100.0]  # the interval's clock, driven here: a busy machine cannot stretch it
    verifier = JwksTokenVerifier(
        jwks.url, issuer="i", audience="a", refetch_seconds=0.3, clock=lambda: now[0]
    )
    for _ in range(20):
        with pytest.raises(InvalidToken, match="unknown key"):
            await verifier.verify(_token(uuid.uuid4().hex))
    assert jwks.requests == 1
    now[0] += 0.4  # past the interval: a new kid may be a new key
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(_token("rotated"))
    assert jwks.requests == 2


async def test_after_a_failure_the_next_interval_fetches_again(jwks: FakeJwks) -> None:
    now = [100.0]
    verifier = JwksTokenVerifier(
        jwks.url, issuer="i", audience="a", refetch_seconds=0.3, clock=lambda: now[0]
    )
    with pytest.raises(KeysUnavailable):
        await verifier.verify(_token("k1"))
    jwks.status = 200
    now[0] += 0.4
    with pytest.raises(InvalidToken, match="unknown key"):  # fetched: k1 really is unknown
        await verifier.verify(_token("k1"))
    assert jwks.requests == 2
