"""Ed25519 token-signing keys: one PEM file, or a directory of them for rotation.

Single-file mode (``AUTH_KEY_FILE``): the one key signs and is the only one published.
Directory mode (``AUTH_KEY_DIR``): every ``*.pem`` is published in the JWKS, and the file
whose name sorts last signs unless ``AUTH_ACTIVE_KID`` names another. ``mythos_auth.keys
rotate`` writes new keys named by UTC time, so "sorts last" means "newest".
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    kid: str

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        return cls(private_key=private_key, kid=jwk_thumbprint(_public_members(private_key)))

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK (RFC 8037); never includes the private ``d``."""
        return {
            **_public_members(self.private_key),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


def _public_members(private_key: Ed25519PrivateKey) -> dict[str, str]:
    raw = private_key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def jwk_thumbprint(members: dict[str, str]) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members, sorted, without whitespace."""
    required = {name: members[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


class KeyConfigurationError(ValueError):
    """The signing keys are missing, unreadable or unsafe; the service must not start."""


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new tokens and every key whose tokens still verify."""

    active: SigningKey
    # Every published key, the active one included, in file order (oldest first).
    keys: tuple[SigningKey, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.keys:
            object.__setattr__(self, "keys", (self.active,))

    def get(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        """The active key first, then the older ones, newest first."""
        others = [key for key in reversed(self.keys) if key.kid != self.active.kid]
        return {"keys": [key.public_jwk() for key in (self.active, *others)]}


def load_key_file(path: Path, *, refuse_world_readable: bool = False) -> SigningKey:
    """Load one PEM key. Blocking: run in a thread."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o007 and refuse_world_readable:
        raise KeyConfigurationError(
            f"signing key {path} is readable by every user (mode {mode:o}); chmod 600 it"
        )
    if mode & 0o077:
        log.warning("signing key %s is readable by others (mode %o); use 0600", path, mode)
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyConfigurationError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyConfigurationError(f"{path} does not hold an Ed25519 private key")
    return SigningKey.from_private_key(private_key)


def load_or_create_signing_key(path: Path) -> SigningKey:
    """Load the key at ``path``, creating it (mode 0600) if missing. Blocking: run in a thread."""
    if not path.exists():
        _create_key_file(path)
    return load_key_file(path)


def key_files(directory: Path) -> list[Path]:
    """The ``*.pem`` files of a key directory, oldest (by name) first."""
    return sorted(path for path in directory.glob("*.pem") if path.is_file())


STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_STAMPED = re.compile(r"^(\d{8}T\d{6}Z)-")


def file_stamp(path: Path) -> datetime | None:
    """The UTC time in a key file's name (``20261125T210000Z-...``), if it has one."""
    match = _STAMPED.match(path.name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:  # e.g. the 00000000T000000Z of an imported key
        return None


def new_key_file_name(kid: str, now: datetime | None = None) -> str:
    """``20261125T210000Z-<kid prefix>.pem``: sorts by creation time, names its key."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:{STAMP_FORMAT}}-{kid[:8]}.pem"


def generate_key_file(directory: Path, now: datetime | None = None) -> tuple[Path, SigningKey]:
    """Write a fresh key into ``directory`` (mode 0600). Blocking: run in a thread.

    Its name sorts after every existing key, even within the same second (or if the clock
    went back), so it is the one that signs.
    """
    private_key = Ed25519PrivateKey.generate()
    key = SigningKey.from_private_key(private_key)
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    stamps = [stamp for stamp in map(file_stamp, key_files(directory)) if stamp is not None]
    if stamps and moment <= max(stamps):
        moment = max(stamps) + timedelta(seconds=1)
    path = directory / new_key_file_name(key.kid, moment)
    _write_new_key(path, _pem(private_key))
    log.info("generated a new token signing key %s at %s", key.kid, path)
    return path, key


def import_key_file(source: Path, directory: Path) -> Path:
    """Copy a single-file key into a key directory, named to sort before any rotated key."""
    key = load_key_file(source)
    path = directory / f"00000000T000000Z-{key.kid[:8]}.pem"
    _write_new_key(path, source.read_bytes())
    return path


def load_key_ring(
    *,
    key_file: Path,
    key_dir: Path | None,
    active_kid: str | None,
    allow_generate: bool,
    refuse_world_readable: bool = False,
) -> KeyRing:
    """Load the signing keys as configured. Blocking: run in a thread.

    ``allow_generate`` (development only) creates a missing key; production must be given
    its keys. A key directory with no key yet imports ``key_file`` if that exists, so
    switching from ``AUTH_KEY_FILE`` to ``AUTH_KEY_DIR`` keeps existing tokens valid.
    """
    if key_dir is None:
        if not key_file.exists():
            if not allow_generate:
                raise KeyConfigurationError(
                    f"no signing key at {key_file} (AUTH_KEY_FILE); in production it must be "
                    "provided, never generated: create one with 'python -m mythos_auth.keys "
                    "rotate' and AUTH_KEY_DIR, or mount an existing key"
                )
            _create_key_file(key_file)
        key = load_key_file(key_file, refuse_world_readable=refuse_world_readable)
        if active_kid is not None and active_kid != key.kid:
            raise KeyConfigurationError(
                f"AUTH_ACTIVE_KID {active_kid} is not the key in {key_file} ({key.kid})"
            )
        return KeyRing(active=key)

    if not key_dir.is_dir() and allow_generate:
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not key_dir.is_dir():
        raise KeyConfigurationError(f"AUTH_KEY_DIR {key_dir} is not a directory")
    paths = key_files(key_dir)
    if not paths and key_file.exists():
        paths = [import_key_file(key_file, key_dir)]
        log.info("imported the signing key of %s into %s", key_file, key_dir)
    if not paths:
        if not allow_generate:
            raise KeyConfigurationError(
                f"no signing key (*.pem) in {key_dir} (AUTH_KEY_DIR); in production keys must "
                "be provided, never generated: run 'python -m mythos_auth.keys rotate'"
            )
        generate_key_file(key_dir)
        paths = key_files(key_dir)
    keys = _unique(
        load_key_file(path, refuse_world_readable=refuse_world_readable) for path in paths
    )
    if active_kid is None:
        return KeyRing(active=keys[-1], keys=keys)
    active = next((key for key in keys if key.kid == active_kid), None)
    if active is None:
        raise KeyConfigurationError(f"AUTH_ACTIVE_KID {active_kid} is not a key in {key_dir}")
    return KeyRing(active=active, keys=keys)


def _unique(keys: Iterable[SigningKey]) -> tuple[SigningKey, ...]:
    """Drop repeats of a key (the same key under two file names), keeping the last."""
    by_kid: dict[str, SigningKey] = {}
    for key in keys:
        by_kid.pop(key.kid, None)
        by_kid[key.kid] = key
    return tuple(by_kid.values())


def _pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _write_new_key(path: Path, pem: bytes) -> bool:
    """Write ``pem`` to ``path`` (0600, via mkstemp) unless it exists; True if this call did."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp_name)


def _create_key_file(path: Path) -> None:
    # A complete temporary file is hard-linked into place: the link fails if the key already
    # exists, so two instances starting together end up sharing one key, and nobody ever
    # reads a half-written file.
    if _write_new_key(path, _pem(Ed25519PrivateKey.generate())):
        log.info("generated a new token signing key at %s", path)
