"""Who is online and where: the mutable game state the commands work on.

A ``Player`` is an account in the world: the character it plays (``character``; its
name and room are the player's), its other characters, and what belongs to the account
(aliases, mute). ``id`` is the account's id, which owns the event stream; in-world ids
(presence, chat) are ``character_id``. How the player is connected (connection, edge,
token role, link-dead time, answered commands) is their link, kept by the service layer
(``service_layer/links.py``).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field

from mythos_game.domain.characters import Character, standard_investigator


@dataclass
class Player:
    id: str
    """The account's id (the token's ``sub``): the owner of the stream."""
    name: str
    """The name of the character played."""
    room_id: str
    """Where the character played stands."""
    version: int
    """Version of the stored state; every change that must be saved bumps it."""
    _: KW_ONLY
    character: Character = None  # type: ignore[assignment]  # set in __post_init__
    """The character played; by default the standard investigator with the account's id
    and the player's name."""
    characters: dict[str, Character] = field(default_factory=dict)
    """Every active character of the account by id, the one played included."""
    account_name: str = ""
    """The account's username (the name stored with the account); defaults to ``name``."""
    pose: str | None = None
    """A standing description shown by ``look``; lasts until cleared or the player leaves."""
    aliases: dict[str, str] = field(default_factory=dict)
    """The player's command aliases (stored): lower-case name -> expansion."""
    muted_until: float | None = None
    """Wall-clock time (epoch seconds) an admin's mute ends (stored); None when not muted."""
    last_whisper_from: str | None = None
    """Id of the last player who whispered to this one (the target of ``reply``)."""

    def __post_init__(self) -> None:
        if self.character is None:
            self.character = standard_investigator(self.id, self.id, self.name)
        self.character.room_id = self.room_id
        self.characters.setdefault(self.character.id, self.character)
        if not self.account_name:
            self.account_name = self.name

    @property
    def character_id(self) -> str:
        """The in-world id (presence events, chat lines): the character's."""
        return self.character.id

    def play(self, character: Character, room_id: str) -> None:
        """Become ``character`` (one of the account's), standing in ``room_id``; the
        roster's own bookkeeping is ``Roster.switch``."""
        self.character = character
        self.name = character.name
        self.room_id = room_id
        character.room_id = room_id

    def muted_for(self, now: float) -> float:
        """Seconds of mute left at ``now``; 0 when the player may speak."""
        if self.muted_until is None:
            return 0.0
        return max(0.0, self.muted_until - now)


class Roster:
    def __init__(self) -> None:
        self._players: dict[str, Player] = {}
        self._by_room: dict[str, set[str]] = {}
        self._moved: set[str] = set()
        self._arrivals: list[str] = []
        self.presence_version = 0
        """Bumped whenever who is in the world may have changed (a player added or
        removed, a character switched): a reader that saw this version need not look
        through every player again."""

    def get(self, player_id: str) -> Player | None:
        return self._players.get(player_id)

    def online(self) -> list[Player]:
        return list(self._players.values())

    def __len__(self) -> int:
        """Players in the world, link-dead ones included (what ``online`` lists)."""
        return len(self._players)

    def add(self, player: Player) -> None:
        self._players[player.id] = player
        self.presence_version += 1
        self._by_room.setdefault(player.room_id, set()).add(player.id)

    def remove(self, player_id: str) -> Player | None:
        player = self._players.pop(player_id, None)
        if player is not None:
            self._leave(player)
            self.presence_version += 1
        return player

    def move(self, player: Player, room_id: str) -> None:
        self._leave(player)
        player.room_id = room_id
        player.character.room_id = room_id
        player.version += 1
        self._by_room.setdefault(room_id, set()).add(player.id)
        self._moved.add(player.id)
        self._arrivals.append(player.id)

    def switch(self, player: Player, character: Character, room_id: str) -> None:
        """``player`` now plays ``character``, standing in ``room_id`` (a move, but not an
        arrival: the character enters the world there, as at a login)."""
        self._leave(player)
        player.play(character, room_id)
        self.presence_version += 1
        player.version += 1
        self._by_room.setdefault(room_id, set()).add(player.id)
        self._moved.add(player.id)

    def take_moved(self) -> set[str]:
        """Ids of the players moved since the last call, for the service layer to act
        on after each command."""
        moved, self._moved = self._moved, set()
        return moved

    def take_arrivals(self) -> list[str]:
        """Ids of the players who entered a room (``move``) since the last call, once per
        entry and in order: whatever moved them (walking, fleeing, an admin, a respawn,
        the asylum), for the service layer to roll what an arrival may bring."""
        arrivals, self._arrivals = self._arrivals, []
        return arrivals

    def occupied_rooms(self) -> list[str]:
        return list(self._by_room)

    def in_room(self, room_id: str) -> list[Player]:
        return [self._players[pid] for pid in self._by_room.get(room_id, ())]

    def ids_in_room(self, room_id: str) -> tuple[str, ...]:
        """The ids of ``in_room``'s players, in the same order."""
        return tuple(self._by_room.get(room_id, ()))

    def find_by_name(self, name: str) -> Player | None:
        wanted = name.lower()
        return next((p for p in self._players.values() if p.name.lower() == wanted), None)

    def _leave(self, player: Player) -> None:
        members = self._by_room.get(player.room_id)
        if members is not None:
            members.discard(player.id)
            if not members:
                del self._by_room[player.room_id]
