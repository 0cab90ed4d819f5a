"""Views of the world as a player sees it (contract payloads and the text of ``look``)."""

from __future__ import annotations

from mythos_contracts.events import RoomView

from mythos_game.domain.game_state import GameState
from mythos_game.domain.item_views import room_things
from mythos_game.domain.npc_life import creature_labels, here_mark, npc_things
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import Exit, Room, World

# How a direction reads in a sentence: "To the north lies ...", "Above lies ...".
_TOWARD = {"up": "Above", "down": "Below"}


def room_view(
    world: World, roster: Roster, room_id: str, state: GameState | None = None
) -> RoomView:
    """The contract's room: ``exits`` lists every exit but the hidden ones, as
    ``{direction: room id}`` (locked ones included; the text of ``look`` marks them);
    ``items`` what lies on the floor (given the game ``state``)."""
    room = world.room(room_id)
    return RoomView(
        id=room.id,
        name=room.name,
        description=room.description,
        exits={direction: way.target for direction, way in room.visible_exits().items()},
        occupants=sorted((p.name for p in roster.in_room(room_id)), key=str.lower),
        items=room_things(state, room_id) if state is not None else [],
        npcs=npc_things(state, room_id) if state is not None else [],
    )


def exit_label(direction: str, way: Exit | None) -> str:
    """``north``, or ``north (locked)``."""
    return f"{direction} (locked)" if way is not None and way.locked else direction


def describe_room(
    view: RoomView,
    room: Room | None = None,
    poses: list[str] | tuple[str, ...] = (),
    *,
    people: list[str] | None = None,
    creatures: list[str] | None = None,
) -> str:
    """The room as text, for ``look`` and after a move. Given the ``room`` itself, the
    heading names its zone and sub-zone and locked exits are marked ``(locked)``;
    ``poses`` (of the players here who set one) follow, one a line, then the creatures
    and what lies on the ground. ``people`` and ``creatures`` are the names with their
    marks (``Ada (fighting)``, ``a ghoul (fighting Ada)``); by default the view's names."""
    heading = view.name
    if room is not None and room.zone:
        area = room.zone if room.subzone in ("", room.name) else f"{room.zone}, {room.subzone}"
        heading = f"{view.name} [{area}]"
    ways = room.exits if room is not None else {}
    exits = ", ".join(exit_label(d, ways.get(d)) for d in view.exits) or "none"
    here = ", ".join(people if people is not None else view.occupants) or "nobody"
    text = f"{heading}\n{view.description}\nExits: {exits}\nHere: {here}"
    names = creatures if creatures is not None else [n.name for n in view.npcs]
    living = [f"Creatures: {', '.join(names)}"] if names else []
    ground = [f"On the ground: {', '.join(i.name for i in view.items)}"] if view.items else []
    return "\n".join((text, *poses, *living, *ground))


def poses_in(roster: Roster, room_id: str) -> list[str]:
    """The poses of the players in a room who set one, by name."""
    people = sorted(roster.in_room(room_id), key=lambda p: p.name.lower())
    return [pose for pose in (player_pose(p) for p in people) if pose]


def describe_room_for(
    world: World, roster: Roster, room_id: str, state: GameState | None = None
) -> str:
    """``describe_room`` of a room by id, with its zone, locked exits, poses and (given
    the game ``state``) who fights, the creatures and what lies on the floor."""
    view = room_view(world, roster, room_id, state)
    if state is None:
        return describe_room(view, world.room(room_id), poses_in(roster, room_id))
    people = sorted(roster.in_room(room_id), key=lambda p: p.name.lower())
    return describe_room(
        view,
        world.room(room_id),
        poses_in(roster, room_id),
        people=[p.name + here_mark(state, p) for p in people],
        creatures=creature_labels(state, roster, room_id),
    )


def zone_label(room: Room) -> str:
    """``Independence Square, Downtown Arkham``: a room and where it lies."""
    return f"{room.name}, {room.zone}" if room.zone else room.name


def toward(direction: str) -> str:
    """``north`` -> ``To the north``; ``up`` -> ``Above``."""
    return _TOWARD.get(direction, f"To the {direction}")


def describe_exit(world: World, direction: str, way: Exit) -> str:
    """What a player sees looking through a (visible) exit."""
    name = world.room(way.target).name
    if name.startswith("The "):
        name = "the " + name[4:]
    text = f"{toward(direction)} lies {name}."
    if way.locked:
        text += f" The way {direction} is locked."
    return text


def player_pose(player: Player) -> str | None:
    """The player's pose, when one is set (the whole sentence, name included)."""
    pose = player.pose
    if isinstance(pose, str) and pose.strip():
        return pose.strip()
    return None


def describe_player(player: Player, viewer: Player) -> str:
    """What ``look <player>`` shows: the name, the pose when one is set, and how they
    are when it shows (``state_line``)."""
    pose = player_pose(player)
    if player.id == viewer.id:
        text = f"{player.name} (you)\n{pose}" if pose else f"{player.name} (you)\nThat is you."
    elif pose:
        text = f"{player.name}\n{pose}"
    else:
        text = f"{player.name}\n{player.name} is here, looking back at you."
    state = state_line(player)
    return f"{text}\n{state}" if state else text


_TIER_LOOKS = {
    "fractured": "{name} keeps glancing at empty corners.",
    "deranged": "{name} mutters to no one, eyes wide.",
    "catatonic": "{name} stands rigid, staring at nothing.",
}


def state_line(player: Player) -> str | None:
    """How a character visibly is: dead, else bleeding, else a troubled mind (fractured,
    deranged, catatonic); None for the healthy and the lucid or uneasy."""
    character = player.character
    if character.condition == "dead":
        return f"{player.name} lies dead."
    if character.condition == "bleeding":
        return f"{player.name} lies bleeding on the ground."
    look = _TIER_LOOKS.get(character.tier)
    return None if look is None else look.format(name=player.name)
