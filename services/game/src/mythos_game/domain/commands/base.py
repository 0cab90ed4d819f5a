"""The shape of a command: one definition whose usage text is also its help."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mythos_contracts.accounts import BanRequest
from mythos_contracts.events import ChatMessageData

from mythos_game.domain.character import Characteristics
from mythos_game.domain.characters import Character, CharacterNames
from mythos_game.domain.conditions import ANY_STATE, FIGHTING, State
from mythos_game.domain.directory import DirectoryView, NoDirectory
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import ADMIN_ROLE, PLAYER_ROLE, LinkView, NoLinks
from mythos_game.domain.outgoing import (
    Disconnect,
    Outgoing,
    RemoteCall,
    RemoteWhisper,
    WorldLine,
    ZoneMove,
)
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import ChatLimiter, Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World
from mythos_game.domain.zone_owners import ZoneOwners


@dataclass
class Context:
    world: World
    roster: Roster
    actor: Player
    commands: CommandTable
    now: float = field(default_factory=time.time)
    """Wall-clock time of this command (epoch seconds); tests pass their own."""
    rules: Rules = field(default_factory=Rules)
    limiter: ChatLimiter = field(default_factory=ChatLimiter)
    started_at: float | None = None
    """When the game started (for ``admin status``)."""
    can_ban: bool = False
    """True when bans reach the auth service (the game has a bus to it)."""
    role: str = PLAYER_ROLE
    """The role of the token behind this very message (each message carries it): what
    admin commands check, never anything remembered from a login."""
    links: LinkView = field(default_factory=NoLinks)
    """How the players are connected, as far as commands show it (link-dead, role)."""
    state: GameState = field(default_factory=GameState)
    """Items, NPCs and fights: what the world holds besides the players."""
    tick: int = 0
    """The game clock's last tick (fights count their rounds in ticks)."""
    rng: random.Random = field(default_factory=random.Random)
    """Every chance in play comes from here; unit tests seed it."""
    status: StatusLedger = field(default_factory=StatusLedger)
    """Causes of status changes of this command: each noted character gets one
    ``status_update`` after the command's other events."""
    names: CharacterNames = field(default_factory=CharacterNames)
    """Every active character's name, for uniqueness."""
    pending_rolls: dict[str, Characteristics] = field(default_factory=dict)
    """Account id -> its last ``roll``, until ``create`` uses it (not stored)."""
    directory: DirectoryView = field(default_factory=NoDirectory)
    """The players of the other shards, and every shard (the world directory's replica)."""
    spans_shards: bool = False
    """True on a shard of a split map: ``global`` and ``broadcast`` lines reach players
    through the lobby, which orders them for every shard (``Outcome.world_lines``)."""
    invocation: tuple[str, tuple[str, ...]] = ("", ())
    """The command being run and its arguments, aliases expanded (what a ``RemoteCall``
    sends to run on another shard)."""
    zones: ZoneOwners | None = None
    """Who owns each zone now; None for a game holding the whole world (no map split)."""


@dataclass(frozen=True)
class HistoryLine:
    """A ``local`` or ``global`` line to keep for the chat history shown at login."""

    scope: str
    """``global``, or the sub-zone id of a ``local`` line."""
    data: ChatMessageData


@dataclass(frozen=True)
class AuditEntry:
    """An admin action (or a refused attempt at one), logged with who did it."""

    action: str
    target: str = ""
    detail: str = ""
    allowed: bool = True


@dataclass
class Outcome:
    success: bool
    text: str
    events: list[Outgoing] = field(default_factory=list)
    state_changed: bool = False
    """True when the actor's stored state changed and must be saved."""
    changed_players: list[Player] = field(default_factory=list)
    """Other players whose stored state changed (e.g. moved by an admin)."""
    changed_characters: list[Character] = field(default_factory=list)
    """Characters whose stored state changed besides the played ones saved with their
    players and those noted in ``Context.status`` (e.g. one created or deleted)."""
    switch_to: Character | None = None
    """``play``: the actor becomes this character once the command's events are out."""
    disconnects: list[Disconnect] = field(default_factory=list)
    """Connections to close once the events are out (``quit``, ``kick``)."""
    history: list[HistoryLine] = field(default_factory=list)
    """Chat lines to keep for the history shown at login."""
    audit: list[AuditEntry] = field(default_factory=list)
    bans: list[BanRequest] = field(default_factory=list)
    """Bans for the auth service to apply (only it owns accounts)."""
    lead: str | None = None
    """A move's words before the arrival room's description (the rest of ``text``): a
    move into another shard's room is answered there, with the room as that shard sees
    it (who stands in it). None: ``text`` is the whole answer."""
    relays: list[RemoteWhisper] = field(default_factory=list)
    """Whispers to players on other shards, for their shards to deliver."""
    world_lines: list[WorldLine] = field(default_factory=list)
    """Lines for every player of every shard, in the lobby's order (``spans_shards``)."""
    call: RemoteCall | None = None
    """Run this command on another shard's player there; answered when it is done."""
    zone_moves: list[ZoneMove] = field(default_factory=list)
    """Zones this shard hands to another once the answer is out (``admin move``)."""


def refused(text: str) -> Outcome:
    return Outcome(success=False, text=text)


Run = Callable[[Context, list[str]], Outcome]


def admin_only(action: str) -> Callable[[Run], Run]:
    """Guard a command's ``run``: anyone but an admin (``Context.role``, the role of the
    message's token; never anything the client says) gets a refusal and nothing happens.
    Refused attempts are audited too."""

    def guard(run: Run) -> Run:
        def guarded(ctx: Context, args: list[str]) -> Outcome:
            if ctx.role != ADMIN_ROLE:
                outcome = refused(f"Only admins may use '{action}'.")
                outcome.audit.append(AuditEntry(action, " ".join(args), allowed=False))
                return outcome
            return run(ctx, args)

        guarded.admin_guarded = True  # type: ignore[attr-defined]
        guarded.__doc__ = run.__doc__
        return guarded

    return guard


@dataclass(frozen=True)
class CommandSpec:
    name: str
    category: str
    usage: str
    summary: str
    run: Run
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    admin: bool = False
    """Only admins may run it (checked by ``run`` itself); listed to admins only."""
    details: str = ""
    """More rules, shown by ``help <command>`` and in docs/commands.md."""
    allowed_when: frozenset[State] = frozenset({FIGHTING})
    """The states of the character (fighting, bleeding, dead, catatonic) in which the
    command may run; checked before ``run`` (admin commands run in any state)."""
    fighting_refusal: str = "You cannot do that in the middle of a fight."
    """The refusal while fighting, when fighting is not in ``allowed_when``."""

    def help_text(self) -> str:
        lines = [f"{self.name}: {self.summary}", f"Usage: {self.usage}"]
        if self.details:
            lines.append(self.details)
        if not self.admin:
            lines.append(self.states_text())
        if self.aliases:
            lines.append("Aliases: " + ", ".join(self.aliases))
        if self.examples:
            lines.append("Examples: " + "; ".join(self.examples))
        return "\n".join(lines)

    def states_text(self) -> str:
        """When it can be used, e.g. ``Usable while fighting, bleeding or dead.``."""
        states = [state for state in ANY_STATE if state in self.allowed_when]
        if not states:
            return "Usable only when healthy and not fighting."
        if len(states) == 1:
            return f"Usable while {states[0]}."
        return f"Usable while {', '.join(states[:-1])} or {states[-1]}."

    def __post_init__(self) -> None:
        if self.admin and not getattr(self.run, "admin_guarded", False):
            raise ValueError(f"admin command {self.name!r} must guard its run with admin_only")


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
