"""Views of the world as a player sees it (contract payloads)."""

from __future__ import annotations

from mythos_contracts.events import RoomView

from mythos_game.domain.roster import Roster
from mythos_game.domain.world import World


def room_view(world: World, roster: Roster, room_id: str) -> RoomView:
    room = world.room(room_id)
    return RoomView(
        id=room.id,
        name=room.name,
        description=room.description,
        exits=dict(room.exits),
        occupants=sorted((p.name for p in roster.in_room(room_id)), key=str.lower),
    )


def describe_room(view: RoomView) -> str:
    """The room as text, for ``look``."""
    exits = ", ".join(view.exits) or "none"
    people = ", ".join(view.occupants) or "nobody"
    return f"{view.name}\n{view.description}\nExits: {exits}\nHere: {people}"
