"""The ``ZoneState`` contract: a round trip on the wire, and what it refuses."""

from __future__ import annotations

import pytest
from mythos_contracts.persistence import ItemRecord
from mythos_contracts.zone_moves import ZoneState
from pydantic import ValidationError


def _item(item_id: str, **changes: object) -> ItemRecord:
    fields: dict[str, object] = {
        "item_id": item_id,
        "prototype_id": "lantern",
        "location_kind": "room",
        "location_id": "miskatonic-quad",
        "version": 1_700_000_000_123,
    }
    fields.update(changes)
    return ItemRecord.model_validate(fields)


def test_a_zone_state_survives_the_wire_whole() -> None:
    state = ZoneState(
        zone="miskatonic-university",
        items=[_item("it-1", origin="miskatonic-quad/0"), _item("it-2")],
        spawn_due={"orne-library/0": 1_700_000_300.5},
        floor_since={"it-2": 1_700_000_000.25},
    )
    again = ZoneState.model_validate_json(state.model_dump_json())
    assert again == state
    assert [i.version for i in again.items] == [1_700_000_000_123] * 2


def test_an_empty_zone_needs_only_its_name() -> None:
    assert ZoneState(zone="uptown") == ZoneState(
        zone="uptown", items=[], spawn_due={}, floor_since={}
    )
    with pytest.raises(ValidationError):
        ZoneState(zone="")


def test_only_floor_items_each_once_and_clocks_of_its_own_items() -> None:
    with pytest.raises(ValidationError, match="floors"):
        ZoneState(zone="uptown", items=[_item("it-1", location_kind="carried")])
    with pytest.raises(ValidationError, match="twice"):
        ZoneState(zone="uptown", items=[_item("it-1"), _item("it-1")])
    with pytest.raises(ValidationError, match="floor_since"):
        ZoneState(zone="uptown", items=[_item("it-1")], floor_since={"it-9": 1.0})
    with pytest.raises(ValidationError, match="extra"):
        ZoneState.model_validate({"zone": "uptown", "fights": []})


def test_an_npc_travels_with_its_wounds_and_its_clocks_as_ages() -> None:
    npc = {
        "npc_id": "npc-1",
        "prototype_id": "ghoul",
        "room_id": "miskatonic-quad",
        "dp": 3,
        "home_subzone": "quad",
        "moved_ticks_ago": 2,
        "regen_ticks_ago": 0,
        "seen_ticks_ago": {"char-1": 5},
    }
    state = ZoneState.model_validate({"zone": "uptown", "npcs": [npc]})
    assert ZoneState.model_validate_json(state.model_dump_json()) == state
    with pytest.raises(ValidationError):
        ZoneState.model_validate({"zone": "uptown", "npcs": [{**npc, "dp": -1}]})
    with pytest.raises(ValidationError, match="extra"):
        ZoneState.model_validate({"zone": "uptown", "npcs": [{**npc, "in_combat": True}]})
