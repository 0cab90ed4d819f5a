"""Fights as each onlooker reads them: one ``combat_event`` per act and perspective.

The structured fields of an act's event are the same in every copy; only ``text``
differs. The actor's copy goes first, then the target's, then the room's, which
excludes both (``ToRoom(exclude=…)``). A perspective with nothing to read (the actor of
a command, who reads the response instead) gets no copy.
"""

from __future__ import annotations

from collections.abc import Callable

from mythos_contracts.events import Combatant, CombatEventData

from mythos_game.domain.combat import (
    Act,
    Died,
    Ended,
    Engaged,
    Fell,
    Fled,
    FleeFailed,
    Hit,
    Retargeted,
)
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom

AccountOf = Callable[[str], str | None]
"""Character id -> the account (stream) that plays them; None for NPCs or the absent."""


def conjugate(verb: str) -> str:
    """``claw`` -> ``claws``; ``punch`` -> ``punches`` (``es`` after s, sh, ch, x, z)."""
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z")) else "s")


def _name(who: Combatant) -> str:
    return capitalized(who.name)


def _hit_line(hit: Hit, actor: str, verb: str, target: str) -> str:
    weapon = f" with {hit.weapon}" if hit.weapon else ""
    dp = f"({hit.target_dp}/{hit.target_max_dp} DP)"
    return f"{actor} {verb} {target}{weapon} for {hit.damage} damage. {dp}"


# Each act -> (its fields, actor's text | None, target's text | None, room's text | None).
Texts = tuple[dict[str, object], str | None, str | None, str | None]


def _texts(act: Act, death_message: Callable[[Combatant], str]) -> Texts:
    if isinstance(act, Engaged):
        fields: dict[str, object] = {"kind": "engage", "actor": act.actor, "target": act.target}
        if act.message is not None:  # an NPC starts it
            message = act.message
            return (
                fields,
                None,
                message.format(target="you"),
                message.format(target=act.target.name),
            )
        them = f"{_name(act.actor)} attacks"
        return fields, None, f"{them} you!", f"{them} {act.target.name}!"
    if isinstance(act, Hit):
        fields = {
            "kind": "hit",
            "actor": act.actor,
            "target": act.target,
            "damage": act.damage,
            "weapon": act.weapon,
            "verb": act.verb,
            "target_dp": act.target_dp,
            "target_max_dp": act.target_max_dp,
        }
        third = conjugate(act.verb)
        return (
            fields,
            _hit_line(act, "You", act.verb, act.target.name),
            _hit_line(act, _name(act.actor), third, "you"),
            _hit_line(act, _name(act.actor), third, act.target.name),
        )
    if isinstance(act, Retargeted):
        fields = {"kind": "target", "actor": act.actor, "target": act.target}
        turns = f"{_name(act.actor)} turns on"
        return fields, None, f"{turns} you!", f"{turns} {act.target.name}!"
    if isinstance(act, Fell):
        fields = {"kind": "fall", "actor": act.actor, "target": act.target}
        you = "You collapse, bleeding. Without help you will die."
        room = f"{_name(act.target)} collapses, bleeding!"
        return fields, room, you, room
    if isinstance(act, Died):
        fields = {"kind": "death", "actor": act.actor, "target": act.target, "xp": act.xp}
        if act.target.kind == "npc":
            said = death_message(act.target)
            gained = f"{said} You gain {act.xp} experience." if act.xp is not None else said
            return fields, gained, None, said
        room = f"{_name(act.target)} has died."
        return fields, room, "You have died.", room
    if isinstance(act, Fled):
        fields = {
            "kind": "flee",
            "actor": act.actor,
            "target": None,
            "direction": act.direction,
            "reason": act.reason,
        }
        if act.reason == "terror":
            return (
                fields,
                f"Terror takes you and you flee {act.direction}!",
                None,
                f"{_name(act.actor)} flees {act.direction} in terror!",
            )
        return fields, None, None, f"{_name(act.actor)} flees {act.direction}!"
    if isinstance(act, FleeFailed):
        fields = {"kind": "flee_failed", "actor": act.actor, "target": None}
        return fields, None, None, f"{_name(act.actor)} tries to flee but cannot get away!"
    raise TypeError(f"no texts for {act!r}")


def combat_events(
    acts: list[Act],
    room_id: str,
    combat_id: str | None,
    round_: int,
    account_of: AccountOf,
    death_message: Callable[[Combatant], str],
) -> list[Outgoing]:
    """The ``combat_event``s of ``acts`` (in order) for everyone in ``room_id``."""
    events: list[Outgoing] = []
    for act in acts:
        if isinstance(act, Ended):
            data = CombatEventData(
                kind="end",
                combat_id=combat_id,
                round=round_,
                actor=None,
                target=None,
                reason=act.reason,
                text="The fight is over.",
            )
            for who in act.characters:
                account = account_of(who.id)
                if account is not None:
                    events.append(Outgoing("combat_event", ToPlayer(account), data, room_id))
            continue
        fields, actor_text, target_text, room_text = _texts(act, death_message)
        actor = fields.get("actor")
        target = fields.get("target")
        copies: list[tuple[str | None, str | None]] = []
        if isinstance(actor, Combatant):
            copies.append((account_of(actor.id), actor_text))
        if isinstance(target, Combatant):
            copies.append((account_of(target.id), target_text))
        excluded: set[str] = set()
        for account, text in copies:
            if account is None or account in excluded:
                continue
            excluded.add(account)
            if text is not None:
                data = CombatEventData(combat_id=combat_id, round=round_, text=text, **fields)  # type: ignore[arg-type]
                events.append(Outgoing("combat_event", ToPlayer(account), data, room_id))
        if room_text is not None:
            data = CombatEventData(combat_id=combat_id, round=round_, text=room_text, **fields)  # type: ignore[arg-type]
            events.append(
                Outgoing("combat_event", ToRoom(room_id, frozenset(excluded)), data, room_id)
            )
    return events
