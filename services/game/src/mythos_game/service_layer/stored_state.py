"""What of a player is stored, and its translation to and from the persistence contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from mythos_contracts.persistence import LoadPlayerReply, PlayerStateChanged

from mythos_game.domain.roster import Player


@dataclass(frozen=True)
class StoredState:
    room_id: str | None
    """None when the player was never placed."""
    version: int
    aliases: dict[str, str] = field(default_factory=dict)
    muted_until: float | None = None
    """Wall-clock epoch seconds."""

    @classmethod
    def from_reply(cls, reply: LoadPlayerReply) -> StoredState:
        muted = reply.muted_until.timestamp() if reply.muted_until is not None else None
        return cls(reply.room_id, reply.version, dict(reply.aliases), muted)

    @classmethod
    def of(cls, player: Player) -> StoredState:
        return cls(player.room_id, player.version, dict(player.aliases), player.muted_until)

    def apply_to(self, player: Player) -> None:
        """Give a player entering the world what was stored besides their place."""
        player.aliases = dict(self.aliases)
        player.muted_until = self.muted_until


def change_of(player: Player) -> PlayerStateChanged:
    """The save message for a player's current state."""
    muted = (
        datetime.fromtimestamp(player.muted_until, UTC) if player.muted_until is not None else None
    )
    return PlayerStateChanged(
        player_id=player.id,
        name=player.name,
        room_id=player.room_id,
        version=player.version,
        aliases=dict(player.aliases),
        muted_until=muted,
    )
