"""Account administration: ``python -m mythos_auth.admin grant <username>``.

Uses the same AUTH_* settings (so the same database) as the service. A role change shows in
access tokens issued from then on: at the next login or refresh, so within one access-token
lifetime. ``revoke`` also ends the account's logins so a former admin cannot keep refreshing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.session_store import SqlSessionStore
from mythos_auth.cli import database
from mythos_auth.domain.accounts import Role
from mythos_auth.settings import AuthSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mythos_auth.admin", description="Manage Mythos accounts' roles."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grant = commands.add_parser("grant", help="make an account an admin")
    grant.add_argument("username")
    revoke = commands.add_parser(
        "revoke", help="make an admin a player again and end all of its logins"
    )
    revoke.add_argument("username")
    show = commands.add_parser("show", help="print an account's id and role")
    show.add_argument("username")
    return parser


async def run(settings: AuthSettings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        store = SqlAccountStore(engine)
        if args.command == "show":
            stored = await store.get_by_username(args.username)
            if stored is None:
                print(f"no account named {args.username!r}", file=sys.stderr)
                return 1
            shown = stored.account
            print(f"{shown.username} {shown.id} {shown.role.value}")
            return 0
        role = Role.ADMIN if args.command == "grant" else Role.PLAYER
        account = await store.set_role(args.username, role)
        if account is None:
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 1
        message = f"{account.username} ({account.id}) is now {role.value}"
        if args.command == "revoke":
            ended = await SqlSessionStore(engine).revoke_account(
                account.id, "role", datetime.now(UTC)
            )
            message += f"; ended {ended} login(s)"
        print(message)
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(run(AuthSettings(), args))


if __name__ == "__main__":
    sys.exit(main())
