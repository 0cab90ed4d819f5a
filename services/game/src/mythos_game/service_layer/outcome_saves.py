"""What a command changed, queued to be saved: players' rows, characters and the items
that moved. Run inside the command's unit of work, before its events go out."""

from __future__ import annotations

from mythos_game.domain.characters import Character
from mythos_game.domain.commands.base import Outcome
from mythos_game.domain.roster import Player
from mythos_game.domain.status import StatusLedger
from mythos_game.service_layer.sessions import Sessions


async def save_outcome(
    sessions: Sessions, player: Player | None, outcome: Outcome, ledger: StatusLedger
) -> None:
    """Queue the saves of what a command changed: players' rows, then characters
    (each once), then the items. ``player``: the actor, None when not in the world here
    (an admin's command run for another shard)."""
    characters: dict[str, Character] = {}
    if outcome.state_changed and player is not None:
        await sessions.save_player_row(player)
        characters[player.character.id] = player.character
    for other in outcome.changed_players:
        await sessions.save_player_row(other)
        characters[other.character.id] = other.character
    for character in [*outcome.changed_characters, *ledger.changed()]:
        characters[character.id] = character
    for character in characters.values():
        await sessions.save_character(character)
    await sessions.items.save_changed(sessions.state)
