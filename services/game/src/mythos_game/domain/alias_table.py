"""Player aliases: a short word of one's own for a longer command, expanded by the
server before the command is parsed (so an alias works from every client)."""

from __future__ import annotations

import re

from mythos_game.domain.chat import text_of
from mythos_game.domain.commands.base import CommandTable
from mythos_game.domain.rules import Rules
from mythos_game.domain.world import canonical_direction

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
SHORTHANDS = ("'", ":")
"""A leading ``'`` means ``say``, a leading ``:`` means ``emote``."""


def is_builtin(word: str, commands: CommandTable) -> bool:
    """True for a command word, a direction or a shorthand: never an alias's name."""
    word = word.lstrip("/").lower()
    return (
        commands.find(word) is not None
        or canonical_direction(word) is not None
        or word.startswith(SHORTHANDS)
    )


def expand(
    command: str, args: list[str], aliases: dict[str, str], commands: CommandTable, depth: int
) -> tuple[str, list[str]] | str:
    """``(command, args)`` with aliases expanded (the expansion's words go first, what was
    typed after the alias follows), or why it cannot be. Built-in words always win."""
    first = command.strip().lstrip("/").lower()
    word, levels = first, 0
    while word in aliases and not is_builtin(word, commands):
        if levels == depth:
            return f"The alias '{first}' goes more than {depth} aliases deep."
        levels += 1
        words = aliases[word].split()
        command, args = words[0], [*words[1:], *args]
        word = command.lstrip("/").lower()
    return command, args


def check_definition(
    name: str, expansion: str, aliases: dict[str, str], commands: CommandTable, rules: Rules
) -> str | None:
    """None when ``alias name expansion`` may be defined, else the reason it may not."""
    if not _NAME.match(name):
        return "An alias name is a letter, then letters, digits, '-' or '_'."
    if len(name) > rules.max_alias_name:
        return f"An alias name is at most {rules.max_alias_name} characters."
    if is_builtin(name, commands):
        return f"'{name}' is already a command; choose another name."
    if name not in aliases and len(aliases) >= rules.max_aliases:
        return f"You have {len(aliases)} aliases, the most allowed; remove one with 'unalias'."
    if len(expansion) > rules.max_alias_expansion:
        return f"An alias expands to at most {rules.max_alias_expansion} characters."
    head = expansion.split()[0].lstrip("/").lower()
    if not is_builtin(head, commands) and head not in aliases:
        return f"'{head}' is neither a command nor one of your aliases."
    table = {**aliases, name: expansion}
    word, levels = name, 0
    while word in table:
        levels += 1
        word = table[word].split()[0].lstrip("/").lower()
        if word == name:
            return f"'{name}' would end up calling itself."
        if levels > rules.max_alias_depth:
            return f"That alias would go more than {rules.max_alias_depth} aliases deep."
    return None


def clean_expansion(args: list[str]) -> str:
    return text_of(args)
