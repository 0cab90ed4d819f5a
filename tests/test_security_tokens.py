"""Tokens at the edge, black-box on the distributed stack.

Forged and unusable tokens are refused at the handshake (HTTP 403, no socket, no game
data): another key with the real ``kid``, ``alg: none``, an HMAC signed with the public
key, claims edited after signing, a broken signature, an unknown ``kid``, an expired
token, the wrong audience or issuer, missing claims. The ones that need a real
signature are signed with this run's own key file, and a token crafted the same way
with correct claims is accepted first, so each refusal is about the one thing changed.

On a live connection the token's expiry is enforced: closed with 4003 unless the client
sends a fresh token in-band (``{"command": "auth", "args": [token]}``) before.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import websockets
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _ws(base: str) -> str:
    return base.replace("http://", "ws://") + "/api/ws"


def _claims(sub: str, name: str, /, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": sub,
        "name": name,
        "role": "player",
        "iat": now,
        "exp": now + 300,
        "iss": "mythos-auth",
        "aud": "mythos",
        **changes,
    }
    return {k: v for k, v in claims.items() if v is not None}


async def _refused(base: str, token: str, *, in_query: bool = False) -> tuple[int, str]:
    """Connect with ``token``; the handshake must fail. (status, reason) of the refusal."""
    url, offered = _ws(base), ["bearer", token] if token else []
    if in_query:
        url, offered = f"{url}?token={token}", []
    try:
        async with websockets.connect(url, subprotocols=offered or None) as ws:  # type: ignore[arg-type]
            first = await asyncio.wait_for(ws.recv(), 5)
    except websockets.InvalidStatus as exc:
        body = exc.response.body or b""
        return exc.response.status_code, json.loads(body)["detail"] if body else ""
    raise AssertionError(f"the handshake was accepted; first message: {first!r}")


async def _accepted(base: str, token: str) -> dict[str, Any]:
    async with websockets.connect(_ws(base), subprotocols=["bearer", token]) as ws:  # type: ignore[list-item]
        return json.loads(await asyncio.wait_for(ws.recv(), 15))


async def test_forged_and_unusable_tokens_are_refused_at_the_handshake(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed")
    base = system.url
    alice = await players.register_and_login(base, f"Alice{uuid.uuid4().hex[:6]}")
    bob = await players.register_and_login(base, f"Bob{uuid.uuid4().hex[:6]}")
    alice_id = jwt.decode(alice.token, options={"verify_signature": False})["sub"]
    bob_id = jwt.decode(bob.token, options={"verify_signature": False})["sub"]
    async with httpx.AsyncClient(base_url=base) as http:
        jwk = (await http.get("/auth/.well-known/jwks.json")).json()["keys"][0]
    kid = jwk["kid"]
    key_file = (
        Path(system.env["MYTHOS_DATA_DIR"]) / f"{system.env['MYTHOS_DB_PREFIX']}_auth_ed25519.pem"
    )
    real_key = load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(real_key, Ed25519PrivateKey)

    def signed(claims: dict[str, Any], key: Any = real_key, header_kid: str = kid) -> str:
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": header_kid})

    # Controls: the real token, and one crafted with the real key and correct claims,
    # are accepted. Every forgery below differs from the crafted one in one respect.
    skewed = int(time.time()) + 3
    for what, token in (
        ("login token", alice.token),
        ("crafted", signed(_claims(alice_id, alice.name))),
        # Issued by a clock 3 s ahead of the edge's: within the leeway on iat and nbf.
        ("crafted, iat 3 s ahead", signed(_claims(alice_id, alice.name, iat=skewed))),
        (
            "crafted, nbf 3 s ahead",
            signed(_claims(alice_id, alice.name, nbf=skewed)),
        ),
    ):
        state = await _accepted(base, token)
        assert state["event_type"] == "game_state", state
        print(f"control {what}: accepted, first message {state['event_type']}")

    head, payload, signature = alice.token.split(".")
    as_bob = json.loads(_unb64(payload)) | {"sub": bob_id, "name": bob.name}
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    public_raw = real_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    hs_body = _b64(json.dumps(_claims(bob_id, bob.name)).encode())
    hs_mac = hmac.new(public_raw, f"{hs_header}.{hs_body}".encode(), hashlib.sha256).digest()
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    now = int(time.time())
    forgeries = {
        "another Ed25519 key, same kid": signed(
            _claims(alice_id, alice.name), key=Ed25519PrivateKey.generate()
        ),
        "alg none": f"{none_header}.{_b64(json.dumps(_claims(bob_id, bob.name)).encode())}.",
        "HS256 keyed with the public key": f"{hs_header}.{hs_body}.{_b64(hs_mac)}",
        "claims edited after signing (sub -> Bob)": f"{head}.{_b64(json.dumps(as_bob).encode())}.{signature}",
        "signature altered": f"{head}.{payload}.{flipped}",
        "unknown kid": signed(_claims(alice_id, alice.name), header_kid="not-a-published-key"),
        "expired (real key)": signed(_claims(alice_id, alice.name, iat=now - 120, exp=now - 60)),
        "wrong audience (real key)": signed(_claims(alice_id, alice.name, aud="someone-else")),
        "wrong issuer (real key)": signed(_claims(alice_id, alice.name, iss="evil-auth")),
        "no exp (real key)": signed(_claims(alice_id, alice.name, exp=None)),
        "no sub (real key)": signed(_claims(alice_id, alice.name, sub=None)),
        "issued a minute in the future (real key)": signed(
            _claims(alice_id, alice.name, iat=now + 60)
        ),
        "not before a minute from now (real key)": signed(
            _claims(alice_id, alice.name, nbf=now + 60)
        ),
        "not a JWT": "not-a-token",
        "oversized": "a" * 3000 + "." + "b" * 3000 + ".c",
    }
    for what, token in forgeries.items():
        status, reason = await _refused(base, token)
        print(f"tried {what!r}: refused at the handshake, HTTP {status} ({reason})")
        assert status == 403, what
        assert reason in ("invalid token", "token expired"), (what, reason)
    status, reason = await _refused(base, forgeries["alg none"], in_query=True)
    print(f"tried 'alg none' as ?token=: refused, HTTP {status} ({reason})")
    assert status == 403
    status, reason = await _refused(base, "")
    print(f"tried no token: refused, HTTP {status} ({reason})")
    assert status == 403 and "no token" in reason
    assert (await _refused(base, forgeries["expired (real key)"]))[1] == "token expired"

    # The edge's own account of each refusal: every forgery failed for its own reason.
    await asyncio.sleep(0.5)
    reasons = [
        line["msg"].split("refused a connection: ", 1)[1]
        for line in system.log_lines()
        if "refused a connection: " in line["msg"]
    ]
    print("the edge logged:\n  " + "\n  ".join(reasons))
    for expected in (
        "Signature verification failed",
        "alg value is not allowed",
        "unknown key",
        "token expired",
        "Audience",
        "Invalid issuer",
        '"exp" claim',
        '"sub" claim',
        "not yet valid (iat)",
        "not yet valid (nbf)",
        "token too long",
        "no token",
    ):
        assert any(expected in reason for reason in reasons), expected


def _exp(token: str) -> int:
    return int(jwt.decode(token, options={"verify_signature": False})["exp"])


async def _until(moment: float) -> None:
    await asyncio.sleep(max(moment - time.time(), 0))


async def _closed(player: Any, timeout: float) -> int:
    async with asyncio.timeout(timeout):
        while player.close_code is None:
            await asyncio.sleep(0.05)
    return int(player.close_code)


TTL = 4


async def test_a_live_connection_ends_with_its_token_unless_refreshed_in_band(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", AUTH_ACCESS_TOKEN_TTL_SECONDS=str(TTL))
    base = system.url
    bob = await players.register_and_login(base, f"Bob{uuid.uuid4().hex[:6]}")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        name = f"Alice{uuid.uuid4().hex[:6]}"
        assert (
            await http.post("/auth/register", json={"username": name, "password": "pw" * 5})
        ).status_code == 201
        login = (
            await http.post("/auth/login", json={"username": name, "password": "pw" * 5})
        ).json()
        assert login["expires_in"] == TTL
        alice = type(bob)(name, login["access_token"])
        await alice.connect(base)
        await bob.connect(base)
        await alice.event("game_state")
        await bob.event("game_state")

        # Half-way through her token's life, Alice renews it at the auth service and
        # hands the new one to the edge over the open socket.
        await _until(_exp(alice.token) - TTL / 2)
        renewed = await http.post("/auth/refresh", json={"refresh_token": login["refresh_token"]})
        assert renewed.status_code == 200, renewed.text
        fresh = renewed.json()["access_token"]
        assert _exp(fresh) > _exp(alice.token)
        await alice.send_raw(json.dumps({"command": "auth", "args": [fresh], "command_id": "r1"}))
        ok = await alice.wait_for(lambda m: m["event_type"] == "auth_ok", what="auth_ok")
        print(f"alice refreshed in-band, answer: {ok['event_type']} {ok['data']}")
        assert ok["data"]["command_id"] == "r1" and 0 < ok["data"]["expires_in"] <= TTL
        stream = [m for m in alice.received if m["event_type"] != "auth_ok"]
        assert ok["sequence_number"] == stream[-1]["sequence_number"], "a control message"

    # Another player's token is refused in-stream and changes nothing.
    await alice.send_raw(json.dumps({"command": "auth", "args": [bob.token], "command_id": "r2"}))
    refused = await alice.event("error", command_id="r2")
    print(f"alice sent Bob's token in-band: error {refused['data']['message']!r}")
    assert "another player" in refused["data"]["message"]

    # Bob did not refresh: at his token's expiry the edge closes him with 4003.
    code = await _closed(bob, TTL + 5)
    late = time.time() - _exp(bob.token)
    print(f"bob, not refreshed: closed {code} ({bob.ws.close_reason!r}), {late:+.2f}s after exp")
    assert code == 4003 and "expired" in bob.ws.close_reason
    assert -0.5 < late < 3

    # Alice outlives her first token and plays on...
    await _until(_exp(alice.token) + 0.3)
    assert alice.close_code is None, "closed although refreshed"
    assert (await alice.run("look"))["success"] is True
    print("alice, refreshed: connected after her first token expired; 'look' answered")
    # ...until the refreshed one expires in turn.
    code = await _closed(alice, TTL + 5)
    late = time.time() - _exp(fresh)
    print(f"alice, not refreshed again: closed {code} ({alice.ws.close_reason!r}), {late:+.2f}s")
    assert code == 4003 and -0.5 < late < 3
    numbers = [m["sequence_number"] for m in alice.received if m["event_type"] not in CONTROL]
    assert numbers == list(range(1, len(numbers) + 1)), numbers

    # And an expired token opens nothing.
    status, reason = await _refused(base, bob.token)
    print(f"bob reconnects with his expired token: HTTP {status} ({reason})")
    assert (status, reason) == (403, "token expired")


CONTROL = {"heartbeat", "pong", "disconnect", "auth_ok"}
