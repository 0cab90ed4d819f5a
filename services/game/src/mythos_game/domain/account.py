"""What the character commands share: an account's characters, found by name and listed."""

from __future__ import annotations

from mythos_contracts.events import CharacterListData

from mythos_game.domain.characters import Character
from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player
from mythos_game.domain.views import zone_label
from mythos_game.domain.world import World


def own_character(player: Player, name: str) -> Character | None:
    """One of the account's characters by name (any case)."""
    wanted = name.lower()
    return next((c for c in player.characters.values() if c.name.lower() == wanted), None)


def character_list(player: Player, most: int) -> Outgoing:
    """``character_list`` for the account, oldest character first."""
    data = CharacterListData(
        characters=[c.summary(c.id == player.character_id) for c in player.characters.values()],
        max=most,
    )
    return Outgoing("character_list", ToPlayer(player.id), data)


def listing(world: World, player: Player, most: int) -> str:
    """``Your characters (2 of 3):`` and one line each: name, profession, where."""
    lines = [f"Your characters ({len(player.characters)} of {most}):"]
    for character in player.characters.values():
        if character.room_id is None or not world.has_room(character.room_id):
            where = "not yet in the world"
        else:
            where = zone_label(world.room(character.room_id))
        playing = " (playing)" if character.id == player.character_id else ""
        lines.append(f"  {character.name} - {character.profession} - {where}{playing}")
    return "\n".join(lines)
