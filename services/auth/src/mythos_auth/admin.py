"""Account administration: ``python -m mythos_auth.admin <command> <username>``.

Uses the same AUTH_* settings (so the same database) as the service. Commands: ``promote``
(alias ``grant``), ``demote`` (alias ``revoke``), ``ban [--for 7d | --until TIME]``,
``unban``, ``disable``, ``enable``, ``show``.

``demote``, ``ban`` and ``disable`` end every login of the account and queue its revocation
in the same transaction; a running auth service publishes it (within
AUTH_REVOCATION_POLL_SECONDS, or when the broker is back), and every edge then closes the
account's sockets with 4009 and the game takes the player out. Login and refresh refuse a
banned or disabled account; a promotion shows at the next login or refresh.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mythos_contracts.accounts import RevocationReason

from mythos_auth.adapters.account_store import AccountChange, SqlAccountStore
from mythos_auth.cli import database
from mythos_auth.domain.accounts import PERMANENT_BAN, Role, format_moment
from mythos_auth.settings import AuthSettings

_LENGTH = re.compile(r"(\d{1,6})([mhd])")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


@dataclass(frozen=True)
class Action:
    help: str
    values: Callable[[argparse.Namespace, datetime], dict[str, Any]]
    revoke: RevocationReason | None = None
    aliases: tuple[str, ...] = ()


def _ban_end(args: argparse.Namespace, now: datetime) -> datetime:
    until: datetime | None = args.until
    length: timedelta | None = args.length
    if until is not None:
        return until
    return PERMANENT_BAN if length is None else now + length


ACTIONS: dict[str, Action] = {
    "promote": Action(
        "make an account an admin (from its next login or refresh)",
        lambda _, __: {"role": Role.ADMIN.value},
        aliases=("grant",),
    ),
    "demote": Action(
        "make an admin a player again; ends all its logins and closes its sockets",
        lambda _, __: {"role": Role.PLAYER.value},
        "demoted",
        aliases=("revoke",),
    ),
    "ban": Action(
        "ban an account (until lifted, --for a while, or --until a time); ends all its "
        "logins and closes its sockets",
        lambda args, now: {"banned_until": _ban_end(args, now)},
        "banned",
    ),
    "unban": Action("lift an account's ban", lambda _, __: {"banned_until": None}),
    "disable": Action(
        "disable an account until enabled; ends all its logins and closes its sockets",
        lambda _, __: {"disabled": True},
        "disabled",
    ),
    "enable": Action("enable a disabled account", lambda _, __: {"disabled": False}),
}
_BY_NAME = {word: name for name, a in ACTIONS.items() for word in (name, *a.aliases)}


def _length(text: str) -> timedelta:
    match = _LENGTH.fullmatch(text.lower())
    if match is None or int(match[1]) == 0:
        raise argparse.ArgumentTypeError("a number and m, h or d, e.g. 30m, 12h, 7d")
    return int(match[1]) * _UNIT[match[2]]


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("an ISO 8601 time, e.g. 2027-01-31T12:00Z") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mythos_auth.admin", description="Manage Mythos accounts."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, action in ACTIONS.items():
        sub = commands.add_parser(name, help=action.help, aliases=list(action.aliases))
        sub.add_argument("username")
        if name == "ban":
            when = sub.add_mutually_exclusive_group()
            when.add_argument("--for", dest="length", type=_length, help="e.g. 30m, 12h, 7d")
            when.add_argument("--until", type=_moment, help="ISO 8601, e.g. 2027-01-31T12:00Z")
    show = commands.add_parser("show", help="print an account's id, role and any ban")
    show.add_argument("username")
    return parser


def _report(name: str, change: AccountChange, now: datetime) -> str:
    account = change.account
    message = f"{account.username} ({account.id}) "
    if name in ("promote", "demote"):
        message += f"is now {account.role.value}"
    else:
        message += {
            "ban": "is banned"
            + (
                ""
                if account.banned_until is None or account.banned_until >= PERMANENT_BAN
                else f" until {format_moment(account.banned_until)}"
            ),
            "unban": "is no longer banned",
            "disable": "is disabled",
            "enable": "is enabled",
        }[name]
    if ACTIONS[name].revoke is not None:
        message += f"; ended {change.ended_logins} login(s)"
    return message


async def run(settings: AuthSettings, args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    async with database(settings) as engine:
        store = SqlAccountStore(engine)
        if args.command == "show":
            stored = await store.get_by_username(args.username)
            if stored is None:
                print(f"no account named {args.username!r}", file=sys.stderr)
                return 1
            shown = stored.account
            barred = shown.barred(now)
            print(
                f"{shown.username} {shown.id} {shown.role.value}"
                + (f" ({barred})" if barred else "")
            )
            return 0
        name = _BY_NAME[args.command]
        action = ACTIONS[name]
        change = await store.change(
            username=args.username,
            values=action.values(args, now),
            revoke=action.revoke,
            now=now,
        )
        if change is None:
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 1
        print(_report(name, change, now))
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(run(AuthSettings(), args))


if __name__ == "__main__":
    sys.exit(main())
