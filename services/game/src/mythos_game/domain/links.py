"""What the commands may know of how the players are connected.

The service layer keeps each player's link (how and through what they are connected,
the token behind their messages); the domain knows only the answers a command shows:
is a player link-dead, and which role their token carries.
"""

from __future__ import annotations

from typing import Protocol

PLAYER_ROLE = "player"
ADMIN_ROLE = "admin"


class LinkView(Protocol):
    def linkdead(self, player_id: str) -> bool:
        """True while the player's connection is gone and they wait in the world."""
        ...

    def role(self, player_id: str) -> str:
        """The role of the player's token, as their last message carried it."""
        ...


class NoLinks:
    """The view for rules run on their own: everyone connected, nobody an admin."""

    def linkdead(self, player_id: str) -> bool:
        return False

    def role(self, player_id: str) -> str:
        return PLAYER_ROLE
