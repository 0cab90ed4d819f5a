"""``global`` and ``broadcast`` across shards (docs/design/shards.md §9): the speaker's
shard sends each checked line to the lobby (``GlobalSaid``), the lobby puts it in the
world's one order, saves a ``global`` line once and relays it to every shard
(``GlobalLine`` on ``command._all.global_line``), and every shard stamps it for its own
players and keeps it for the history shown at login. Until a lobby process exists, the
shard hosting ``command.lobby.#`` (``DEFAULT_SHARD``) plays its part.

Every step runs in a unit, so what it sends is in that unit's journaled outbox; the ids
of what it sends are derived from what it handles, so a message sent again after a
crash is skipped by whoever handled it (the handled delivery ids).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from mythos_contracts.bus import Bus
from mythos_contracts.envelope import utc_now
from mythos_contracts.global_lines import GLOBAL_LINE_KIND, GlobalLine, GlobalSaid
from mythos_contracts.persistence import GLOBAL_SCOPE, ChatLine
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, all_shards_key, command_key

from mythos_game.domain import distortion
from mythos_game.domain.outgoing import Outgoing, ToEveryone, WorldLine
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.world import World
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.event_publisher import EventPublisher

_SAID_IDS = uuid.UUID("0f3c8d52-7a61-4d0e-9b0c-3e1f6a4b2d71")
_LINE_IDS = uuid.UUID("c4a9e1f7-2b38-4f56-8d1a-5e7b0c9f3a24")


def said_delivery_id(delivery_id: str, n: int) -> str:
    """The id of the ``n``-th line the input ``delivery_id`` sends to the lobby."""
    return uuid.uuid5(_SAID_IDS, f"{delivery_id}:{n}").hex


def line_delivery_id(said_id: str) -> str:
    """The id of the lobby's relay of the said line ``said_id``."""
    return uuid.uuid5(_LINE_IDS, said_id).hex


class GlobalLines:
    def __init__(
        self,
        world: World,
        roster: Roster,
        publisher: EventPublisher,
        bus: Bus,
        history: ChatHistory | None,
        *,
        shard: str,
        rules: Rules,
        rng: random.Random,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        """``bus``: the one the game publishes through (inside a unit, the journal's);
        ``history``: where lines are kept for logins (and, by the lobby, saved)."""
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._bus = bus
        self._history = history
        self._shard = shard
        self._rules = rules
        self._rng = rng
        self._now = now

    async def send(self, speaker: Player, lines: Sequence[WorldLine], delivery_id: str) -> None:
        """Send ``speaker``'s checked lines to the lobby, to be ordered."""
        for n, world_line in enumerate(lines):
            said = GlobalSaid(
                delivery_id=said_delivery_id(delivery_id, n),
                player_id=speaker.id,
                from_shard=self._shard,
                channel=world_line.channel,
                line=world_line.line,
                exclude_speaker=world_line.exclude_speaker,
            )
            key = command_key(LOBBY_SHARD, speaker.id)
            await self._bus.publish(COMMANDS_EXCHANGE, key, said.model_dump_json().encode())

    async def order(self, said: GlobalSaid) -> None:
        """The lobby's part: the line takes its place in the one order (this input's),
        is saved once if it is ``global``, and goes to every shard."""
        history: ChatLine | None = None
        if said.channel == "global":
            data = said.line
            history = ChatLine(
                line_id=uuid.uuid5(_LINE_IDS, f"history:{said.delivery_id}").hex,
                scope=GLOBAL_SCOPE,
                channel="global",
                player_id=data.player_id,
                player_name=data.player_name,
                message=data.message,
                text=data.text,
                sent_at=self._now(),
                distortion=data.distortion,
            )
            if self._history is not None:
                await self._history.save(history)
        line = GlobalLine(
            delivery_id=line_delivery_id(said.delivery_id),
            player_id=said.player_id,
            channel=said.channel,
            line=said.line,
            exclude_speaker=said.exclude_speaker,
            history=history,
        )
        key = all_shards_key(GLOBAL_LINE_KIND)
        await self._bus.publish(COMMANDS_EXCHANGE, key, line.model_dump_json().encode())

    async def deliver(self, line: GlobalLine) -> None:
        """Stamp the line for this shard's players (as each mind hears it), and keep it
        for the history shown at login."""
        if line.history is not None and self._history is not None:
            self._history.keep(line.history)
        audience = ToEveryone(frozenset({line.player_id}) if line.exclude_speaker else frozenset())
        if line.channel == "broadcast":
            # A system line: nobody's mind bends it.
            await self._publisher.publish([Outgoing("chat_message", audience, line.line)])
            return
        prefix = line.line.text[: len(line.line.text) - len(line.line.message)]
        spoken = distortion.Spoken(line.line, prefix)
        mode = self._rules.lucidity_random_effects
        events = distortion.deliver(spoken, audience, self._world, self._roster, self._rng, mode)
        await self._publisher.publish(events)
