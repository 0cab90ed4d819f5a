"""Signing-key rotation without logging anyone out, and the keys CLI."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from mythos_auth import keys as keys_cli
from mythos_auth.adapters.signing_keys import (
    KeyConfigurationError,
    generate_key_file,
    key_files,
    load_key_ring,
    load_or_create_signing_key,
    new_key_file_name,
)
from mythos_auth.settings import AuthSettings


def _verify_with_jwks(jwks: dict[str, Any], token: str) -> dict[str, Any]:
    """What the edge does: pick the JWK by the token's kid and verify offline."""
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in jwks["keys"] if key["kid"] == kid]
    return jwt.decode(
        token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience="mythos", issuer="mythos-auth"
    )


def _rotate(settings: AuthSettings, capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``python -m mythos_auth.keys rotate`` against ``settings``; the new kid."""
    assert keys_cli.run(settings, keys_cli._parser().parse_args(["rotate"])) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("new signing key "))
    return line.split()[3]


@pytest.fixture
def dir_settings(auth_settings: AuthSettings, configure: Any, tmp_path: Path) -> AuthSettings:
    return configure(auth_settings, key_dir=tmp_path / "keys")


async def test_tokens_from_before_a_rotation_still_verify_and_new_ones_use_the_new_key(
    dir_settings: AuthSettings,
    serve: Any,
    api_for: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serve(dir_settings) as (_, client):
        api = api_for(client)
        before = await api.tokens("Armitage")
        old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
        assert [k["kid"] for k in (await api.jwks())["keys"]] == [old_kid]

    new_kid = _rotate(dir_settings, capsys)
    assert new_kid != old_kid

    async with serve(dir_settings) as (_, client):
        api = api_for(client)
        jwks = await api.jwks()
        # The new key signs and comes first; the old one is still published.
        assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
        assert _verify_with_jwks(jwks, before["access_token"])["name"] == "Armitage"
        assert (await api.me(before["access_token"])).status_code == 200
        # Nobody was logged out: the old refresh token still works, and yields a new-kid token.
        refreshed = (await api.refresh(before["refresh_token"])).json()
        assert jwt.get_unverified_header(refreshed["access_token"])["kid"] == new_kid
        fresh = (await api.login("Armitage")).json()
        assert jwt.get_unverified_header(fresh["access_token"])["kid"] == new_kid
        assert _verify_with_jwks(jwks, fresh["access_token"])["role"] == "player"


async def test_active_kid_pins_the_signing_key_while_a_new_one_is_published(
    dir_settings: AuthSettings,
    serve: Any,
    api_for: Any,
    configure: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The multi-instance procedure: publish everywhere first, switch signing second."""
    async with serve(dir_settings) as (_, client):
        old_kid = (await api_for(client).jwks())["keys"][0]["kid"]
    pinned = configure(dir_settings, active_kid=old_kid)
    new_kid = _rotate(pinned, capsys)
    async with serve(pinned) as (_, client):
        api = api_for(client)
        assert [k["kid"] for k in (await api.jwks())["keys"]] == [old_kid, new_kid]
        token = (await api.tokens("Armitage"))["access_token"]
        assert jwt.get_unverified_header(token)["kid"] == old_kid
    async with serve(configure(dir_settings, active_kid=new_kid)) as (_, client):
        api = api_for(client)
        token = (await api.login("Armitage")).json()["access_token"]
        assert jwt.get_unverified_header(token)["kid"] == new_kid


async def test_switching_from_a_key_file_to_a_key_dir_keeps_tokens_valid(
    auth_settings: AuthSettings,
    serve: Any,
    api_for: Any,
    configure: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with serve(auth_settings) as (_, client):
        before = await api_for(client).tokens("Armitage")
    kid = jwt.get_unverified_header(before["access_token"])["kid"]

    # Pointing AUTH_KEY_DIR at an empty directory imports the single key...
    moved = configure(auth_settings, key_dir=tmp_path / "imported")
    async with serve(moved) as (_, client):
        api = api_for(client)
        assert [k["kid"] for k in (await api.jwks())["keys"]] == [kid]
        assert (await api.me(before["access_token"])).status_code == 200

    # ...and so does the first rotation on a fresh directory.
    rotated = configure(auth_settings, key_dir=tmp_path / "rotated")
    new_kid = _rotate(rotated, capsys)
    names = [p.name for p in key_files(tmp_path / "rotated")]
    assert names[0].startswith("00000000T000000Z-") and len(names) == 2
    async with serve(rotated) as (_, client):
        api = api_for(client)
        assert [k["kid"] for k in (await api.jwks())["keys"]] == [new_kid, kid]
        assert (await api.me(before["access_token"])).status_code == 200


def test_rotate_needs_a_key_directory(
    auth_settings: AuthSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert keys_cli.run(auth_settings, keys_cli._parser().parse_args(["rotate"])) == 2
    assert "AUTH_KEY_DIR" in capsys.readouterr().err


def test_rotated_key_files_are_private_and_sort_by_time(tmp_path: Path) -> None:
    early = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    path, key = generate_key_file(tmp_path, now=early)
    assert path.name == f"20260102T030405Z-{key.kid[:8]}.pem"
    assert (path.stat().st_mode & 0o777) == 0o600
    later, _ = generate_key_file(tmp_path, now=early + timedelta(seconds=1))
    assert key_files(tmp_path) == [path, later]
    # Within the same second, or with a clock that went back, the newest still sorts last.
    same, _ = generate_key_file(tmp_path, now=early)
    assert same.name.startswith("20260102T030407Z-")
    assert key_files(tmp_path) == [path, later, same]
    assert new_key_file_name("abcdefghijk", early) == "20260102T030405Z-abcdefgh.pem"


def test_key_ring_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigurationError, match="not a key in"):
        generate_key_file(tmp_path)
        load_key_ring(
            key_file=tmp_path / "none.pem",
            key_dir=tmp_path,
            active_kid="nope",
            allow_generate=True,
        )
    single = tmp_path / "single" / "key.pem"
    load_or_create_signing_key(single)
    with pytest.raises(KeyConfigurationError, match="AUTH_ACTIVE_KID"):
        load_key_ring(key_file=single, key_dir=None, active_kid="nope", allow_generate=True)
    with pytest.raises(KeyConfigurationError, match="not a directory"):
        load_key_ring(key_file=single, key_dir=single, active_kid=None, allow_generate=False)


def test_the_same_key_twice_is_published_once(tmp_path: Path) -> None:
    path, key = generate_key_file(tmp_path)
    (tmp_path / "zz-copy.pem").write_bytes(path.read_bytes())
    ring = load_key_ring(
        key_file=tmp_path / "x.pem", key_dir=tmp_path, active_kid=None, allow_generate=False
    )
    assert [k["kid"] for k in ring.jwks()["keys"]] == [key.kid]


def _key_at(directory: Path, when: datetime) -> keys_cli.KeyFile:
    path, key = generate_key_file(directory, now=when)
    return keys_cli.KeyFile(path, key.kid, when)


def test_prune_keeps_the_signer_its_predecessor_and_recent_keys(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    keep = timedelta(seconds=900 + 360)
    keys = [
        _key_at(tmp_path, now - timedelta(days=90)),
        _key_at(tmp_path, now - timedelta(days=60)),
        _key_at(tmp_path, now - timedelta(days=30)),
        _key_at(tmp_path, now - timedelta(minutes=5)),  # signing
    ]
    # Key 2 is the signer's predecessor: kept however old. Keys 0 and 1 were superseded
    # long ago.
    assert keys_cli.prunable(keys, 3, now, keep) == keys[:2]
    # Had the signer's predecessor been superseded only minutes ago, it would stay too.
    recent = [keys[0], keys[1], _key_at(tmp_path, now - timedelta(minutes=5)), keys[3]]
    assert keys_cli.prunable(recent, 3, now, keep) == [keys[0]]
    # A pinned older signer keeps everything after it (pending keys).
    assert keys_cli.prunable(keys, 1, now, keep) == []
    assert keys_cli.prunable(keys[:1], 0, now, keep) == []


def test_prune_and_list_commands(
    auth_settings: AuthSettings,
    configure: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "keys"
    now = datetime.now(UTC)
    for days in (90, 60, 30):
        generate_key_file(directory, now=now - timedelta(days=days))
    settings = configure(auth_settings, key_dir=directory)

    def run(*argv: str) -> str:
        assert keys_cli.run(settings, keys_cli._parser().parse_args(list(argv))) == 0
        return capsys.readouterr().out

    listing = run("list").splitlines()
    assert [line.split()[1] for line in listing] == ["old", "old", "signing"]
    assert run("prune", "--dry-run").startswith("would delete")
    assert len(key_files(directory)) == 3
    assert run("prune").startswith("deleted")
    assert len(key_files(directory)) == 2
    assert run("prune") == "nothing to prune\n"


def test_keys_cli_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_KEY_DIR", str(tmp_path / "env-keys"))
    monkeypatch.setenv("AUTH_KEY_FILE", str(tmp_path / "absent.pem"))
    monkeypatch.delenv("AUTH_ACTIVE_KID", raising=False)
    assert keys_cli.main(["rotate"]) == 0
    assert keys_cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "signing" in out
    [path] = key_files(tmp_path / "env-keys")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
