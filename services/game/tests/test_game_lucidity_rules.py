"""Lucidity as pure rules (§8): changes and how they are told, shocks, place balances,
rituals and their cooldowns, misfires, terror, chat distortion and hallucinations."""

from __future__ import annotations

import random

import pytest
from mythos_contracts.events import ChatMessageData, StatusUpdateData
from mythos_game.domain import distortion, hallucinations, lucidity
from mythos_game.domain.characters import Character, standard_investigator
from mythos_game.domain.npcs import Horror
from mythos_game.domain.outgoing import ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World


def _ada(lcd: int = 100) -> Character:
    ada = standard_investigator("c-ada", "acct-ada", "Ada")
    ada.lucidity = lcd
    return ada


def _update(ledger: StatusLedger) -> StatusUpdateData:
    (event,) = ledger.events()
    assert isinstance(event.data, StatusUpdateData)
    return event.data


def test_a_change_is_clamped_and_told_with_the_new_tier_line() -> None:
    ada, ledger = _ada(72), StatusLedger()
    change = lucidity.shift(
        ada, -5, ledger, "ambience", "This place gnaws at you. (-5 lucidity)", 0
    )
    assert (change.before, change.after, ada.lucidity) == (72, 67, 67)
    data = _update(ledger)
    assert data.changes == {"lucidity": -5} and data.reason == "ambience"
    assert data.tier_changed is not None
    assert data.tier_changed.model_dump() == {"from": "lucid", "to": "uneasy"}
    assert data.text == (
        "This place gnaws at you. (-5 lucidity)\nA quiet dread settles over you; you are uneasy."
    )
    lucidity.shift(ada, 500, ledger, "admin", None, 0)
    assert ada.lucidity == 100
    lucidity.shift(ada, -500, ledger, "admin", None, 0)
    assert ada.lucidity == -100


def test_catatonia_begins_and_ends_with_the_tier() -> None:
    ada, ledger = _ada(3), StatusLedger()
    change = lucidity.shift(ada, -3, ledger, "encounter", None, 1000.0)
    assert change.became_catatonic and not change.at_floor
    assert ada.catatonic_since == 1000.0
    again = lucidity.shift(ada, -1, ledger, "catatonia", lucidity.DRIFT_TEXT, 1060.0)
    assert not again.became_catatonic and ada.catatonic_since == 1000.0  # began earlier
    assert lucidity.set_to(ada, -100, ledger, "admin", None, 1100.0).at_floor
    lucidity.set_to(ada, 1, ledger, "ground", None, 1200.0)
    assert ada.catatonic_since is None and ada.tier == "deranged"
    assert lucidity.DRIFT_TEXT == "You drift deeper into the dark. (-1 lucidity)"


@pytest.mark.parametrize(
    ("category", "losses"),
    [
        ("disturbing", [6, 2, 2, 2, 2, 2, 1, 1]),
        ("horrific", [12, 5, 5, 5, 5, 5, 2, 2]),
        ("cosmic", [20, 10, 10, 10, 10, 10, 5, 5]),
    ],
)
def test_encounter_shock_by_category_first_repeated_and_dulled(
    category: str, losses: list[int]
) -> None:
    assert [lucidity.encounter_loss(category, seen) for seen in range(8)] == losses  # type: ignore[arg-type]


def test_an_encounter_counts_per_archetype_in_the_stored_ledger() -> None:
    ada, ledger = _ada(), StatusLedger()
    ghoul = Horror("disturbing", "ghoul")
    lucidity.encounter(ada, "a ghoul", ghoul, ledger, 0)
    lucidity.encounter(ada, "a ghoul", ghoul, ledger, 0)
    lucidity.encounter(ada, "a deep one", Horror("horrific", "deep-one"), ledger, 0)
    assert ada.encounters == {"ghoul": 2, "deep-one": 1}
    assert ada.lucidity == 100 - 6 - 2 - 12
    data = _update(ledger)
    assert data.reason == "encounter"
    assert data.text is not None
    assert data.text.splitlines()[:3] == [
        "The sight of a ghoul claws at your reason. (-6 lucidity)",
        "The sight of a ghoul claws at your reason. (-2 lucidity)",
        "The sight of a deep one claws at your reason. (-12 lucidity)",
    ]


def test_witnessing_a_death() -> None:
    ada, ledger = _ada(), StatusLedger()
    lucidity.witnessed_death(ada, "Bob", ledger, 0)
    assert ada.lucidity == 96
    data = _update(ledger)
    assert (data.reason, data.text) == (
        "witnessed_death",
        "Watching Bob die shakes you. (-4 lucidity)",
    )
    assert lucidity.shaken_by_death(ada)
    assert not lucidity.shaken_by_death(_ada(0))
    dead = _ada()
    dead.dp = -10
    assert not lucidity.shaken_by_death(dead)


