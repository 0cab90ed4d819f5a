"""``status_update``: at most one per character per command and per tick, sent last.

Whatever changes a character's vitals notes the cause here *before* changing them
(``StatusLedger.note``); the first note of a character snapshots their status. When
the command or tick is done, ``events`` turns each noted character into one
``status_update`` with the net changes, the first cause's reason and every cause's
text, one per line (a change of tier adds its line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mythos_contracts.events import Status, StatusReason, StatusUpdateData, Tier, TierChange

from mythos_game.domain.characters import Character
from mythos_game.domain.outgoing import Outgoing, ToPlayer

TIER_LINES: dict[Tier, str] = {
    "lucid": "Your mind clears.",
    "uneasy": "A quiet dread settles over you; you are uneasy.",
    "fractured": "The edges of the world blur and whisper; your mind is fractured.",
    "deranged": "Reason slips its moorings; you are deranged.",
    "catatonic": "Your mind withdraws into the dark; you are catatonic.",
}
"""The line a change into each tier adds to the ``status_update`` text."""

# The Status fields whose changes are reported as deltas.
_COUNTED = ("dp", "max_dp", "mp", "max_mp", "lucidity", "max_lucidity", "xp")


@dataclass
class _Noted:
    character: Character
    before: Status
    reason: StatusReason
    texts: list[str] = field(default_factory=list)


class StatusLedger:
    """The causes of status changes of one command or one tick."""

    def __init__(self) -> None:
        self._noted: dict[str, _Noted] = {}

    def note(self, character: Character, reason: StatusReason, text: str | None = None) -> None:
        """Record a cause of change; call it before changing ``character``."""
        noted = self._noted.get(character.id)
        if noted is None:
            noted = self._noted[character.id] = _Noted(character, character.status(), reason)
        if text:
            noted.texts.append(text)

    def supersede(self, character: Character, reason: StatusReason, text: str) -> None:
        """Record a cause that outweighs the ones noted before (the sanitarium): it gives
        the reason and the only text; the changes stay net from the first note."""
        self.note(character, reason)
        noted = self._noted[character.id]
        noted.reason = reason
        noted.texts = [text]

    def characters(self) -> list[Character]:
        """The characters noted so far."""
        return [noted.character for noted in self._noted.values()]

    def changed(self) -> list[Character]:
        """The noted characters whose status differs from when first noted (to save)."""
        return [n.character for n in self._noted.values() if n.character.status() != n.before]

    def __bool__(self) -> bool:
        return bool(self._noted)

    def events(self) -> list[Outgoing]:
        """One ``status_update`` per noted character, in the order first noted; the ledger
        is empty afterwards."""
        noted_now, self._noted = self._noted, {}
        return [_update(noted) for noted in noted_now.values()]


def _update(noted: _Noted) -> Outgoing:
    character = noted.character
    after = character.status()
    changes = {
        name: getattr(after, name) - getattr(noted.before, name)
        for name in _COUNTED
        if getattr(after, name) != getattr(noted.before, name)
    }
    texts = list(noted.texts)
    tier_changed = None
    if after.tier != noted.before.tier:
        tier_changed = TierChange.model_validate({"from": noted.before.tier, "to": after.tier})
        texts.append(TIER_LINES[after.tier])
    data = StatusUpdateData(
        status=after,
        changes=changes,
        tier_changed=tier_changed,
        reason=noted.reason,
        text="\n".join(texts) if texts else None,
    )
    return Outgoing("status_update", ToPlayer(character.account_id), data)
