"""Items as the protocol shows them: in a room, in an event, in an inventory."""

from __future__ import annotations

from mythos_contracts.events import InventoryView, ItemView, RoomThing

from mythos_game.domain.game_state import GameState
from mythos_game.domain.items import Item


def item_view(item: Item) -> ItemView:
    return ItemView(id=item.id, prototype=item.prototype.id, name=item.name, weight=item.weight)


def room_things(state: GameState, room_id: str) -> list[RoomThing]:
    """The items on a room's floor, in order of arrival."""
    return [RoomThing(id=i.id, prototype=i.prototype.id, name=i.name) for i in state.floor(room_id)]


def carried_weight(state: GameState, character_id: str) -> float:
    """Pounds carried and worn."""
    things = [*state.carried_by(character_id), *state.worn_items(character_id)]
    return round(sum(item.weight for item in things), 3)


def inventory_view(
    state: GameState, character_id: str, *, max_weight: float, max_things: int
) -> InventoryView:
    return InventoryView(
        carried=[item_view(i) for i in state.carried_by(character_id)],
        worn={slot: item_view(i) for slot, i in state.worn_by(character_id).items()},
        weight=carried_weight(state, character_id),
        max_weight=max_weight,
        things=len(state.carried_by(character_id)),
        max_things=max_things,
    )
