"""What a ``PlayerTransfer`` carries of the character: the player as a load would give
them back, so the receiving shard rebuilds them exactly, without persistence."""

from __future__ import annotations

from mythos_contracts.persistence import ItemRecord
from mythos_game.domain.characters import standard_investigator
from mythos_game.domain.roster import Player
from mythos_game.service_layer.stored_state import StoredState, stored_reply_of


def test_a_player_survives_the_stored_form_whole() -> None:
    played = standard_investigator("c-1", "alice", "Alice")
    other = standard_investigator("c-2", "alice", "Alicia")
    played.version, other.version = 41, 7
    played.lucidity, played.xp, played.cooldowns = 63, 12, {"meditate": 1_900_000_000.0}
    player = Player("alice", "Alice", "miskatonic-quad", 99, character=played, account_name="al")
    player.characters[other.id] = other
    player.aliases = {"n": "go north"}
    player.muted_until = 1_800_000_000.0
    lantern = ItemRecord(
        item_id="i-1", prototype_id="lantern", location_kind="carried", location_id="c-1", version=3
    )

    reply = stored_reply_of(player, (lantern,))
    stored = StoredState.from_reply(reply)

    assert reply.room_id == "miskatonic-quad" and reply.name == "al"
    assert stored.version == 99 and stored.aliases == {"n": "go north"}
    assert stored.muted_until == 1_800_000_000.0 and stored.items == (lantern,)
    assert stored.active_character_id == "c-1"
    active = stored.active()
    assert active is not None
    assert (active.name, active.version, active.lucidity, active.xp) == ("Alice", 41, 63, 12)
    assert active.cooldowns == {"meditate": 1_900_000_000.0}
    assert active.room_id == "miskatonic-quad"
    assert [c.id for c in stored.characters] == ["c-1", "c-2"]
