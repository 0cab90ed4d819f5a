"""Hallucinations (§8.7): what only a troubled mind perceives, told to it alone.

An uneasy mind may see one on entering a room, however it got there (``on_arrivals``,
rolled by the service layer for each room entry the roster recorded); fractured and
deranged minds on the game clock, every ``period`` ticks. A catatonic mind sees nothing,
nor does a dead one. Pure rules, no I/O.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from mythos_contracts.events import HallucinationData, HallucinationKind, Tier

from mythos_game.domain.lucidity import fires
from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player
from mythos_game.domain.rules import RandomEffects

VISIONS: tuple[tuple[HallucinationKind, str], ...] = (
    ("whisper", "Someone just behind you says your name."),
    ("whisper", "A voice you almost know asks whether you locked the door."),
    ("whisper", "Something under the floorboards is counting, slowly, and has reached you."),
    ("whisper", "A child's voice hums three notes of a hymn, then stops mid-breath."),
    ("shadow", "The shadow under the table is the wrong shape."),
    ("shadow", "At the edge of your sight, a tall figure bends to fit the doorway."),
    ("shadow", "Your own shadow lags a moment behind you."),
    ("shadow", "Something pale withdraws from the window as you turn."),
    ("overlay", "For a heartbeat the walls are wet stone, breathing."),
    ("overlay", "Every face you picture has too many eyes, all of them closed."),
    ("overlay", "The floor tilts toward a corner that was not there before."),
    ("overlay", "Salt water fills your mouth, and then it is gone."),
)
"""The shipped visions: (kind, text)."""


@dataclass(frozen=True)
class Timed:
    period: int
    """Ticks between two chances."""
    chance: float


ON_ENTRY: dict[Tier, float] = {"uneasy": 0.10}
"""Tier -> the chance of a vision on entering a room."""
ON_CLOCK: dict[Tier, Timed] = {"fractured": Timed(30, 0.25), "deranged": Timed(20, 0.45)}
"""Tier -> how often a vision may come on the game clock, and its chance."""


def vision(rng: random.Random) -> HallucinationData:
    kind, text = rng.choice(VISIONS)
    return HallucinationData(kind=kind, text=text)


def on_entry(tier: Tier, rng: random.Random, mode: RandomEffects) -> HallucinationData | None:
    """A vision for a mind in ``tier`` that just walked into a room, or None."""
    chance = ON_ENTRY.get(tier)
    if chance is None or not fires(chance, rng, mode):
        return None
    return vision(rng)


def on_arrivals(
    arrivals: Iterable[Player], rng: random.Random, mode: RandomEffects
) -> list[Outgoing]:
    """One roll of ``on_entry`` for each room entry of ``arrivals`` (a player twice if
    they entered two rooms), in order; the visions, each told to its mind alone."""
    seen_by: list[Outgoing] = []
    for player in arrivals:
        character = player.character
        if character.condition == "dead":
            continue
        seen = on_entry(character.tier, rng, mode)
        if seen is not None:
            seen_by.append(told_to(player.id, seen))
    return seen_by


def on_clock(
    tier: Tier, tick: int, rng: random.Random, mode: RandomEffects
) -> HallucinationData | None:
    """A vision for a mind in ``tier`` at tick ``tick`` (its period's ticks only), or None."""
    timed = ON_CLOCK.get(tier)
    if timed is None or tick % timed.period != 0 or not fires(timed.chance, rng, mode):
        return None
    return vision(rng)


def due_on(tick: int) -> frozenset[Tier]:
    """The tiers whose minds may see something on the clock at tick ``tick``."""
    return frozenset(tier for tier, timed in ON_CLOCK.items() if tick % timed.period == 0)


def told_to(account_id: str, seen: HallucinationData) -> Outgoing:
    return Outgoing("hallucination", ToPlayer(account_id), seen)
