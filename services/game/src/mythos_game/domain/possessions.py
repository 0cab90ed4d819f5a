"""What the item commands share: finding what a player names, what one can carry, how
an inventory reads, and the events that tell of an item moving. Pure rules, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mythos_contracts.events import (
    Combatant,
    InventoryUpdateData,
    InventoryView,
    ItemAction,
    ItemEventData,
)

from mythos_game.domain.character import derive
from mythos_game.domain.commands.base import Context
from mythos_game.domain.game_state import GameState
from mythos_game.domain.item_views import carried_weight, inventory_view, item_view
from mythos_game.domain.items import Item, Slot, Target, parse_target, select, slot_text
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player
from mythos_game.domain.rules import Rules


def holder(player: Player) -> str:
    """The id items are held under: the character's (each character has its own)."""
    return player.character_id


def max_weight(player: Player) -> int:
    """Pounds the character can carry (worn things count too): STR // 2 + 10."""
    return derive(player.character.characteristics).max_weight


def pounds(weight: float) -> str:
    """At most one decimal, no trailing ``.0``: ``5.5``, ``35``."""
    text = f"{round(weight, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def joined(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def named(things: Sequence[Item], text: str) -> list[Item]:
    """What ``text`` (``lantern``, ``2.lantern``, ``all``, ``all.tonic``) names among
    ``things``; several words must each start a word of the item."""
    words = text.split()
    if len(words) <= 1:
        target = parse_target(text)
        return select(things, target) if target is not None else []
    found = list(things)
    for word in words[:-1]:
        found = select(found, Target(word.lower(), every=True))
    last = parse_target(words[-1])
    return select(found, last) if last is not None and not last.every else []


@dataclass(frozen=True)
class CarryRefusal:
    short: str
    """``too heavy`` or ``no room``."""
    text: str


def refuse_carry(state: GameState, player: Player, item: Item, rules: Rules) -> CarryRefusal | None:
    """Why ``player`` cannot take ``item`` into their pack, or None when they can."""
    left = max_weight(player) - carried_weight(state, holder(player))
    if item.weight > left + 1e-9:
        return CarryRefusal(
            "too heavy",
            f"You cannot carry {item.name}: it weighs {pounds(item.weight)} lb and you can "
            f"carry {pounds(max(0.0, left))} lb more.",
        )
    things = len(state.carried_by(holder(player)))
    if things >= rules.inventory_slots:
        return CarryRefusal(
            "no room", f"You cannot carry any more things ({things} of {rules.inventory_slots})."
        )
    return None


def combatant(player: Player) -> Combatant:
    return Combatant(id=player.character_id, name=player.name, kind="player")


def inventory_of(state: GameState, player: Player, max_things: int) -> InventoryView:
    """The character's inventory as the protocol shows it."""
    return inventory_view(
        state, holder(player), max_weight=max_weight(player), max_things=max_things
    )


def inventory_update(ctx: Context, player: Player) -> Outgoing:
    view = inventory_of(ctx.state, player, ctx.rules.inventory_slots)
    return Outgoing("inventory_update", ToPlayer(player.id), InventoryUpdateData(inventory=view))


def room_item_event(
    ctx: Context,
    action: ItemAction,
    item: Item,
    text: str,
    *,
    slot: Slot | None = None,
    exclude: frozenset[str] | None = None,
) -> Outgoing:
    """What the others in the actor's room read of an item the actor handled."""
    room_id = ctx.actor.room_id
    data = ItemEventData(
        action=action,
        actor=combatant(ctx.actor),
        item=item_view(item),
        slot=slot,
        text=text,
    )
    audience = ToRoom(room_id, exclude if exclude is not None else frozenset({ctx.actor.id}))
    return Outgoing("item_event", audience, data, room_id)


def title(name: str) -> str:
    """``a brass lantern`` -> ``A brass lantern``."""
    return capitalized(name)


@dataclass(frozen=True)
class Handling:
    """How wearing or wielding one kind of thing reads."""

    verb: str
    """``wield``: You wield it; Ada wields it."""
    stop: str
    """``stop wielding``: You stop wielding it."""
    stops: str
    """``stops wielding``: Ada stops wielding it."""
    put_away: str
    """What is done with what it replaces: ``put away`` or ``take off``."""


_WIELD = Handling("wield", "stop wielding", "stops wielding", "put away")
_WEAR = Handling("wear", "take off", "takes off", "take off")
_HOLD = Handling("hold", "stop holding", "stops holding", "put away")


def handling(item: Item) -> Handling:
    kind = item.prototype.kind
    return _WIELD if kind == "weapon" else _WEAR if kind == "armor" else _HOLD


def full_hands(ctx: Context, extra: int) -> str | None:
    """Refusal when ``extra`` more things would not fit in the actor's pack."""
    things = len(ctx.state.carried_by(holder(ctx.actor)))
    most = ctx.rules.inventory_slots
    if things + extra > most:
        return f"Your hands are full: you carry {things} of {most} things."
    return None


def describe_item(item: Item, where: str) -> str:
    """What ``look <item>`` shows; ``where`` is ``worn: main hand``, ``carried`` or
    ``on the ground``."""
    proto = item.prototype
    facts = f"It weighs {pounds(item.weight)} lb."
    if proto.weapon is not None:
        hands = "two hands" if proto.two_handed else "one hand"
        facts += f" A weapon: {proto.weapon.min_damage}-{proto.weapon.max_damage} damage, {hands}."
    elif proto.armor is not None:
        facts += f" It turns aside {proto.armor.protection} damage."
    elif proto.consumable is not None:
        facts += f" You could {proto.consumable.verb} it."
    return f"{item.name} ({where})\n{proto.description}\n{facts}"


def worn_lines(state: GameState, player: Player) -> list[str]:
    """What ``look <player>`` adds: what they wield, hold and wear, in that order."""
    wielding: list[str] = []
    holding: list[str] = []
    wearing: list[str] = []
    for item in state.worn_items(holder(player)):
        verb = handling(item).verb
        (wielding if verb == "wield" else wearing if verb == "wear" else holding).append(item.name)
    lines = [f"{player.name} is wielding {name}." for name in wielding]
    lines += [f"{player.name} is holding {name}." for name in holding]
    if wearing:
        lines.append(f"{player.name} is wearing {', '.join(wearing)}.")
    return lines


def find_item(ctx: Context, text: str) -> str | None:
    """``look <item>``: something worn, carried, then on the floor; its description."""
    who = holder(ctx.actor)
    worn = named(ctx.state.worn_items(who), text)
    if worn:
        slot = ctx.state.place_of(worn[0].id).slot
        return describe_item(worn[0], f"worn: {slot_text(slot or '')}")
    carried = named(ctx.state.carried_by(who), text)
    if carried:
        return describe_item(carried[0], "carried")
    lying = named(ctx.state.floor(ctx.actor.room_id), text)
    if lying:
        return describe_item(lying[0], "on the ground")
    return None
