"""Lucidity in play: meditate, pray and ground, chat as each troubled mind hears it, and
the lucidity minute and hallucinations on the game clock (commands and tick systems,
without I/O)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from mythos_contracts.events import (
    ChatMessageData,
    HallucinationData,
    RoomMessageData,
    StatusUpdateData,
)
from mythos_game.adapters.world_files import load_world
from mythos_game.domain import ticks
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.conditions import refusal
from mythos_game.domain.game_state import GameState
from mythos_game.domain.items import Item
from mythos_game.domain.outgoing import Outgoing, ToEveryone, ToPlayer, ToRoom, ToSubzone
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import RandomEffects, Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, TickOutcome

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room
CHAPEL = "university-chapel"
ASYLUM_TEXT = (
    "You wake in a narrow iron bed in the sanitarium's east ward. (1/100)\n"
    "Reason slips its moorings; you are deranged."
)


def _player(pid: str, name: str, lcd: int = 100, room: str = START) -> Player:
    player = Player(pid, name, room, 1)
    player.character.lucidity = lcd
    return player


def _roster(*players: Player) -> Roster:
    roster = Roster()
    for player in players:
        roster.add(player)
    return roster


def _run(
    roster: Roster,
    actor: Player,
    line: str,
    *,
    mode: RandomEffects = "always",
    now: float = 1000.0,
    ledger: StatusLedger | None = None,
    role: str = "player",
) -> tuple[Outcome, Context]:
    command, *args = line.split()
    parsed = parse(command, args)
    assert parsed is not None
    spec = parsed.spec
    rules = replace(Rules(), lucidity_random_effects=mode)
    why_not = refusal(actor.character, spec.allowed_when, spec.fighting_refusal)
    ctx = Context(
        WORLD,
        roster,
        actor,
        COMMANDS,
        now=now,
        rules=rules,
        rng=random.Random(4),
        status=ledger or StatusLedger(),
        role=role,
    )
    if why_not is not None and not spec.admin:
        return Outcome(False, why_not), ctx
    return spec.run(ctx, parsed.args), ctx


def _updates(ctx: Context) -> dict[str, StatusUpdateData]:
    found = {}
    for event in ctx.status.events():
        assert isinstance(event.audience, ToPlayer) and isinstance(event.data, StatusUpdateData)
        found[event.audience.player_id] = event.data
    return found


# -- meditate and pray ---------------------------------------------------------------


def test_meditate_gains_tells_the_room_and_waits_out_its_cooldown() -> None:
    ada, bob = _player("a", "Ada", 60), _player("b", "Bob")
    roster = _roster(ada, bob)
    outcome, ctx = _run(roster, ada, "meditate")
    assert outcome.success and outcome.state_changed
    assert outcome.text == (
        "You sit and breathe until the world holds still. (+6 lucidity, 66/100)"
    )
    (seen,) = outcome.events
    assert seen.audience == ToRoom(START, frozenset({"a"}))
    assert isinstance(seen.data, RoomMessageData)
    assert (seen.data.kind, seen.data.text) == (
        "meditate",
        "Ada sits very still, breathing slowly.",
    )
    update = _updates(ctx)["a"]
    assert update.reason == "meditate" and update.changes == {"lucidity": 6}
    again, _ = _run(roster, ada, "meditate", now=1000.0 + 599)
    assert (again.success, again.text) == (
        False,
        "You cannot find that calm again yet. Try again in 1 minute.",
    )
    soon, _ = _run(roster, ada, "meditate", now=1000.0 + 1)
    assert soon.text == "You cannot find that calm again yet. Try again in 10 minutes."
    later, _ = _run(roster, ada, "meditate", now=1000.0 + 600)
    assert later.success and ada.character.lucidity == 72


def test_meditate_at_full_lucidity_still_runs_and_starts_the_cooldown() -> None:
    ada = _player("a", "Ada")
    outcome, ctx = _run(_roster(ada), ada, "meditate")
    assert outcome.text.endswith("(+0 lucidity, 100/100)")
    assert ada.character.cooldowns == {"meditate": 1600.0}
    assert _updates(ctx)["a"].changes == {}


def test_pray_only_in_a_sanctuary_and_never_in_a_fight() -> None:
    ada = _player("a", "Ada", 50)
    outcome, _ = _run(_roster(ada), ada, "pray")
    assert (outcome.success, outcome.text) == (False, "There is no holy place here to pray in.")
    ada = _player("a", "Ada", 50, room=CHAPEL)
    outcome, _ = _run(_roster(ada), ada, "pray")
    assert outcome.text == "You kneel and pray, and something listens. (+8 lucidity, 58/100)"
    assert ada.character.cooldowns == {"pray": 1900.0}
    assert isinstance(outcome.events[0].data, RoomMessageData)
    assert outcome.events[0].data.text == "Ada kneels in prayer."
    ada.character.in_combat = True
    for ritual in ("pray", "meditate"):
        outcome, _ = _run(_roster(ada), ada, ritual)
        assert outcome.text == "You cannot find stillness in the middle of a fight."


# -- catatonia and ground ----------------------------------------------------------------


def test_a_catatonic_mind_is_locked_out_and_ground_brings_it_back_to_1() -> None:
    ada, bob, cy = _player("a", "Ada", -20), _player("b", "Bob"), _player("c", "Cy")
    roster = _roster(ada, bob, cy)
    locked, _ = _run(roster, ada, "say hello")
    assert locked.text == "Your body will not answer you. Someone must 'ground' you."
    assert _run(roster, ada, "meditate")[0].text == locked.text
    assert _run(roster, ada, "status")[0].success
    outcome, ctx = _run(roster, bob, "ground ada")
    assert (outcome.success, outcome.text) == (
        True,
        "You take Ada's hands and talk them back to the world.",
    )
    assert ada.character.lucidity == 1 and ada.character.tier == "deranged"
    (seen,) = outcome.events
    assert seen.audience == ToRoom(START, frozenset({"a", "b"}))
    assert isinstance(seen.data, RoomMessageData)
    assert seen.data.text == "Bob grounds Ada; the blankness leaves Ada's eyes."
    update = _updates(ctx)["a"]
    assert update.reason == "ground" and update.changes == {"lucidity": 21}
    assert update.text == (
        "Bob's voice reaches you through the dark. You are back, barely. (1/100)\n"
        "Reason slips its moorings; you are deranged."
    )


def test_ground_refusals() -> None:
    ada, bob = _player("a", "Ada", -5), _player("b", "Bob")
    far = _player("f", "Far", -5, room="miskatonic-quad")
    roster = _roster(ada, bob, far)
    assert _run(roster, bob, "ground Far")[0].text == "You see no one called 'Far' here."
    assert _run(roster, bob, "ground")[0].text == "Ground whom? Usage: ground <player>"
    lucid = _player("c", "Cy")
    roster.add(lucid)
    assert _run(roster, bob, "ground cy")[0].text == "Cy is not lost in the dark."
    bob.character.in_combat = True
    assert _run(roster, bob, "ground ada")[0].text == "You cannot do that in the middle of a fight."
    bob.character.in_combat = False
    bob.character.lucidity = 30  # fractured: always misfires in "always" mode
    outcome, _ = _run(roster, bob, "ground ada")
    assert (outcome.success, outcome.text) == (False, "Your hands will not do what you ask.")
    assert ada.character.lucidity == -5
    assert _run(roster, bob, "ground ada", mode="never")[0].success


# -- chat as each mind hears it ------------------------------------------------------------


def _chat(event: Outgoing) -> ChatMessageData:
    assert event.event_type == "chat_message" and isinstance(event.data, ChatMessageData)
    return event.data


def test_a_fractured_listener_hears_say_muffled_in_a_copy_of_their_own() -> None:
    ada, bob, cy = _player("a", "Ada"), _player("b", "Bob", 30), _player("c", "Cy")
    outcome, _ = _run(_roster(ada, bob, cy), ada, 'say Wait, "who" is there?!')
    assert outcome.text == 'You say: Wait, "who" is there?!'
    own, shared = outcome.events
    assert own.audience == ToPlayer("b")
    assert (_chat(own).message, _chat(own).text, _chat(own).distortion) == (
        "Wait who is there",
        "Ada says: Wait who is there",
        ["muffled"],
    )
    assert shared.audience == ToRoom(START, frozenset({"a", "b"}))
    assert _chat(shared).text == 'Ada says: Wait, "who" is there?!'
    assert _chat(shared).distortion == []


def test_a_deranged_listener_hears_the_words_swapped_in_pairs() -> None:
    ada, bob = _player("a", "Ada"), _player("b", "Bob", 5)
    outcome, _ = _run(_roster(ada, bob), ada, "emote looks for the way out.")
    own, shared = outcome.events
    assert _chat(own).text == "Ada for looks way the out."
    assert _chat(own).distortion == ["scrambled"]
    assert shared.audience == ToRoom(START, frozenset({"a", "b"}))
    assert _chat(shared).text == "Ada looks for the way out."


def test_a_fractured_speaker_adds_a_glyph_for_everyone_and_the_history() -> None:
    ada, bob = _player("a", "Ada", 25), _player("b", "Bob", 30)
    roster = _roster(ada, bob)
    outcome, _ = _run(roster, ada, "global Hello there.")
    assert outcome.text == "[global] Ada: Hello there. \u2736"
    own, shared = outcome.events
    assert _chat(own).text == "[global] Ada: Hello there \u2736"
    assert _chat(own).distortion == ["glyph", "muffled"]
    assert shared.audience == ToEveryone(frozenset({"a", "b"}))
    assert _chat(shared).distortion == ["glyph"]
    (history,) = outcome.history
    assert history.data.message == "Hello there. \u2736"
    assert history.data.distortion == ["glyph"]
    never, _ = _run(roster, ada, "local Hello there.", mode="never")
    (line,) = never.events
    assert isinstance(line.audience, ToSubzone)
    assert _chat(line).text == "[local] Ada: Hello there." and _chat(line).distortion == []


def test_an_uneasy_whisper_is_strained_even_when_chance_effects_are_off() -> None:
    ada, bob = _player("a", "Ada", 50), _player("b", "Bob")
    roster = _roster(ada, bob)
    outcome, _ = _run(roster, ada, "whisper Bob Follow me.", mode="never")
    assert outcome.text == "You whisper to Bob: Follow me."
    (event,) = outcome.events
    assert event.audience == ToPlayer("b")
    assert _chat(event).text == "Ada whispers to you (strained): Follow me."
    assert _chat(event).distortion == ["strained"]
    reply, _ = _run(roster, bob, "reply Where?")
    assert _chat(reply.events[0]).text == "Bob whispers to you: Where?"


def test_a_bent_whisper_reaches_its_listener_once() -> None:
    ada, bob = _player("a", "Ada", 50), _player("b", "Bob", 10)
    outcome, _ = _run(_roster(ada, bob), ada, "whisper Bob one two three")
    (event,) = outcome.events
    assert event.audience == ToPlayer("b")
    assert _chat(event).text == "Ada whispers to you (strained): two one three"
    assert _chat(event).distortion == ["strained", "scrambled"]


# -- the game clock -----------------------------------------------------------------------


def _tick(
    roster: Roster, tick: int, state: GameState, mode: RandomEffects = "always"
) -> tuple[TickContext, TickOutcome]:
    rules = replace(Rules(), lucidity_flux_ticks=10, lucidity_random_effects=mode)
    ctx = TickContext(WORLD, roster, state, tick, 5000.0, random.Random(9), rules)
    return ctx, ticks.run_tick(ctx, tuple(s for s in ticks.SYSTEMS if s[0] in _MIND))


_MIND = ("lucidity minute", "hallucinations")


def test_the_systems_run_in_the_designed_order() -> None:
    names = [name for name, _ in ticks.SYSTEMS]
    assert names.index("regeneration") < names.index("lucidity minute")
    assert names.index("lucidity minute") + 1 == names.index("hallucinations")


def test_places_drain_and_steady_once_a_game_minute() -> None:
    crypt = _player("a", "Ada", room="hollowell-crypt")
    common = _player("b", "Bob", 90, room="lindenwood-common")
    roster, state = _roster(crypt, common), GameState()
    ctx, _ = _tick(roster, 9, state)
    assert ctx.status.events() == []
    ctx, _ = _tick(roster, 10, state)
    assert crypt.character.lucidity == 99 and common.character.lucidity == 90
    updates = _updates_of(ctx)
    assert updates["a"].text == "This place gnaws at you. (-1 lucidity)"
    assert updates["a"].reason == "ambience" and "b" not in updates
    ctx, _ = _tick(roster, 20, state)
    assert common.character.lucidity == 91
    assert _updates_of(ctx)["b"].text == "This place steadies you. (+1 lucidity)"


def _updates_of(ctx: TickContext) -> dict[str, StatusUpdateData]:
    found = {}
    for event in ctx.status.events():
        assert isinstance(event.audience, ToPlayer) and isinstance(event.data, StatusUpdateData)
        found[event.audience.player_id] = event.data
    return found


def test_falling_into_catatonia_tells_the_room_then_the_mind_drifts() -> None:
    ada, bob = (
        _player("a", "Ada", 1, room="hollowell-crypt"),
        _player("b", "Bob", room="hollowell-crypt"),
    )
    roster, state = _roster(ada, bob), GameState()
    ctx, outcome = _tick(roster, 10, state, mode="never")
    assert ada.character.lucidity == 0 and ada.character.catatonic_since == 5000.0
    (seen,) = outcome.events
    assert seen.audience == ToRoom("hollowell-crypt", frozenset({"a"}))
    assert isinstance(seen.data, RoomMessageData)
    assert (seen.data.kind, seen.data.text) == ("catatonic", "Ada goes rigid, staring at nothing.")
    update = _updates_of(ctx)["a"]
    assert update.text == (
        "This place gnaws at you. (-1 lucidity)\n"
        "Your mind withdraws into the dark; you are catatonic."
    )
    ctx, outcome = _tick(roster, 20, state, mode="never")
    assert ada.character.lucidity == -1  # the room's rate no longer applies: only the drift
    drift = _updates_of(ctx)["a"]
    assert (drift.reason, drift.text) == (
        "catatonia",
        "You drift deeper into the dark. (-1 lucidity)",
    )


def test_at_the_floor_the_orderlies_carry_one_to_the_sanitarium() -> None:
    ada, bob = _player("a", "Ada", -99, room="the-angle"), _player("b", "Bob", room="the-angle")
    roster, state = _roster(ada, bob), GameState()
    ctx, outcome = _tick(roster, 10, state, mode="never")
    assert ada.room_id == WORLD.asylum_room == "sanitarium-ward"
    assert ada.character.lucidity == 1 and ada.character.catatonic_since is None
    assert [e.event_type for e in outcome.events] == [
        "room_message",
        "player_left",
        "player_entered",
        "room_update",
    ]
    carried = outcome.events[0]
    assert carried.audience == ToRoom("the-angle", frozenset({"a"}))
    assert isinstance(carried.data, RoomMessageData)
    assert carried.data.text == "Orderlies in white come and carry Ada away."
    assert outcome.changed_players == [ada]
    update = _updates_of(ctx)["a"]
    assert (update.reason, update.changes) == ("asylum", {"lucidity": 100})
    assert update.text == ASYLUM_TEXT


def test_hallucinations_come_on_their_period_to_the_one_mind_only() -> None:
    fractured, deranged = _player("a", "Ada", 30), _player("b", "Bob", 10)
    lost, calm = _player("c", "Cy", -3), _player("d", "Di")
    roster, state = _roster(fractured, deranged, lost, calm), GameState()
    _, outcome = _tick(roster, 20, state)
    assert [e.audience for e in outcome.events if e.event_type == "hallucination"] == [
        ToPlayer("b")
    ]
    _, outcome = _tick(roster, 30, state)
    visions = [e for e in outcome.events if e.event_type == "hallucination"]
    assert [e.audience for e in visions] == [ToPlayer("a")]
    assert isinstance(visions[0].data, HallucinationData)
    _, outcome = _tick(roster, 60, state, mode="never")
    assert [e for e in outcome.events if e.event_type == "hallucination"] == []


def test_walking_in_is_an_arrival_the_command_itself_rolls_nothing_for() -> None:
    # The service layer rolls for every room entry (test_game_room_entries).
    ada = _player("a", "Ada", 50)
    roster = _roster(ada)
    outcome, _ = _run(roster, ada, "go north")
    assert outcome.success
    assert "hallucination" not in [e.event_type for e in outcome.events]
    assert roster.take_arrivals() == ["a"]
    assert roster.take_arrivals() == []


def test_setstat_lcd_follows_the_rules_of_play() -> None:
    boss, bob, cy = _player("z", "Boss"), _player("b", "Bob"), _player("c", "Cy")
    roster = _roster(boss, bob, cy)
    outcome, ctx = _run(roster, boss, "setstat Bob lcd 0", role="admin")
    assert outcome.text == "Set Bob's lucidity to 0 (was 100)."
    assert bob.character.tier == "catatonic" and bob.character.catatonic_since == 1000.0
    rigid = [e for e in outcome.events if e.event_type == "room_message"]
    assert [e.audience for e in rigid] == [ToRoom(START, frozenset({"b"}))]
    assert isinstance(rigid[0].data, RoomMessageData)
    assert rigid[0].data.text == "Bob goes rigid, staring at nothing."
    update = _updates(ctx)["b"]
    assert (update.reason, update.changes) == ("admin", {"lucidity": -100})
    outcome, ctx = _run(roster, boss, "setstat Bob lcd -100", role="admin")
    assert bob.room_id == "sanitarium-ward" and bob.character.lucidity == 1
    assert [e.event_type for e in outcome.events] == [
        "room_message",
        "player_left",
        "player_entered",
        "room_update",
        "chat_message",
    ]
    update = _updates(ctx)["b"]
    assert (update.reason, update.text) == ("asylum", ASYLUM_TEXT)


def test_a_troubled_mind_fumbles_a_use_unless_chance_effects_are_off() -> None:
    ada = _player("a", "Ada", 30)
    roster = _roster(ada)
    proto = WORLD.items["nerve-tonic"]
    state = GameState()
    state.give_to(ada.character.id, Item("it-1", proto))
    command, *args = ["drink", "tonic"]
    modes: tuple[tuple[RandomEffects, bool], ...] = (("always", True), ("never", False))
    for mode, fumbled in modes:
        parsed = parse(command, args)
        assert parsed is not None
        rules = replace(Rules(), lucidity_random_effects=mode)
        ctx = Context(WORLD, roster, ada, COMMANDS, rules=rules, state=state)
        outcome = parsed.spec.run(ctx, parsed.args)
        assert (outcome.text == "Your hands will not do what you ask.") is fumbled
    assert ada.character.lucidity == 33


def test_look_shows_a_troubled_mind_and_a_fallen_body() -> None:
    ada, bob = _player("a", "Ada"), _player("b", "Bob")
    roster = _roster(ada, bob)
    expected = {
        100: None,
        50: None,
        30: "Bob keeps glancing at empty corners.",
        10: "Bob mutters to no one, eyes wide.",
        0: "Bob stands rigid, staring at nothing.",
    }
    for lcd, line in expected.items():
        bob.character.lucidity = lcd
        text = _run(roster, ada, "look Bob")[0].text.splitlines()
        assert text[:2] == ["Bob", "Bob is here, looking back at you."]
        assert (text[2] if len(text) > 2 else None) == line, lcd
    bob.character.dp = 0
    assert "Bob lies bleeding on the ground." in _run(roster, ada, "look Bob")[0].text
    bob.character.dp = -10
    assert _run(roster, ada, "look Bob")[0].text.splitlines()[2] == "Bob lies dead."