def test_place_rates_build_a_fractional_balance() -> None:
    balance, due = 0.0, []
    for _ in range(4):
        balance, points = lucidity.accrue(balance, -0.5)
        due.append(points)
    assert due == [0, -1, 0, -1] and balance == 0.0
    assert lucidity.accrue(0.0, 1.0) == (0.0, 1)
    assert lucidity.accrue(0.0, -3.0) == (0.0, -3)
    balance = 0.0
    for _ in range(10):
        balance, points = lucidity.accrue(balance, 0.1)
    assert points == 1 and balance == 0.0  # no float dust
    assert lucidity.ambience_text(-1) == "This place gnaws at you. (-1 lucidity)"
    assert lucidity.ambience_text(1) == "This place steadies you. (+1 lucidity)"


def test_meditate_gains_up_to_100_and_starts_its_cooldown() -> None:
    ada, ledger = _ada(80), StatusLedger()
    line, _ = lucidity.perform(ada, lucidity.MEDITATE, 600, ledger, 1000.0)
    assert line == "You sit and breathe until the world holds still. (+6 lucidity, 86/100)"
    assert ada.cooldowns == {"meditate": 1600.0}
    data = _update(ledger)
    assert (data.reason, data.changes, data.text) == ("meditate", {"lucidity": 6}, line)
    full = _ada(97)
    line, _ = lucidity.perform(full, lucidity.PRAY, 900, ledger, 0.0)
    assert line == "You kneel and pray, and something listens. (+3 lucidity, 100/100)"
    line, _ = lucidity.perform(full, lucidity.PRAY, 900, ledger, 0.0)
    assert line == "You kneel and pray, and something listens. (+0 lucidity, 100/100)"


def test_cooldowns_are_absolute_and_told_in_whole_minutes() -> None:
    ada = _ada()
    ada.cooldowns["meditate"] = 1600.0
    assert lucidity.cooldown_left(ada, "meditate", 1000.0) == 600.0
    assert lucidity.cooldown_left(ada, "meditate", 1600.0) == 0.0
    assert lucidity.cooldown_left(ada, "pray", 0.0) == 0.0
    assert lucidity.wait_text(600) == (
        "You cannot find that calm again yet. Try again in 10 minutes."
    )
    assert lucidity.wait_text(61) == "You cannot find that calm again yet. Try again in 2 minutes."
    assert lucidity.wait_text(60) == "You cannot find that calm again yet. Try again in 1 minute."
    assert lucidity.wait_text(5) == "You cannot find that calm again yet. Try again in 1 minute."


def test_misfires_by_tier_and_mode() -> None:
    rng = random.Random(7)
    assert not lucidity.misfires("lucid", rng, "always")
    assert not lucidity.misfires("uneasy", rng, "always")
    assert lucidity.misfires("fractured", rng, "always")
    assert lucidity.misfires("deranged", rng, "always")
    assert not lucidity.misfires("deranged", rng, "never")
    rng = random.Random(1)
    fractured = sum(lucidity.misfires("fractured", rng, "on") for _ in range(4000)) / 4000
    deranged = sum(lucidity.misfires("deranged", rng, "on") for _ in range(4000)) / 4000
    assert 0.08 < fractured < 0.12 and 0.22 < deranged < 0.28


def test_terror_needs_a_deranged_mind_a_hard_blow_and_no_recent_flight() -> None:
    rng = random.Random(3)
    ada = _ada(10)  # deranged; max DP 20, so a blow of 3 (15 %, rounded up) is hard
    assert not lucidity.terror_strikes(ada, 2, 120, rng, "always", 0.0)
    assert lucidity.terror_strikes(ada, 3, 120, rng, "always", 0.0)
    assert ada.cooldowns["terror"] == 120.0
    assert not lucidity.terror_strikes(ada, 9, 120, rng, "always", 60.0)
    assert lucidity.terror_strikes(ada, 9, 120, rng, "always", 120.0)
    assert not lucidity.terror_strikes(_ada(30), 9, 120, rng, "always", 0.0)  # fractured
    assert not lucidity.terror_strikes(_ada(10), 9, 120, rng, "never", 0.0)


def test_muffle_and_scramble() -> None:
    assert distortion.muffle('Wait! "Who", he said; then: why?.') == "Wait Who he said then why"
    assert distortion.scramble("one two three four five") == "two one four three five"
    assert distortion.scramble("one two") == "two one"
    assert distortion.scramble("alone") == "alone"


def test_sender_effects_by_tier_and_mode() -> None:
    rng = random.Random(0)
    assert distortion.sender_effects("uneasy", "whisper", rng, "never") == ["strained"]
    assert distortion.sender_effects("uneasy", "say", rng, "always") == []
    assert distortion.sender_effects("fractured", "say", rng, "always") == ["glyph"]
    assert distortion.sender_effects("fractured", "say", rng, "never") == []
    assert distortion.sender_effects("fractured", "system", rng, "always") == []
    assert distortion.sender_effects("lucid", "global", rng, "always") == []
    assert distortion.sender_effects("deranged", "say", rng, "always") == []


