"""Tunable limits of play (from ``GameSettings``), and the chat rate limiter they drive."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

RATE_WINDOW_SECONDS = 60.0

RandomEffects = Literal["on", "always", "never"]
RANDOM_EFFECTS: tuple[RandomEffects, ...] = ("on", "always", "never")
"""How the chance-based lucidity effects fire: ``on`` by their chances, ``always`` every
time (for tests), ``never`` (the ``strained`` whisper is not chance-based and stays)."""


@dataclass(frozen=True)
class ChatRates:
    """Lines per player per minute on each channel; 0 means unlimited.

    ``whisper`` counts per recipient (``reply`` is a whisper): one busy conversation
    does not stop a player from answering someone else.
    """

    say: int = 20
    emote: int = 20
    pose: int = 10
    local: int = 15
    global_: int = 10
    whisper: int = 10

    def limit(self, channel: str) -> int:
        return int(getattr(self, "global_" if channel == "global" else channel))


@dataclass(frozen=True)
class Rules:
    rates: ChatRates = field(default_factory=ChatRates)
    max_message_chars: int = 1000
    """Longest line on any chat channel (and longest pose)."""
    max_aliases: int = 50
    max_alias_name: int = 20
    max_alias_expansion: int = 200
    max_alias_depth: int = 3
    """An alias may expand to another alias, this many levels deep at most."""
    mute_default_minutes: int = 10
    mute_max_minutes: int = 7 * 24 * 60
    inventory_slots: int = 20
    """Things a character may carry (worn items do not count)."""
    room_items_max: int = 50
    """Things that may lie on one room's floor."""
    floor_item_hours: float = 24.0
    """Things players leave on a floor are gone after this long; 0 keeps them for ever."""
    spawn_period_scale: float = 1.0
    """Multiplies every spawn and respawn period of the data files."""
    combat_round_ticks: int = 3
    """Ticks between two rounds of a fight."""
    flee_chance: float | None = None
    """A fixed chance (0..1) for ``flee``; None uses the formula of ``combat.flee_chance``."""
    pvp: bool = False
    """Whether players may attack players."""
    arrival_ward_seconds: float = 10.0
    """After entering the world, hostile NPCs leave a character alone this long."""
    unarmed_damage: int = 2
    """Damage of an unarmed blow, before the damage bonus."""
    dp_regen_ticks: int = 30
    """Out of combat, +1 DP every this many ticks (NPCs and healthy characters)."""
    mp_regen_ticks: int = 30
    """Out of combat, +1 MP every this many ticks (healthy characters)."""
    bleed_ticks: int = 5
    """A bleeding character loses 1 DP every this many ticks."""
    auto_respawn_seconds: float = 300.0
    """The dead respawn by themselves after this long in the world."""
    max_characters: int = 3
    """Characters an account may keep."""
    rolls_per_minute: int = 30
    """``roll`` per account per minute; 0 means unlimited."""
    lucidity_flux_ticks: int = 60
    """Ticks in a "game minute": place drains and anchors, catatonic drift."""
    lucidity_random_effects: RandomEffects = "on"
    meditate_cooldown_seconds: float = 600.0
    pray_cooldown_seconds: float = 900.0
    terror_flee_cooldown_seconds: float = 120.0
    """At most one flight in terror per this period."""


class ChatLimiter:
    """Sliding one-minute windows, one per (player, bucket). Survives logouts, so leaving
    and coming back does not reset a limit. A bucket is a channel name, or
    ``whisper:<recipient id>``."""

    def __init__(self) -> None:
        self._sent: dict[tuple[str, str], deque[float]] = {}

    def wait(self, player_id: str, bucket: str, limit: int, now: float) -> int:
        """Whole seconds to wait before one more line fits (0: it fits now)."""
        if limit <= 0:
            return 0
        key = (player_id, bucket)
        sent = self._sent.get(key)
        if sent is None:
            return 0
        while sent and now - sent[0] >= RATE_WINDOW_SECONDS:
            sent.popleft()
        if not sent:
            del self._sent[key]
            return 0
        if len(sent) < limit:
            return 0
        return max(1, math.ceil(sent[0] + RATE_WINDOW_SECONDS - now))

    def record(self, player_id: str, bucket: str, limit: int, now: float) -> None:
        if limit <= 0:
            return
        sent = self._sent.setdefault((player_id, bucket), deque())
        sent.append(now)
        while len(sent) > limit:
            sent.popleft()

    def forget_older_than(self, now: float) -> None:
        """Drop windows with nothing in the last minute (bounded memory over a long run)."""
        stale = [
            k for k, sent in self._sent.items() if not sent or now - sent[-1] >= RATE_WINDOW_SECONDS
        ]
        for key in stale:
            del self._sent[key]
