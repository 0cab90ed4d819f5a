"""Writes docs/commands.md from the command definitions and the game's settings, so the
page can never disagree with ``help``.

    uv run python -m mythos_game.entrypoints.command_docs           # rewrite the file
    uv run python -m mythos_game.entrypoints.command_docs --check   # exit 1 if stale
"""

from __future__ import annotations

import argparse
import sys
from itertools import groupby
from pathlib import Path

from mythos_game.domain.commands.base import CommandSpec
from mythos_game.domain.commands.registry import COMMANDS
from mythos_game.domain.world import DIRECTION_WORDS
from mythos_game.settings import GameSettings

DEFAULT_PATH = Path(__file__).resolve().parents[5] / "docs" / "commands.md"
_LIMIT_PREFIXES = (
    "chat_",
    "alias_",
    "mute_",
    "inventory_",
    "room_items_",
    "spawn_",
    "floor_",
    "combat_",
    "flee_",
    "pvp",
    "arrival_ward_",
    "unarmed_",
    "dp_regen_",
    "mp_regen_",
    "bleed_",
    "auto_respawn_",
    "max_characters",
    "rolls_",
    "lucidity_",
    "meditate_",
    "pray_",
    "terror_",
)

_INTRO = """\
# Commands

<!-- Generated from the command definitions (services/game/src/mythos_game/domain/commands)
     by `uv run python -m mythos_game.entrypoints.command_docs`. Do not edit by hand. -->

Every command is parsed by the game, whichever client sent it. A command word is
case-insensitive and may start with `/`. Shorthands: `'text` is `say text`, `:text` is
`emote text`, and a direction alone (`north`, `n`, ...) is `go <direction>`. Your own
aliases (see `alias`) are expanded before any of this. `help` lists the commands by
category and `help <command>` shows one, from the same definitions as this page.

Each command gets exactly one `command_response` (`success`, `result`: the text you
read). What others see arrives as events (see docs/protocol.md).

What your character's state allows is checked before any command: each command says
when it is usable (while fighting, bleeding, dead or catatonic). Otherwise it is refused
with one line: bleeding `You are bleeding and can barely move. Someone must 'aid' you.`,
dead `You are dead. Type 'respawn' to return to the living.`, catatonic `Your body will
not answer you. Someone must 'ground' you.`, fighting the command's own (`go`: `You are
fighting! Flee first.`). Admin commands are usable in any state.
"""

