"""The one command registry. Adding a command is adding its module to ``_MODULES``."""

from __future__ import annotations

from dataclasses import dataclass

from mythos_game.domain.commands import go, help, look, say, who
from mythos_game.domain.commands.base import CommandSpec, CommandTable
from mythos_game.domain.world import canonical_direction

_MODULES = (look, go, say, who, help)

COMMANDS = CommandTable([m.SPEC for m in _MODULES])


@dataclass(frozen=True)
class Parsed:
    spec: CommandSpec
    args: list[str]


def parse(command: str, args: list[str]) -> Parsed | None:
    """Resolve what a player typed: case-insensitive, optional leading ``/``,
    a bare direction means ``go <direction>``. None when nothing matches."""
    word = command.strip().lstrip("/").lower()
    spec = COMMANDS.find(word)
    if spec is not None:
        return Parsed(spec, args)
    direction = canonical_direction(word)
    if direction is not None:
        go_spec = COMMANDS.find("go")
        assert go_spec is not None
        return Parsed(go_spec, [direction])
    return None
