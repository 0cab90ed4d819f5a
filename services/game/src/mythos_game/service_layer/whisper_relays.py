"""Whispers between shards (docs/design/shards.md §9): the sender's shard checks a
whisper to a player on another shard (rate, mute), answers the sender and relays the
line on the target's command key (``WhisperRelay``, in the unit's outbox); the target's
shard sends it to the player, as their own mind hears it, and makes the sender their
``reply`` target. A target who left meanwhile misses the line, as on one shard; one who
crossed on gets it forwarded with their other inputs.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence

from mythos_contracts.bus import Bus
from mythos_contracts.directory import WhisperRelay
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key

from mythos_game.domain import distortion
from mythos_game.domain.outgoing import RemoteWhisper, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher

log = logging.getLogger(__name__)

_RELAY_IDS = uuid.UUID("5b0d0c7e-4f7c-4b57-9a57-6f1d2f1a9c11")
"""Namespace of the relays' delivery ids: derived from the command's, so a relay
published again after a crash keeps its id and is delivered once."""


def relay_delivery_id(delivery_id: str, n: int) -> str:
    """The ``n``-th relay of the input ``delivery_id``'s id."""
    return uuid.uuid5(_RELAY_IDS, f"{delivery_id}:{n}").hex


class WhisperRelays:
    def __init__(
        self,
        world: World,
        roster: Roster,
        publisher: EventPublisher,
        bus: Bus,
        *,
        shard: str,
        rules: Rules,
        rng: random.Random,
    ) -> None:
        """``bus``: the one the game publishes through (inside a unit, the journal's)."""
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._bus = bus
        self._shard = shard
        self._rules = rules
        self._rng = rng

    async def send(
        self, sender: Player, whispers: Sequence[RemoteWhisper], delivery_id: str
    ) -> None:
        """Relay ``sender``'s checked whispers to their targets' shards."""
        for n, whisper in enumerate(whispers):
            relay = WhisperRelay(
                delivery_id=relay_delivery_id(delivery_id, n),
                player_id=whisper.player_id,
                from_player_id=sender.id,
                from_shard=self._shard,
                line=whisper.line,
            )
            key = command_key(whisper.shard, whisper.player_id)
            await self._bus.publish(COMMANDS_EXCHANGE, key, relay.model_dump_json().encode())

    async def deliver(self, relay: WhisperRelay) -> None:
        """Send the relayed line to its target, if here."""
        player = self._roster.get(relay.player_id)
        if player is None:
            log.info("whisper from %s not delivered: the player left", relay.from_player_id)
            return
        player.last_whisper_from = relay.from_player_id
        line = relay.line
        prefix = line.text[: len(line.text) - len(line.message)]
        spoken = distortion.Spoken(line, prefix)
        mode = self._rules.lucidity_random_effects
        audience = ToPlayer(player.id)
        events = distortion.deliver(spoken, audience, self._world, self._roster, self._rng, mode)
        await self._publisher.publish(events)
