"""Chat as a troubled mind says it and hears it (§8.6). Pure rules, no I/O.

A line's ``text`` is always a prefix followed by its ``message`` (``Ada says: ``,
``[local] Ada: ``, ``Ada whispers to you: ``), so a distorted message rebuilds its
text. Sender effects change the line for everyone (and for the history); receiver
effects are rolled per line per receiver, and a receiver with one gets a copy of their
own while the shared copy leaves them out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from mythos_contracts.events import ChatChannel, ChatMessageData, Distortion, Tier

from mythos_game.domain.lucidity import fires
from mythos_game.domain.outgoing import Audience, Outgoing, ToPlayer, ToRoom, ToSubzone
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import RandomEffects
from mythos_game.domain.world import World

GLYPH = " \u2736"
"""What a fractured speaker's line may gain (a six-pointed star: ``✶``)."""
MUFFLED = '.,!?;:"'
"""The characters a muffled line loses."""
_UNMUFFLE = str.maketrans("", "", MUFFLED)

GLYPH_CHANCE = 0.20
MUFFLE_CHANCE = 0.30
SCRAMBLE_CHANCE = 0.10

DISTORTED_CHANNELS: frozenset[ChatChannel] = frozenset(
    {"say", "emote", "local", "global", "whisper"}
)
"""Every channel but ``system`` (``reply`` is a whisper)."""


def muffle(message: str) -> str:
    return message.translate(_UNMUFFLE)


def scramble(message: str) -> str:
    """The words swap in pairs (1<->2, 3<->4, ...); an odd last word stays."""
    words = message.split()
    for i in range(0, len(words) - 1, 2):
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def sender_effects(
    tier: Tier, channel: ChatChannel, rng: random.Random, mode: RandomEffects
) -> list[Distortion]:
    """What a speaker in ``tier`` does to a line: an uneasy whisper is ``strained``
    (always, whatever the mode); a fractured line may gain a ``glyph``."""
    if channel not in DISTORTED_CHANNELS:
        return []
    if tier == "uneasy" and channel == "whisper":
        return ["strained"]
    if tier == "fractured" and fires(GLYPH_CHANCE, rng, mode):
        return ["glyph"]
    return []


BENDING_TIERS: frozenset[Tier] = frozenset({"fractured", "deranged"})
"""The tiers of the listeners who may bend a line: ``receiver_effect`` rolls (draws from
``rng``) for no other."""


def receiver_effect(tier: Tier, rng: random.Random, mode: RandomEffects) -> Distortion | None:
    """What a listener in ``tier`` does to one line: ``muffled`` or ``scrambled``."""
    if tier == "fractured" and fires(MUFFLE_CHANCE, rng, mode):
        return "muffled"
    if tier == "deranged" and fires(SCRAMBLE_CHANCE, rng, mode):
        return "scrambled"
    return None


_HEARD: dict[Distortion, Callable[[str], str]] = {"muffled": muffle, "scrambled": scramble}


@dataclass(frozen=True)
class Spoken:
    """A line as its speaker made it: the shared ``data`` (sender effects only; what the
    history keeps), the ``message`` the speaker reads back, and how it is told."""

    data: ChatMessageData
    prefix: str

    @property
    def message(self) -> str:
        return self.data.message

    def heard_as(self, effect: Distortion) -> ChatMessageData:
        message = _HEARD[effect](self.data.message)
        return self.data.model_copy(
            update={
                "message": message,
                "text": self.prefix + message,
                "distortion": [*self.data.distortion, effect],
            }
        )


def speak(
    channel: ChatChannel,
    speaker: Player,
    message: str,
    prefix: str,
    rng: random.Random,
    mode: RandomEffects,
    strained_prefix: str | None = None,
) -> Spoken:
    """The line ``speaker`` says, with the speaker's own effects: a glyph on the message,
    or (a whisper) the ``strained_prefix`` instead of ``prefix``."""
    effects = sender_effects(speaker.character.tier, channel, rng, mode)
    if "glyph" in effects:
        message += GLYPH
    if "strained" in effects and strained_prefix is not None:
        prefix = strained_prefix
    data = ChatMessageData(
        channel=channel,
        player_id=speaker.character_id,
        player_name=speaker.name,
        message=message,
        text=prefix + message,
        distortion=effects,
    )
    return Spoken(data, prefix)


def recipients(world: World, roster: Roster, audience: Audience) -> list[Player]:
    """Who an audience reaches now (the players the publisher would, streams aside)."""
    if isinstance(audience, ToPlayer):
        found = roster.get(audience.player_id)
        return [] if found is None else [found]
    if isinstance(audience, ToRoom):
        members: Iterable[Player] = roster.in_room(audience.room_id)
    elif isinstance(audience, ToSubzone):
        members = (
            p
            for room_id in roster.occupied_rooms()
            if world.has_room(room_id) and world.room(room_id).subzone_id == audience.subzone_id
            for p in roster.in_room(room_id)
        )
    else:
        members = roster.online()
    return [p for p in members if p.id not in audience.exclude]


def deliver(
    spoken: Spoken,
    audience: Audience,
    world: World,
    roster: Roster,
    rng: random.Random,
    mode: RandomEffects,
    room_id: str | None = None,
) -> list[Outgoing]:
    """The events that carry ``spoken`` to ``audience``: a copy of its own for each
    listener whose mind bends the line (rolled per listener, in a stable order), then the
    shared copy for the rest."""
    own: list[Outgoing] = []
    bent: set[str] = set()
    # Only those who may bend it roll, in the same order and with the same draws as if
    # everyone did: a room of clear minds is neither sorted nor rolled for.
    troubled = [p for p in recipients(world, roster, audience) if p.character.tier in BENDING_TIERS]
    for listener in sorted(troubled, key=lambda p: p.id) if troubled else ():
        effect = receiver_effect(listener.character.tier, rng, mode)
        if effect is None:
            continue
        bent.add(listener.id)
        own.append(
            Outgoing("chat_message", ToPlayer(listener.id), spoken.heard_as(effect), room_id)
        )
    if isinstance(audience, ToPlayer):
        shared = [] if bent else [Outgoing("chat_message", audience, spoken.data, room_id)]
    else:
        # Most lines bend for nobody: the audience as it was (an equal copy otherwise).
        rest = replace(audience, exclude=audience.exclude | bent) if bent else audience
        shared = [Outgoing("chat_message", rest, spoken.data, room_id)]
    return [*own, *shared]
