"""What every chat channel shares: cleaning the text, mutes, rate limits, the payload."""

from __future__ import annotations

import math
import re

from mythos_contracts.events import ChatChannel

from mythos_game.domain import distortion
from mythos_game.domain.commands.base import Context, Outcome, refused
from mythos_game.domain.distortion import Spoken
from mythos_game.domain.outgoing import Audience, Outgoing

# Line breaks and other control characters would let a line pose as several
# (a fake "[global] Admin: ..." under your own); they become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def text_of(args: list[str]) -> str:
    """The words a player typed, as one line."""
    return _CONTROL.sub(" ", " ".join(args)).strip()


def duration(seconds: float) -> str:
    """``75`` -> ``1 minute 15 seconds``; ``3600`` -> ``1 hour``. Rounded up: a time left
    never reads shorter than it is."""
    total = max(1, math.ceil(seconds - 1e-9))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if n
    ]
    return " ".join(parts)


def may_speak(ctx: Context, channel: str, message: str, bucket: str = "") -> Outcome | None:
    """None when ``actor`` may say ``message`` on ``channel`` now, else the refusal.

    Checks, in order: the length, an admin's mute, then the rate limit of
    ``bucket`` (the channel unless given, e.g. ``whisper:<recipient>``).
    """
    limit = ctx.rules.max_message_chars
    if len(message) > limit:
        return refused(f"That is too long to say: at most {limit} characters.")
    muted = ctx.actor.muted_for(ctx.now)
    if muted > 0:
        return refused(
            f"You are muted for {duration(muted)} more: you cannot speak on any channel."
        )
    wait = ctx.limiter.wait(
        ctx.actor.id, bucket or channel, ctx.rules.rates.limit(channel), ctx.now
    )
    if wait:
        unit = "second" if wait == 1 else "seconds"
        return refused(
            f"You are talking too fast on {channel}: slow down and try again in {wait} {unit}."
        )
    return None


def spoke(ctx: Context, channel: str, bucket: str = "") -> None:
    """Count one line against the actor's limit (only once it was actually sent)."""
    ctx.limiter.record(ctx.actor.id, bucket or channel, ctx.rules.rates.limit(channel), ctx.now)


def acted(name: str, action: str) -> str:
    """``Alice`` + ``laughs.`` -> ``Alice laughs.``; ``Alice`` + ``'s eyes narrow`` ->
    ``Alice's eyes narrow`` (no space before a possessive or a comma)."""
    return acting(name, action) + action


def acting(name: str, action: str) -> str:
    """What comes before ``action`` in ``acted``: the name, and a space unless the action
    starts with a possessive or a comma."""
    joiner = "" if action[:1] in ("'", ",", ":") else " "
    return f"{name}{joiner}"


def said(
    ctx: Context,
    channel: ChatChannel,
    message: str,
    prefix: str,
    audience: Audience,
    room_id: str | None = None,
    strained_prefix: str | None = None,
) -> tuple[Spoken, list[Outgoing]]:
    """The actor's line (read as ``prefix`` + message) and the events that carry it to
    ``audience``, as each troubled mind speaks and hears it (§8.6)."""
    mode = ctx.rules.lucidity_random_effects
    spoken = distortion.speak(channel, ctx.actor, message, prefix, ctx.rng, mode, strained_prefix)
    events = distortion.deliver(spoken, audience, ctx.world, ctx.roster, ctx.rng, mode, room_id)
    return spoken, events
