"""Signing-key rotation: ``python -m mythos_auth.keys rotate``.

Works on AUTH_KEY_DIR (or ``--key-dir``), the directory whose ``*.pem`` files the service
publishes in its JWKS; the file whose name sorts last signs unless AUTH_ACTIVE_KID names
another. New keys are named by UTC time, so the newest sorts last. The service reads the
directory at startup: restart it (every instance) after a rotation. See docs/security.md
for the full procedure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mythos_auth.adapters.signing_keys import (
    KeyConfigurationError,
    file_stamp,
    generate_key_file,
    import_key_file,
    key_files,
    load_key_file,
)
from mythos_auth.settings import AuthSettings

# Edges cache the JWKS for up to 5 minutes (Cache-Control max-age=300); one more for slack.
JWKS_CACHE_SLACK = timedelta(seconds=360)


@dataclass(frozen=True)
class KeyFile:
    path: Path
    kid: str
    created_at: datetime


def _created_at(path: Path) -> datetime:
    stamp = file_stamp(path)
    if stamp is not None:  # imported keys (00000000T000000Z-...) have none
        return stamp
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def describe(directory: Path) -> list[KeyFile]:
    return [
        KeyFile(path, load_key_file(path).kid, _created_at(path)) for path in key_files(directory)
    ]


def active_index(keys: Sequence[KeyFile], active_kid: str | None) -> int:
    if active_kid is None:
        return len(keys) - 1
    for index, key in enumerate(keys):
        if key.kid == active_kid:
            return index
    raise KeyConfigurationError(f"AUTH_ACTIVE_KID {active_kid} is not a key in the directory")


def prunable(keys: Sequence[KeyFile], active: int, now: datetime, keep: timedelta) -> list[KeyFile]:
    """Keys safe to delete: older than the signing key's predecessor, and superseded by a key
    created more than ``keep`` ago (so their tokens have expired and caches moved on)."""
    return [
        key
        for index, key in enumerate(keys[: max(active - 1, 0)])
        if keys[index + 1].created_at <= now - keep
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mythos_auth.keys", description="Rotate Mythos token-signing keys."
    )
    parser.add_argument("--key-dir", type=Path, default=None, help="default: AUTH_KEY_DIR")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate", help="generate a new signing key (it signs after a restart)")
    commands.add_parser("list", help="list the keys, marking the one that signs")
    prune = commands.add_parser("prune", help="delete old keys whose tokens have all expired")
    prune.add_argument("--dry-run", action="store_true")
    return parser


def run(settings: AuthSettings, args: argparse.Namespace) -> int:
    directory: Path | None = args.key_dir or settings.key_dir
    if directory is None:
        print(
            "no key directory: set AUTH_KEY_DIR (or pass --key-dir). The first rotation "
            f"imports the current single key ({settings.key_file}) so its tokens stay valid.",
            file=sys.stderr,
        )
        return 2
    if args.command == "rotate":
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not key_files(directory) and settings.key_file.exists():
            imported = import_key_file(settings.key_file, directory)
            print(f"imported {settings.key_file} as {imported}")
        path, key = generate_key_file(directory)
        print(f"new signing key {key.kid} in {path}")
        if settings.active_kid:
            print(
                f"AUTH_ACTIVE_KID={settings.active_kid} still pins the signing key: the new "
                f"key is published but signs only once AUTH_ACTIVE_KID={key.kid} (or unset)"
            )
        print("restart every auth instance to publish it and start signing with it")
        return 0
    if not directory.is_dir():
        print(f"{directory} is not a directory", file=sys.stderr)
        return 2
    keys = describe(directory)
    if not keys:
        print(f"no keys in {directory}")
        return 0
    active = active_index(keys, settings.active_kid)
    if args.command == "list":
        for index, entry in enumerate(keys):
            marker = "signing" if index == active else ("pending" if index > active else "old")
            print(
                f"{entry.kid}  {marker:7}  {entry.created_at:%Y-%m-%d %H:%M} UTC  {entry.path.name}"
            )
        return 0
    keep = timedelta(seconds=settings.access_token_ttl_seconds) + JWKS_CACHE_SLACK
    doomed = prunable(keys, active, datetime.now(UTC), keep)
    for entry in doomed:
        if not args.dry_run:
            entry.path.unlink()
        print(f"{'would delete' if args.dry_run else 'deleted'} {entry.kid} ({entry.path.name})")
    if not doomed:
        print("nothing to prune")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(AuthSettings(), args)
    except KeyConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
