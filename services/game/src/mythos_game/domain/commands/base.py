"""The shape of a command: one definition whose usage text is also its help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mythos_game.domain.outgoing import Disconnect, Outgoing
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import World


@dataclass
class Context:
    world: World
    roster: Roster
    actor: Player
    commands: CommandTable


@dataclass
class Outcome:
    success: bool
    text: str
    events: list[Outgoing] = field(default_factory=list)
    state_changed: bool = False
    """True when the actor's stored state changed and must be saved."""
    changed_players: list[Player] = field(default_factory=list)
    """Other players whose stored state changed (e.g. moved by an admin)."""
    disconnects: list[Disconnect] = field(default_factory=list)
    """Connections to close once the events are out (``quit``, ``kick``)."""


def refused(text: str) -> Outcome:
    return Outcome(success=False, text=text)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    category: str
    usage: str
    summary: str
    run: Callable[[Context, list[str]], Outcome]
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def help_text(self) -> str:
        lines = [f"{self.name}: {self.summary}", f"Usage: {self.usage}"]
        if self.aliases:
            lines.append("Aliases: " + ", ".join(self.aliases))
        if self.examples:
            lines.append("Examples: " + "; ".join(self.examples))
        return "\n".join(lines)


class CommandTable:
    """Every command by name and alias."""

    def __init__(self, specs: list[CommandSpec]) -> None:
        self.specs = sorted(specs, key=lambda s: s.name)
        self._by_word: dict[str, CommandSpec] = {}
        for spec in specs:
            for word in (spec.name, *spec.aliases):
                if word in self._by_word:
                    raise ValueError(f"command word {word!r} is defined twice")
                self._by_word[word] = spec

    def find(self, word: str) -> CommandSpec | None:
        return self._by_word.get(word.lower())
