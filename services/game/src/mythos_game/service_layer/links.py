"""Links: how each player in the world is connected, kept apart from the character.

A player's ``Link`` is the game's record of their login: the live connection and the
edge holding it, whether that edge has bound the player's room, since when the
connection is gone (link-dead), the last heartbeat, the answers to recent commands, and
the role of the token behind the last message. The domain's ``Player`` knows none of
it; the commands see only ``LinkView``'s answers (link-dead? which role?).

One link per player in the roster, for as long as they are in the world: a reconnect
updates it in place, so answers to commands survive the change of connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from mythos_contracts.envelope_json import payload_json
from mythos_contracts.events import CommandResponseData

from mythos_game.domain.links import PLAYER_ROLE

RECENT_COMMANDS_KEPT = 256
ANSWERS_COMPACTED_EVERY = 64
"""Answers dropped before ``recent_commands`` is copied afresh. CPython never reuses a
dropped entry's slot: a dict that drops its oldest as it takes a new one fills its table
with them and is then resized to three times what it holds (6.6 KB -> 13.1 KB for 256,
some 150 answers after it first filled). A fresh copy every 64 drops stays in its first
table, for the cost of copying 256 pointers once per 64 commands."""


@dataclass
class Link:
    connection_id: str
    """The player's live connection; messages from any other one are stale."""
    edge_id: str = ""
    role: str = PLAYER_ROLE
    """The token's role claim, as the last message carried it (never the client's word)."""
    room_bound: bool = False
    """True once the player's edge receives this room's events by the room key."""
    linkdead_since: float | None = None
    """When the connection dropped without ``quit``; None while connected."""
    last_heartbeat: float = 0.0
    recent_commands: dict[str, bytes] = field(default_factory=dict)
    """Responses (their JSON) by ``command_id``, oldest first: a re-sent command gets its
    original answer (``answer``). Strings and bytes only, so CPython never tracks the
    dict: as models, 256 per player were three tracked objects each (the model, its dict,
    its set of fields) for every full collection to walk, three quarters of a million at
    1,000 players, and the game stopped for tens of milliseconds each time."""

    dropped_answers: int = field(default=0, repr=False, compare=False)
    """Answers dropped since ``recent_commands`` was last copied afresh."""

    @property
    def linkdead(self) -> bool:
        return self.linkdead_since is not None

    def remember(self, command_id: str, response: CommandResponseData) -> bytes:
        """Keep ``response`` as the answer to ``command_id``; returns its JSON (what the
        journal records of it too: written once)."""
        return self.remember_json(command_id, payload_json(response))

    def remember_json(self, command_id: str, body: bytes) -> bytes:
        """``remember`` of a response given as its JSON (``payload_json``'s); returns it."""
        answers = self.recent_commands
        answers[command_id] = body
        while len(answers) > RECENT_COMMANDS_KEPT:
            del answers[next(iter(answers))]
            self.dropped_answers += 1
        if self.dropped_answers >= ANSWERS_COMPACTED_EVERY:
            self.recent_commands = dict(answers)
            self.dropped_answers = 0
        return body

    def answer(self, command_id: str) -> CommandResponseData | None:
        """The response already given to ``command_id``, if it is still remembered."""
        body = self.recent_commands.get(command_id)
        return None if body is None else CommandResponseData.model_validate_json(body)

    def answered(self) -> dict[str, CommandResponseData]:
        """Every remembered response by command id, oldest first (a handoff, a transfer)."""
        return {
            command_id: CommandResponseData.model_validate_json(body)
            for command_id, body in self.recent_commands.items()
        }

    def take_answers(self, responses: Mapping[str, CommandResponseData]) -> None:
        """Remember ``responses`` (oldest first) in place of what was remembered."""
        self.recent_commands = {cid: payload_json(r) for cid, r in responses.items()}


class Links:
    """Every player's link by player id; also the commands' ``LinkView``."""

    def __init__(self) -> None:
        self._links: dict[str, Link] = {}

    def __getitem__(self, player_id: str) -> Link:
        """The link of a player in the world (every one has a link)."""
        return self._links[player_id]

    def get(self, player_id: str) -> Link | None:
        return self._links.get(player_id)

    def items(self) -> Iterator[tuple[str, Link]]:
        return iter(list(self._links.items()))

    def add(self, player_id: str, link: Link) -> None:
        self._links[player_id] = link

    def remove(self, player_id: str) -> None:
        self._links.pop(player_id, None)

    def unbind(self, player_ids: set[str]) -> None:
        """The players moved: their edges have not bound their new rooms yet."""
        for player_id in player_ids:
            link = self._links.get(player_id)
            if link is not None:
                link.room_bound = False

    def linkdead(self, player_id: str) -> bool:
        link = self._links.get(player_id)
        return link is not None and link.linkdead

    def role(self, player_id: str) -> str:
        link = self._links.get(player_id)
        return PLAYER_ROLE if link is None else link.role
