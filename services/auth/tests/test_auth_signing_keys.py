"""Signing key file handling, thumbprints and the argon2 adapter."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mythos_auth.adapters.password_hasher import Argon2PasswordHasher
from mythos_auth.adapters.signing_keys import (
    SigningKey,
    jwk_thumbprint,
    load_or_create_signing_key,
)
from mythos_auth.adapters.tokens import TokenIssuer
from mythos_auth.domain.accounts import Account
from mythos_auth.domain.sessions import InvalidAccessToken


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_thumbprint_matches_rfc_8037_example() -> None:
    # RFC 8037, appendix A.1 and A.3.
    private = Ed25519PrivateKey.from_private_bytes(
        _unb64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    )
    key = SigningKey.from_private_key(private)
    assert key.public_jwk()["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert jwk_thumbprint(key.public_jwk()) == key.kid


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "key.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_signing_key(path).kid == first.kid
    # No temporary files are left behind next to the key.
    assert [p.name for p in path.parent.iterdir()] == ["key.pem"]


def test_a_non_ed25519_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text("not a key")
    with pytest.raises(ValueError):
        load_or_create_signing_key(path)


def test_public_jwk_has_no_private_part(tmp_path: Path) -> None:
    jwk = load_or_create_signing_key(tmp_path / "key.pem").public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")


def test_issued_tokens_verify_with_the_jwks(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path / "key.pem")
    issuer = TokenIssuer(key, issuer="iss", audience="aud", ttl_seconds=60)
    account = Account.new("Armitage")
    now = datetime.now(UTC)
    issued = issuer.issue(account, now=now)
    assert issued.expires_in == 60
    public = jwt.PyJWK(issuer.jwks()["keys"][0])
    claims = jwt.decode(issued.token, public, algorithms=["EdDSA"], audience="aud", issuer="iss")
    assert claims["sub"] == account.id and claims["name"] == "Armitage"
    assert claims["exp"] - claims["iat"] == 60


def test_iat_and_nbf_allow_a_few_seconds_of_clock_skew_and_exp_none(tmp_path: Path) -> None:
    """A token from a clock a little ahead still verifies; one from the future does not."""
    key = load_or_create_signing_key(tmp_path / "key.pem")
    issuer = TokenIssuer(key, issuer="iss", audience="aud", ttl_seconds=60)
    account = Account.new("Armitage")
    now = datetime.now(UTC)
    ahead = issuer.issue(account, now=now + timedelta(seconds=4)).token
    assert issuer.verify(ahead, now).account_id == account.id
    future = issuer.issue(account, now=now + timedelta(seconds=60)).token
    with pytest.raises(InvalidAccessToken, match="not valid yet"):
        issuer.verify(future, now)

    def signed(**claims: object) -> str:
        body = {"sub": account.id, "name": "Armitage", "iss": "iss", "aud": "aud"}
        return jwt.encode(
            body | claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
        )

    stamp = int(now.timestamp())
    assert issuer.verify(signed(iat=stamp, nbf=stamp + 4, exp=stamp + 60), now)
    with pytest.raises(InvalidAccessToken, match="not valid yet"):
        issuer.verify(signed(iat=stamp, nbf=stamp + 60, exp=stamp + 120), now)
    with pytest.raises(InvalidAccessToken, match="not valid yet"):
        issuer.verify(signed(iat="yesterday", exp=stamp + 60), now)
    # exp has no leeway at all.
    with pytest.raises(InvalidAccessToken, match="expired"):
        issuer.verify(signed(iat=stamp - 60, exp=stamp), now)


async def test_argon2_hasher_round_trip() -> None:
    hasher = await Argon2PasswordHasher.create()
    password_hash = await hasher.hash("miskatonic")
    assert password_hash.startswith("$argon2id$")
    assert await hasher.verify(password_hash, "miskatonic")
    assert not await hasher.verify(password_hash, "wrong password")
    assert not await hasher.verify("garbage", "miskatonic")
    assert not hasher.needs_rehash(password_hash)
    await hasher.verify_dummy("anything")
