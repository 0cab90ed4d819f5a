"""Moving a player between rooms: the one place that says who hears about a move.

Walking (``go``) and an admin's ``teleport``/``goto``/``summon`` all go through
``move_player``, so the others in both rooms see the same ``player_left`` and
``player_entered`` and the mover the same ``room_update`` whichever way they moved.
"""

from __future__ import annotations

from mythos_contracts.events import PresenceData, RoomUpdateData

from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import describe_room_for, room_view
from mythos_game.domain.world import Room, World


def move_player(
    world: World, roster: Roster, player: Player, target: str, state: GameState | None = None
) -> list[Outgoing]:
    """Move ``player`` to room ``target`` (bumping their stored version) and return what
    to tell: the room left, the room entered (never the mover), and the mover's new room.
    A pose describes the player where they stood, so it is cleared."""
    origin = player.room_id
    presence = PresenceData(player_id=player.character_id, player_name=player.name)
    player.pose = None
    roster.move(player, target)
    view = room_view(world, roster, target, state)
    mover = frozenset({player.id})
    return [
        Outgoing("player_left", ToRoom(origin, mover), presence, origin),
        Outgoing("player_entered", ToRoom(target, mover), presence, target),
        Outgoing("room_update", ToPlayer(player.id), RoomUpdateData(room=view), target),
    ]


def arrival_text(world: World, roster: Roster, room_id: str, state: GameState | None = None) -> str:
    """The room as the mover reads it on arrival."""
    return describe_room_for(world, roster, room_id, state)


def find_room(world: World, words: list[str]) -> Room | None:
    """A room by id (``miskatonic-quad``) or by name, case-insensitive (``the quad``...)."""
    wanted = " ".join(words).strip().lower()
    if not wanted:
        return None
    if world.has_room(wanted):
        return world.room(wanted)
    named = [room for room in world.rooms.values() if room.name.lower() == wanted]
    return named[0] if len(named) == 1 else None