def test_receiver_effects_by_tier_and_mode() -> None:
    rng = random.Random(0)
    assert distortion.receiver_effect("fractured", rng, "always") == "muffled"
    assert distortion.receiver_effect("deranged", rng, "always") == "scrambled"
    assert distortion.receiver_effect("uneasy", rng, "always") is None
    assert distortion.receiver_effect("fractured", rng, "never") is None
    rng = random.Random(2)
    muffled = sum(
        distortion.receiver_effect("fractured", rng, "on") is not None for _ in range(4000)
    )
    assert 0.27 < muffled / 4000 < 0.33


def test_only_the_bending_tiers_roll_for_a_line_they_hear() -> None:
    for tier in ("lucid", "uneasy", "fractured", "deranged", "catatonic"):
        rng = random.Random(5)
        always = distortion.receiver_effect(tier, rng, "always")
        distortion.receiver_effect(tier, rng, "on")
        drew = rng.getstate() != random.Random(5).getstate()
        assert (always is not None) == drew == (tier in distortion.BENDING_TIERS), tier


def test_a_room_hears_a_line_rolled_listener_by_listener_in_id_order() -> None:
    """Whatever the tiers around them, each troubled listener draws once, in id order."""
    lucidities = {"p-e": 30, "p-a": 100, "p-d": 10, "p-c": 55, "p-b": 25, "p-f": 0}
    players = {pid: Player(pid, pid.upper(), "hall", 1) for pid in lucidities}
    roster = Roster()
    for pid, player in players.items():
        player.character.lucidity = lucidities[pid]
        roster.add(player)
    audience = ToRoom("hall", frozenset({"p-a"}))
    for seed in range(40):
        spoken = distortion.speak(
            "say", players["p-a"], "one two", "A says: ", random.Random(0), "on"
        )
        events = distortion.deliver(
            spoken, audience, World({}, "hall"), roster, random.Random(seed), "on"
        )
        expected: list[tuple[str, str]] = []
        draws = random.Random(seed)
        for pid in sorted(set(players) - {"p-a"}):  # as rolling every listener would draw
            effect = distortion.receiver_effect(players[pid].character.tier, draws, "on")
            if effect is not None:
                expected.append((pid, effect))
        *own, shared = events
        heard = [
            (e.audience.player_id, e.data.distortion[-1])
            for e in own
            if isinstance(e.audience, ToPlayer) and isinstance(e.data, ChatMessageData)
        ]
        assert (heard, len(own)) == (expected, len(expected))
        assert shared.audience == ToRoom("hall", frozenset({"p-a", *(p for p, _ in expected)}))


def test_hallucinations_by_tier_trigger_and_period() -> None:
    rng = random.Random(5)
    seen = hallucinations.on_entry("uneasy", rng, "always")
    assert seen is not None and (seen.kind, seen.text) in hallucinations.VISIONS
    assert hallucinations.on_entry("lucid", rng, "always") is None
    assert hallucinations.on_entry("uneasy", rng, "never") is None
    assert hallucinations.on_clock("fractured", 30, rng, "always") is not None
    assert hallucinations.on_clock("fractured", 20, rng, "always") is None
    assert hallucinations.on_clock("deranged", 20, rng, "always") is not None
    assert hallucinations.on_clock("deranged", 30, rng, "always") is None
    assert hallucinations.on_clock("catatonic", 60, rng, "always") is None
    assert hallucinations.on_clock("uneasy", 60, rng, "always") is None
    kinds = {kind for kind, _ in hallucinations.VISIONS}
    assert kinds == {"whisper", "shadow", "overlay"}


def test_what_is_stored_of_a_mind_survives_a_save_and_a_load() -> None:
    from mythos_contracts.persistence import CharacterRecord
    from mythos_game.service_layer.stored_state import character_change, character_of

    ada, ledger = _ada(5), StatusLedger()
    ada.version = 7
    lucidity.shift(ada, -10, ledger, "encounter", None, 1_700_000_000.5)
    lucidity.encounter(ada, "a ghoul", Horror("disturbing", "ghoul"), ledger, 1_700_000_001.0)
    ada.cooldowns.update({"meditate": 1_700_000_600.25, "pray": 1_700_000_900.0})
    ada.cooldowns["terror"] = 1_700_000_120.0
    saved = character_change(ada)
    stored = saved.model_dump(mode="json", exclude={"deleted"})  # as persistence keeps it
    loaded = character_of(CharacterRecord.model_validate(stored))
    assert (loaded.lucidity, loaded.tier) == (-11, "catatonic")
    assert loaded.catatonic_since == 1_700_000_000.5
    assert loaded.cooldowns == ada.cooldowns
    assert loaded.encounters == {"ghoul": 1}
    # Absolute times: a reload later still waits out the rest, not the whole period.
    assert lucidity.cooldown_left(loaded, "meditate", 1_700_000_300.25) == 300.0
