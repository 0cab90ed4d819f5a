"""The one command registry. Adding a command is adding its module to ``_MODULES``."""

from __future__ import annotations

from dataclasses import dataclass

from mythos_game.domain.alias_table import expand
from mythos_game.domain.commands import (
    admin,
    aid,
    alias,
    aliases,
    attack,
    ban,
    broadcast,
    characters,
    chardelete,
    create,
    drop,
    emote,
    equip,
    flee,
    get,
    give,
    global_,
    go,
    goto,
    ground,
    help,
    inventory,
    kick,
    local,
    look,
    meditate,
    mute,
    play,
    pose,
    pray,
    professions,
    purge,
    quit,
    reply,
    respawn,
    roll,
    say,
    setstat,
    spawn,
    status,
    summon,
    teleport,
    unalias,
    unequip,
    unmute,
    use,
    whisper,
    who,
    whoami,
)
from mythos_game.domain.commands.base import CommandSpec, CommandTable
from mythos_game.domain.world import canonical_direction

_MODULES = (
    look,
    go,
    say,
    emote,
    pose,
    whisper,
    reply,
    local,
    global_,
    who,
    whoami,
    help,
    inventory,
    get,
    drop,
    give,
    equip,
    unequip,
    use,
    meditate,
    pray,
    ground,
    alias,
    aliases,
    unalias,
    quit,
    teleport,
    goto,
    summon,
    spawn,
    purge,
    mute,
    unmute,
    kick,
    ban,
    broadcast,
    admin,
    status,
    roll,
    professions,
    create,
    characters,
    play,
    chardelete,
    setstat,
    attack,
    flee,
    aid,
    respawn,
)

COMMANDS = CommandTable([m.SPEC for m in _MODULES])

# A leading ' means say, a leading : means emote: "'hello there", ":waves."
_SHORTHANDS = {"'": "say", ":": "emote"}


@dataclass(frozen=True)
class Parsed:
    spec: CommandSpec
    args: list[str]


def parse(command: str, args: list[str]) -> Parsed | None:
    """Resolve what a player typed: case-insensitive, optional leading ``/``,
    a bare direction means ``go <direction>``, ``'text`` means ``say text`` and
    ``:text`` means ``emote text``. None when nothing matches."""
    typed = command.strip().lstrip("/")
    shorthand = _SHORTHANDS.get(typed[:1])
    if shorthand is not None:
        rest = typed[1:]
        spec = COMMANDS.find(shorthand)
        assert spec is not None
        return Parsed(spec, [rest, *args] if rest else list(args))
    word = typed.lower()
    spec = COMMANDS.find(word)
    if spec is not None:
        return Parsed(spec, args)
    direction = canonical_direction(word)
    if direction is not None:
        go_spec = COMMANDS.find("go")
        assert go_spec is not None
        return Parsed(go_spec, [direction])
    return None


def resolve(
    command: str, args: list[str], player_aliases: dict[str, str], depth: int
) -> Parsed | str:
    """``parse`` after expanding the player's aliases; a string says why it cannot run."""
    expanded = expand(command, args, player_aliases, COMMANDS, depth)
    if isinstance(expanded, str):
        return expanded
    parsed = parse(*expanded)
    if parsed is None:
        return f"Unknown command '{command}'. Type 'help' for the list."
    return parsed
