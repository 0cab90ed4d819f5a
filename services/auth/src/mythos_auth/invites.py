"""Invite codes: ``python -m mythos_auth.invites create --days 7``.

Codes are random (128 bits), single-use and expire. Only their SHA-256 is stored, so a code
is printed once, here, and cannot be shown again. Registration asks for one only while the
service runs with AUTH_REQUIRE_INVITE=true.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from mythos_auth.adapters.session_store import SqlInviteStore
from mythos_auth.cli import database
from mythos_auth.domain.sessions import hash_secret, new_invite_code
from mythos_auth.settings import AuthSettings


def _positive_days(text: str) -> float:
    days = float(text)
    if not 0 < days <= 366:
        raise argparse.ArgumentTypeError("days must be more than 0 and at most 366")
    return days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mythos_auth.invites", description="Manage Mythos invite codes."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create invite codes and print them")
    create.add_argument("--days", type=_positive_days, default=7.0, help="lifetime (default 7)")
    create.add_argument("--count", type=int, default=1, choices=range(1, 101), metavar="N")
    create.add_argument("--note", default=None, help="who it is for (stored, shown by list)")
    commands.add_parser("list", help="list invites (hash prefix, expiry, use)")
    return parser


async def run(settings: AuthSettings, args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    async with database(settings) as engine:
        store = SqlInviteStore(engine)
        if args.command == "create":
            expires_at = now + timedelta(days=args.days)
            note = args.note[:200] if args.note else None
            for _ in range(args.count):
                code = new_invite_code()
                await store.add(hash_secret(code), now, expires_at, note)
                print(code)
            print(
                f"{args.count} invite code(s), single use, valid until "
                f"{expires_at:%Y-%m-%d %H:%M} UTC",
                file=sys.stderr,
            )
            return 0
        for invite in await store.all():
            if invite.used_at is not None:
                state = f"used {invite.used_at:%Y-%m-%d %H:%M} by {invite.used_by}"
            elif invite.expires_at <= now:
                state = "expired"
            else:
                state = "unused"
            print(
                f"{invite.code_hash[:12]}  expires {invite.expires_at:%Y-%m-%d %H:%M} UTC  "
                f"{state}  {invite.note or ''}".rstrip()
            )
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(run(AuthSettings(), args))


if __name__ == "__main__":
    sys.exit(main())