_CHANNELS = """\
## Chat channels

Every line is a `chat_message` event `{channel, player_id, player_name, message, text}`
(`player_*` name the speaker; `text` is the line as read). The speaker reads the line
as the `result` of their command and gets no `chat_message` of their own (but for a
broadcast).

| channel | command | reaches | the others read | you read |
|---|---|---|---|---|
| `say` | `say <text>`, `'text` | the others in your room | `Alice says: X` | `You say: X` |
| `emote` | `emote <action>`, `me`, `:action` | the others in your room | `Alice laughs.` | `Alice laughs.` |
| `local` | `local <text>` | the others in the rooms of your sub-zone | `[local] Alice: X` | `[local] Alice: X` |
| `global` | `global <text>` | every other player online | `[global] Alice: X` | `[global] Alice: X` |
| `whisper` | `whisper <player> <text>`, `reply <text>` | that one player, anywhere | `Alice whispers to you: X` | `You whisper to Bob: X` |
| `system` | `broadcast <text>` (admins); notices of admin actions | everyone, the admin too (broadcast), or the player acted on | `[system] X` | `Broadcast to 3 players: X` |

Reach is computed when the line is said: a player who has just walked into the room
(or sub-zone) hears it; one who has just left does not. Whispers need the other player
in the world (a link-dead player gets them on their return).

**History.** The last lines of `global` and of the `local` channel of the sub-zone you
log in to are sent right after your `game_state`, oldest first, each marked
`history: true`, before anything live. They are kept by the persistence service, so
they outlive a restart of the game. A resumed connection gets no history (it missed
nothing).

**A troubled mind** (lucidity, see the Mind commands) bends chat on every channel but
`system`, and `chat_message.distortion` lists what was done to the line. The speaker's
own effects reach everyone (and the history): an uneasy speaker's whispers and replies
read `Alice whispers to you (strained): X` (`strained`, always); a fractured speaker's
line may gain ` ✶` at the end of `message` (`glyph`, 20 %), the speaker's `result` too.
The listener's effects are rolled per line per listener, who then gets a copy of their
own: fractured listeners may hear it `muffled` (30 %: `.,!?;:"` removed from `message`
and from the message part of `text`), deranged ones `scrambled` (10 %: the words swap in
pairs, 1<->2, 3<->4, ...). `GAME_LUCIDITY_RANDOM_EFFECTS=always` makes every chance
effect happen, `never` none of them (`strained` stays).

**Refusals** (`success: false`, nothing is sent): an empty line; a line over the length
limit; a muted player ("You are muted for 4 minutes 10 seconds more: ..."); a player over
a rate limit ("You are talking too fast on say: slow down and try again in 12 seconds.").
Refused lines do not count against the limit. Control characters and line breaks in a
line become spaces, so one line can never pass for several.

**Sessions.** `quit` closes the connection with code 1000 (reason `goodbye`); the room
gets `player_left` at once. `kick` closes it with code **4004** (reason `kicked by an
admin`): a client should not reconnect by itself after 4004. `ban` closes it with code
**4009** (its login was revoked): the client must not reconnect with the token it holds.

**Admins.** The role comes from the access token (`role` claim), never from the client,
and is checked on every command: the edge attaches the role of the socket's current token
to each one, so an in-band refresh with a demoted token ends admin powers at once. Grant
it with `python -m mythos_auth.admin promote <username>`; a demotion (`demote`) ends the
account's logins and closes its sockets. Everyone
else gets `Only admins may use '<command>'.` and nothing happens. Every admin action, and
every refused attempt, is logged by the game on the logger `mythos_game.audit`, one line
each: `admin action=<command> allowed=yes|no actor=<name> actor_id=<id> role=<role>
target=<...> detail=<...>`.
"""


def _limits() -> str:
    lines = [
        "## Limits (defaults)",
        "",
        "Settings of the game service (environment variable `GAME_<NAME>`).",
        "Per-minute limits count per player over a sliding minute; 0 means unlimited.",
        "",
        "| setting | default | |",
        "|---|---|---|",
    ]
    for name, info in GameSettings.model_fields.items():
        if name.startswith(_LIMIT_PREFIXES):
            default = "unset" if info.default is None else str(info.default).lower()
            lines.append(f"| `GAME_{name.upper()}` | {default} | {info.description or ''} |")
    lines.append("")
    return "\n".join(lines)


def _command(spec: CommandSpec) -> str:
    out = [f"#### `{spec.name}`", "", spec.summary + (" *Admins only.*" if spec.admin else ""), ""]
    out.append(f"Usage: `{spec.usage}`")
    if spec.aliases:
        out.append("")
        out.append("Also: " + ", ".join(f"`{a}`" for a in spec.aliases))
    if spec.details:
        out += ["", spec.details]
    if spec.examples:
        out += ["", "Examples: " + ", ".join(f"`{e}`" for e in spec.examples)]
    if not spec.admin:
        out += ["", spec.states_text()]
    out.append("")
    return "\n".join(out)


def render() -> str:
    parts = [_INTRO, _CHANNELS, _limits(), "## Commands", ""]
    directions = ", ".join(f"`{d}`/`{short[0]}`" for d, short in DIRECTION_WORDS.items())
    by_category = sorted(COMMANDS.specs, key=lambda s: (s.category == "Admin", s.category, s.name))
    for category, specs in groupby(by_category, key=lambda s: s.category):
        parts += [f"### {category}", ""]
        if category == "World":
            parts += [f"Directions: {directions}.", ""]
        parts += [_command(spec) for spec in specs]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is not current")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m {__spec__.name}", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
