"""What of a player and their characters is stored, and its translation to and from the
persistence contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from mythos_contracts.persistence import (
    CharacterRecord,
    CharacterState,
    CharacterStateChanged,
    ItemRecord,
    LoadPlayerReply,
    PlayerStateChanged,
)

from mythos_game.domain.character import Characteristics
from mythos_game.domain.characters import Character, characteristics_view
from mythos_game.domain.roster import Player


@dataclass(frozen=True)
class StoredState:
    room_id: str | None
    """None when the player was never placed (legacy: the played character's room wins)."""
    version: int
    aliases: dict[str, str] = field(default_factory=dict)
    muted_until: float | None = None
    """Wall-clock epoch seconds."""
    characters: tuple[Character, ...] = ()
    """The account's active characters, oldest first."""
    active_character_id: str | None = None
    items: tuple[ItemRecord, ...] = ()
    """What the player carries and wears."""

    @classmethod
    def from_reply(cls, reply: LoadPlayerReply) -> StoredState:
        muted = reply.muted_until.timestamp() if reply.muted_until is not None else None
        return cls(
            reply.room_id,
            reply.version,
            dict(reply.aliases),
            muted,
            tuple(character_of(record) for record in reply.characters),
            reply.active_character_id,
            tuple(reply.items),
        )

    @classmethod
    def of(cls, player: Player, items: tuple[ItemRecord, ...] = ()) -> StoredState:
        return cls(
            player.room_id,
            player.version,
            dict(player.aliases),
            player.muted_until,
            tuple(player.characters.values()),
            player.character.id,
            items,
        )

    def active(self) -> Character | None:
        """The character last played (else the oldest); None when the account has none."""
        by_id = {c.id: c for c in self.characters}
        if self.active_character_id in by_id:
            return by_id[self.active_character_id]
        return self.characters[0] if self.characters else None

    def apply_to(self, player: Player) -> None:
        """Give a player entering the world what was stored besides their place."""
        player.aliases = dict(self.aliases)
        player.muted_until = self.muted_until
        # Oldest first, as stored (the one played was put first on making the player).
        ordered = {c.id: c for c in self.characters}
        ordered.update(player.characters)
        player.characters = ordered


def change_of(player: Player) -> PlayerStateChanged:
    """The save message for a player's current state."""
    muted = (
        datetime.fromtimestamp(player.muted_until, UTC) if player.muted_until is not None else None
    )
    return PlayerStateChanged(
        player_id=player.id,
        name=player.account_name,
        room_id=player.room_id,
        version=player.version,
        aliases=dict(player.aliases),
        muted_until=muted,
        active_character_id=player.character.id,
    )


def _time(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def _epoch(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def character_change(character: Character) -> CharacterStateChanged:
    """The save message for a character's current state (``version`` already set)."""
    state = CharacterState(
        dp=max(character.dp, -10),
        mp=max(character.mp, 0),
        lucidity=character.lucidity,
        xp=character.xp,
        fell_at=_time(character.fell_at),
        died_at=_time(character.died_at),
        catatonic_since=_time(character.catatonic_since),
        cooldowns={name: datetime.fromtimestamp(t, UTC) for name, t in character.cooldowns.items()},
        encounters=dict(character.encounters),
    )
    return CharacterStateChanged(
        character_id=character.id,
        account_id=character.account_id,
        name=character.name,
        profession=character.profession,
        characteristics=characteristics_view(character.characteristics),
        state=state,
        room_id=character.room_id,
        version=character.version,
        deleted=character.deleted,
    )


def character_of(record: CharacterRecord) -> Character:
    state = record.state
    return Character(
        record.character_id,
        record.account_id,
        record.name,
        record.profession,
        Characteristics(record.characteristics.as_dict()),
        state.dp,
        state.mp,
        lucidity=state.lucidity,
        xp=state.xp,
        room_id=record.room_id,
        version=record.version,
        fell_at=_epoch(state.fell_at),
        died_at=_epoch(state.died_at),
        catatonic_since=_epoch(state.catatonic_since),
        cooldowns={name: moment.timestamp() for name, moment in state.cooldowns.items()},
        encounters=dict(state.encounters),
    )


def next_version(previous: int, now: float) -> int:
    """``max(previous + 1, wall-clock ms)``: rises across restarts, so a game that reloads
    version v while a save of v + 1 is still queued never issues its own v + 1."""
    return max(previous + 1, int(now * 1000))


def stored_reply_of(player: Player, items: tuple[ItemRecord, ...]) -> LoadPlayerReply:
    """The player as a load from the store would give them back (``from_reply``'s
    inverse): what a ``PlayerTransfer`` carries, so the receiving shard rebuilds the
    player and their characters exactly as a load would, without asking persistence."""
    state = StoredState.of(player, items)
    muted = _time(state.muted_until)
    return LoadPlayerReply(
        player_id=player.id,
        name=player.account_name,
        room_id=state.room_id,
        version=state.version,
        aliases=state.aliases,
        muted_until=muted,
        items=list(items),
        characters=[
            CharacterRecord.model_validate(character_change(c).model_dump(exclude={"deleted"}))
            for c in state.characters
        ],
        active_character_id=state.active_character_id,
    )
