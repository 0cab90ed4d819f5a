"""What a change of lucidity leads to beyond the character (§8.2, §8.9): the room sees a
mind go catatonic, and a mind at the floor is carried to the sanitarium."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mythos_contracts.events import Combatant, RoomMessageData

from mythos_game.domain import lucidity
from mythos_game.domain.character import LUCIDITY_MAX
from mythos_game.domain.game_state import GameState
from mythos_game.domain.lucidity import Shift, set_to
from mythos_game.domain.movement import move_player
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World

if TYPE_CHECKING:
    from mythos_game.domain.npc_life import Npc

ASYLUM_LUCIDITY = 1
"""Where the sanitarium (and ``ground``) bring a mind back to: barely, deranged."""
ASYLUM_TEXT = (
    "You wake in a narrow iron bed in the sanitarium's east ward. "
    f"({ASYLUM_LUCIDITY}/{LUCIDITY_MAX})"
)


def as_combatant(player: Player) -> Combatant:
    return Combatant(id=player.character_id, name=player.name, kind="player")


def room_line(player: Player, kind: str, text: str, target: Player | None = None) -> Outgoing:
    """Narration for the others in ``player``'s room (not ``player``, nor ``target``)."""
    exclude = {player.id} if target is None else {player.id, target.id}
    data = RoomMessageData(
        kind=kind,
        actor=as_combatant(player),
        target=None if target is None else as_combatant(target),
        text=text,
    )
    return Outgoing(
        "room_message", ToRoom(player.room_id, frozenset(exclude)), data, player.room_id
    )


def fallout(
    world: World,
    roster: Roster,
    state: GameState,
    player: Player,
    change: Shift,
    ledger: StatusLedger,
    now: float,
) -> list[Outgoing]:
    """The events ``change`` of ``player``'s lucidity causes beyond their status_update."""
    if change.at_floor:
        return to_asylum(world, roster, state, player, ledger, now)
    if change.became_catatonic:
        return [room_line(player, "catatonic", f"{player.name} goes rigid, staring at nothing.")]
    return []


def to_asylum(
    world: World,
    roster: Roster,
    state: GameState,
    player: Player,
    ledger: StatusLedger,
    now: float,
) -> list[Outgoing]:
    """Orderlies carry ``player`` to the world's asylum room; they wake there at 1."""
    events = [room_line(player, "asylum", f"Orderlies in white come and carry {player.name} away.")]
    set_to(player.character, ASYLUM_LUCIDITY, ledger, "asylum", None, now)
    # What brought them to the floor is behind them: they read only where they woke.
    ledger.supersede(player.character, "asylum", ASYLUM_TEXT)
    if player.room_id != world.asylum_room:
        events += move_player(world, roster, player, world.asylum_room, state)
    return events


def encounter_shock(
    world: World,
    roster: Roster,
    state: GameState,
    player: Player,
    npc: Npc,
    ledger: StatusLedger,
    now: float,
) -> list[Outgoing]:
    """``player`` became engaged in a fight with ``npc``: if it is a horror, the shock
    (§8.4), once per NPC instance; what the shock leads to."""
    horror = npc.definition.lucidity
    character = player.character
    if horror is None or character.id in npc.shocked or character.condition == "dead":
        return []
    npc.shocked.add(character.id)
    change = lucidity.encounter(character, npc.name, horror, ledger, now)
    return fallout(world, roster, state, player, change, ledger, now)


def witnesses_of_death(
    world: World,
    roster: Roster,
    state: GameState,
    dead: Player,
    ledger: StatusLedger,
    now: float,
) -> list[Outgoing]:
    """A character died: every other character in the room, neither dead nor catatonic,
    is shaken (§8.4)."""
    events: list[Outgoing] = []
    for other in sorted(roster.in_room(dead.room_id), key=lambda p: p.id):
        if other.id == dead.id or not lucidity.shaken_by_death(other.character):
            continue
        change = lucidity.witnessed_death(other.character, dead.name, ledger, now)
        events += fallout(world, roster, state, other, change, ledger, now)
    return events
