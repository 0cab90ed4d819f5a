"""Fights in the game as pure rules: attack, the rounds and hostile NPCs on the tick, XP,
loot, flee, purge, and what look and who show; then wounds: bleeding, death and its
witnesses, aid, respawn and regeneration. Seeded randomness, the shipped world."""

from __future__ import annotations

import random
from pathlib import Path

from mythos_contracts.events import (
    CombatEventData,
    ItemEventData,
    NpcPresenceData,
    RoomMessageData,
    StatusUpdateData,
)
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.combat import fight_in
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import ADMIN_ROLE, PLAYER_ROLE
from mythos_game.domain.npc_life import Npc, npcs_in, spawn_npc
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, run_tick

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
ROOM = "burying-ground"
NOW = 1_000_000.0


class Game:
    def __init__(self, seed: int = 1, **rules: object) -> None:
        self.state = GameState()
        self.roster = Roster()
        self.rng = random.Random(seed)
        self.rules = Rules(**rules)  # type: ignore[arg-type]
        self.tick = 0
        self.ada = self.add("ada", "Ada")
        self.bob = self.add("bob", "Bob")

    def add(self, pid: str, name: str, room: str = ROOM) -> Player:
        player = Player(pid, name, room, 1)
        self.roster.add(player)
        return player

    def npc(self, prototype: str, room: str = ROOM) -> Npc:
        npc, _ = spawn_npc(self.state, WORLD, WORLD.npcs[prototype], room, tick=self.tick)
        return npc

    def run(self, actor: Player, line: str, role: str = PLAYER_ROLE) -> tuple[Outcome, list]:  # type: ignore[type-arg]
        command, *args = line.split()
        parsed = parse(command, args)
        assert parsed is not None
        ledger = StatusLedger()
        ctx = Context(
            WORLD,
            self.roster,
            actor,
            COMMANDS,
            now=NOW,
            rules=self.rules,
            role=role,
            state=self.state,
            tick=self.tick,
            rng=self.rng,
            status=ledger,
        )
        outcome = parsed.spec.run(ctx, parsed.args)
        return outcome, ledger.events()

    def advance(self, ticks: int = 1) -> list[Outgoing]:
        events: list[Outgoing] = []
        for _ in range(ticks):
            self.tick += 1
            ctx = TickContext(
                WORLD, self.roster, self.state, self.tick, NOW + self.tick, self.rng, self.rules
            )
            events += run_tick(ctx).events + ctx.status.events()
        return events


def combat_texts(events: list[Outgoing]) -> list[tuple[object, str]]:
    return [
        (e.audience, e.data.text)
        for e in events
        if e.event_type == "combat_event" and isinstance(e.data, CombatEventData)
    ]


def test_attack_engages_with_an_opening_blow_and_the_room_sees_it() -> None:
    game = Game()
    cat = game.npc("stray-cat")
    outcome, statuses = game.run(game.ada, "attack cat")
    assert (outcome.success, outcome.text) == (True, "You attack a stray cat!")
    others = ToRoom(ROOM, frozenset({"ada"}))
    assert combat_texts(outcome.events) == [
        (others, "Ada attacks a stray cat!"),
        (ToPlayer("ada"), "You punch a stray cat for 2 damage. (1/3 DP)"),
        (others, "Ada punches a stray cat for 2 damage. (1/3 DP)"),
    ]
    engage = outcome.events[0].data
    assert isinstance(engage, CombatEventData) and engage.round == 0 and engage.combat_id
    assert cat.dp == 1 and game.ada.character.in_combat
    [update] = statuses
    assert update.data.status.in_combat is True  # type: ignore[attr-defined]
    again, _ = game.run(game.ada, "attack cat")
    assert (again.success, again.text) == (False, "You are already fighting a stray cat.")
    assert "Ada (fighting)" in game.run(game.bob, "look")[0].text
    assert "Creatures: a stray cat (fighting Ada)" in game.run(game.bob, "look")[0].text
    assert "  Ada (fighting) - " in game.run(game.bob, "who")[0].text
    assert "Fighting: a stray cat" in game.run(game.ada, "status")[0].text.splitlines()


def test_a_round_on_the_tick_kills_gives_xp_and_ends_the_fight() -> None:
    game = Game(combat_round_ticks=2)
    game.npc("stray-cat")
    game.run(game.ada, "attack cat")
    assert combat_texts(game.advance(1)) == []  # the first round comes 2 ticks later
    events = game.advance(1)
    others = ToRoom(ROOM, frozenset({"ada"}))
    assert combat_texts(events) == [
        (ToPlayer("ada"), "A stray cat scratches you for 1 damage. (19/20 DP)"),
        (others, "A stray cat scratches Ada for 1 damage. (19/20 DP)"),
        (ToPlayer("ada"), "You punch a stray cat for 2 damage. (0/3 DP)"),
        (others, "Ada punches a stray cat for 2 damage. (0/3 DP)"),
        (ToPlayer("ada"), "A stray cat dies. You gain 1 experience."),
        (others, "A stray cat dies."),
        (ToPlayer("ada"), "The fight is over."),
    ]
    left = [e.data for e in events if e.event_type == "npc_left"]
    assert [(d.reason, d.text) for d in left if isinstance(d, NpcPresenceData)] == [("died", None)]
    [update] = [e for e in events if e.event_type == "status_update"]
    assert events[-1] is update  # last among the tick's events
    assert update.data.changes == {"dp": -1, "xp": 1}  # type: ignore[attr-defined]
    assert update.data.status.in_combat is False  # type: ignore[attr-defined]
    assert game.ada.character.xp == 1 and not game.ada.character.in_combat
    assert npcs_in(game.state, ROOM) == [] and fight_in(game.state.fights, ROOM) is None


def test_a_ghoul_drops_its_tooth() -> None:
    game = Game()
    ghoul = game.npc("ghoul")
    ghoul.dp = 1
    outcome, _ = game.run(game.ada, "kill ghoul")
    loot = [e.data for e in outcome.events if e.event_type == "item_event"]
    assert [d.text for d in loot if isinstance(d, ItemEventData)] == [
        "A yellowed ghoul tooth falls to the ground."
    ]
    assert [i.prototype.id for i in game.state.floor(ROOM)] == ["ghoul-tooth"]
    assert game.ada.character.xp == 10


def test_a_hostile_npc_engages_after_the_ward_and_never_an_admin_first() -> None:
    game = Game()
    game.roster.remove("bob")
    game.state.wards["ada"] = NOW + 5
    game.npc("ghoul")
    assert combat_texts(game.advance(3)) == []  # warded until NOW + 5
    events = game.advance(3)
    assert combat_texts(events)[:2] == [
        (ToPlayer("ada"), "A ghoul lunges at you!"),
        (ToRoom(ROOM, frozenset({"ada"})), "A ghoul lunges at Ada!"),
    ]
    assert game.ada.character.in_combat


def test_flee_leaves_the_fight_and_the_room() -> None:
    game = Game(flee_chance=1.0)
    game.npc("deep-one")
    game.run(game.ada, "attack deep")
    outcome, statuses = game.run(game.ada, "flee")
    assert outcome.success and outcome.text.startswith("You flee ")
    direction = outcome.text.split()[2].rstrip("!")
    assert combat_texts(outcome.events) == [
        (ToRoom(ROOM, frozenset({"ada"})), f"Ada flees {direction}!")
    ]
    kinds = [e.event_type for e in outcome.events]
    assert kinds[:4] == ["combat_event", "player_left", "player_entered", "room_update"]
    assert game.ada.room_id != ROOM and not game.ada.character.in_combat
    assert statuses[0].data.status.in_combat is False  # type: ignore[attr-defined]
    assert fight_in(game.state.fights, ROOM) is None
    not_fighting, _ = game.run(game.ada, "flee")
    assert not_fighting.text == "You are not fighting anyone."


def test_a_failed_flee_costs_the_next_blow() -> None:
    game = Game(flee_chance=0.0, combat_round_ticks=1)
    deep = game.npc("deep-one")
    game.run(game.ada, "attack deep")
    outcome, _ = game.run(game.ada, "flee")
    assert (outcome.success, outcome.text) == (False, "You try to flee but cannot get away!")
    assert combat_texts(outcome.events) == [
        (ToRoom(ROOM, frozenset({"ada"})), "Ada tries to flee but cannot get away!")
    ]
    before = deep.dp
    texts = [t for _, t in combat_texts(game.advance(1))]
    assert not [t for t in texts if t.startswith("You punch")] and deep.dp == before


def test_refusals() -> None:
    game = Game()
    game.npc("night-librarian")
    assert game.run(game.ada, "attack")[0].text == "Attack what? Usage: attack <target>"
    assert game.run(game.ada, "attack ghoul")[0].text == "You see no 'ghoul' here."
    assert game.run(game.ada, "attack ada")[0].text == "You cannot attack yourself."
    assert game.run(game.ada, "attack bob")[0].text == (
        "You will not raise a hand against another investigator."
    )
    assert game.run(game.ada, "attack librarian")[0].text == (
        "The night librarian is not someone you can fight."
    )
    chapel = game.add("carol", "Carol", "university-chapel")
    game.npc("stray-cat", "university-chapel")
    assert game.run(chapel, "attack cat")[0].text == (
        "This is a place of peace; violence has no place here."
    )


def test_purge_ends_the_fight_and_clears_the_room() -> None:
    game = Game()
    game.npc("deep-one")
    game.run(game.ada, "attack deep")
    game.run(game.ada, "spawn brass-lantern", ADMIN_ROLE)
    outcome, _ = game.run(game.bob, "purge", ADMIN_ROLE)
    assert outcome.text == "You purge the room: 1 creatures and 1 things are gone."
    end = [e for e in outcome.events if e.event_type == "combat_event"]
    assert [(e.audience, e.data.reason) for e in end] == [(ToPlayer("ada"), "gone")]  # type: ignore[attr-defined]
    assert not game.ada.character.in_combat and game.state.floor(ROOM) == []
    assert npcs_in(game.state, ROOM) == []


def test_a_character_felled_by_setstat_leaves_the_fight_at_the_next_round() -> None:
    game = Game(combat_round_ticks=1)
    deep = game.npc("deep-one")
    game.run(game.ada, "attack deep")
    game.run(game.bob, "setstat Ada dp -2", ADMIN_ROLE)
    assert game.ada.character.condition == "bleeding"
    events = game.advance(1)
    assert not [t for _, t in combat_texts(events) if "rakes" in t]  # nobody hits the fallen
    assert combat_texts(events) == []  # the end is told to those still in it: nobody
    assert not game.ada.character.in_combat and deep.dp < deep.max_dp
    assert fight_in(game.state.fights, ROOM) is None


# -- wounds ---------------------------------------------------------------------


def statuses(events: list[Outgoing], account: str) -> list[StatusUpdateData]:
    return [
        e.data
        for e in events
        if e.event_type == "status_update"
        and e.audience == ToPlayer(account)
        and isinstance(e.data, StatusUpdateData)
    ]


def test_a_bleeding_character_loses_a_dp_every_bleed_period_and_dies_at_minus_ten() -> None:
    game = Game(bleed_ticks=2)
    game.run(game.bob, "setstat Ada dp -8", ADMIN_ROLE)
    assert statuses(game.advance(1), "ada") == []  # every 2 ticks
    events = game.advance(1)
    [update] = statuses(events, "ada")
    assert (update.reason, update.text) == ("bleeding", "You are bleeding. (-9/20 DP)")
    assert game.ada.character.dp == -9
    events = game.advance(2)
    assert combat_texts(events) == [
        (ToPlayer("ada"), "You have died."),
        (ToRoom(ROOM, frozenset({"ada"})), "Ada has died."),
    ]
    death = next(e.data for e in events if e.event_type == "combat_event")
    assert isinstance(death, CombatEventData) and death.combat_id is None and death.actor is None
    assert game.ada.character.condition == "dead" and game.ada.character.died_at is not None
    assert "Here: Ada (dead), Bob" in game.run(game.bob, "look")[0].text
    [shaken] = statuses(events, "bob")
    assert shaken.reason == "witnessed_death"
    assert shaken.text == "Watching Ada die shakes you. (-4 lucidity)"
    assert game.bob.character.lucidity == 96
    assert statuses(game.advance(4), "ada") == [] and game.ada.character.dp == -10  # no more


def test_aid_binds_the_wounds_of_the_bleeding() -> None:
    game = Game()
    carol = game.add("carol", "Carol")
    assert game.run(game.bob, "aid Ada")[0].text == "Ada is not bleeding."
    game.run(carol, "setstat Ada dp -3", ADMIN_ROLE)
    assert "Here: Ada (bleeding), Bob, Carol" in game.run(game.bob, "look")[0].text
    assert game.run(game.bob, "aid Bob")[0].text == "You cannot tend your own wounds like that."
    assert game.run(game.bob, "aid Zed")[0].text == "You see no one called 'Zed' here."
    outcome, updates = game.run(game.bob, "aid ada")
    assert (outcome.success, outcome.text) == (True, "You bind Ada's wounds. They will live.")
    [line] = outcome.events
    assert line.audience == ToRoom(ROOM, frozenset({"bob", "ada"}))
    assert isinstance(line.data, RoomMessageData) and line.data.text == "Bob binds Ada's wounds."
    [update] = statuses(updates, "ada")
    assert (update.reason, update.text) == ("aid", "Bob binds your wounds. (1/20 DP)")
    assert game.ada.character.dp == 1 and game.ada.character.condition == "healthy"


def test_respawn_brings_the_dead_back_at_the_respawn_room() -> None:
    game = Game()
    assert game.run(game.ada, "respawn")[0].text == "You are not dead."
    game.run(game.bob, "setstat Ada dp -10", ADMIN_ROLE)
    game.ada.character.lucidity = 50
    outcome, updates = game.run(game.ada, "respawn")
    lobby = WORLD.room(WORLD.respawn_room)
    assert outcome.success and outcome.text.startswith(f"You come to in {lobby.name}, alive.\n")
    assert game.ada.room_id == lobby.id == "sanitarium-lobby"
    kinds = [e.event_type for e in outcome.events]
    assert kinds == ["player_left", "player_entered", "room_message", "room_update"]
    line = outcome.events[2].data
    assert isinstance(line, RoomMessageData) and line.text == "Ada stumbles in, pale and shaking."
    [update] = statuses(updates, "ada")
    assert update.reason == "respawn" and update.status.dp == 20 and update.status.lucidity == 50
    assert update.status.condition == "healthy"
    assert game.state.wards["ada"] > 0  # the arrival ward applies


def test_the_dead_respawn_by_themselves_after_a_while() -> None:
    game = Game(auto_respawn_seconds=3)
    game.run(game.bob, "setstat Ada dp -10", ADMIN_ROLE)
    game.advance(3)
    assert game.ada.room_id == ROOM
    events = game.advance(1)
    assert game.ada.room_id == WORLD.respawn_room
    [update] = statuses(events, "ada")
    assert update.text == "You come to in Sanitarium Lobby, alive."


def test_healthy_characters_out_of_combat_regain_dp_and_mp() -> None:
    game = Game(dp_regen_ticks=3, mp_regen_ticks=2)
    game.ada.character.dp = 10
    game.ada.character.mp = 5
    game.advance(6)
    assert (game.ada.character.dp, game.ada.character.mp) == (12, 8)
    game.npc("deep-one")
    game.run(game.ada, "attack deep")
    before = game.ada.character.mp
    game.ada.character.dp = 19
    game.advance(1)
    assert game.ada.character.mp == before  # not while fighting


def test_a_fighter_taken_away_by_an_admin_is_out_of_the_fight_at_the_next_round() -> None:
    game = Game(combat_round_ticks=1)
    game.npc("deep-one")
    game.run(game.ada, "attack deep")
    game.run(game.bob, "teleport Ada miskatonic-quad", ADMIN_ROLE)
    game.advance(1)
    assert not game.ada.character.in_combat and fight_in(game.state.fights, ROOM) is None


def test_a_creature_below_its_threshold_flees_into_its_sub_zone() -> None:
    game = Game(combat_round_ticks=1)
    cultist = game.npc("cultist")
    cultist.dp = 5
    game.run(game.ada, "attack cultist")  # 2 damage: 3 left, below 4
    events = game.advance(1)
    fled = [t for _, t in combat_texts(events) if "flees" in t]
    assert len(fled) == 1 and fled[0].startswith("A hooded cultist flees ")
    assert cultist.room_id != ROOM
    assert WORLD.room(cultist.room_id).subzone_id == WORLD.room(ROOM).subzone_id
    kinds = [(e.event_type, getattr(e.data, "reason", None)) for e in events]
    assert ("npc_left", "fled") in kinds and ("npc_entered", "fled") in kinds
    assert [t for a, t in combat_texts(events) if a == ToPlayer("ada")][-1] == "The fight is over."


def test_where_pvp_is_allowed_investigators_fight_each_other() -> None:
    game = Game(pvp=True, combat_round_ticks=1)
    outcome, _ = game.run(game.ada, "attack Bob")
    assert (outcome.success, outcome.text) == (True, "You attack Bob!")
    others = ToRoom(ROOM, frozenset({"ada", "bob"}))
    assert combat_texts(outcome.events) == [
        (ToPlayer("bob"), "Ada attacks you!"),
        (others, "Ada attacks Bob!"),
        (ToPlayer("ada"), "You punch Bob for 2 damage. (18/20 DP)"),
        (ToPlayer("bob"), "Ada punches you for 2 damage. (18/20 DP)"),
        (others, "Ada punches Bob for 2 damage. (18/20 DP)"),
    ]
    assert game.ada.character.in_combat and game.bob.character.in_combat
    texts = [t for a, t in combat_texts(game.advance(1)) if a == ToPlayer("bob")]
    assert texts == [  # the same DEX: the earlier joiner first
        "Ada punches you for 2 damage. (16/20 DP)",
        "You punch Ada for 2 damage. (18/20 DP)",
    ]
    game.bob.character.dp = 1
    texts = [t for a, t in combat_texts(game.advance(1)) if a == ToPlayer("ada")]
    assert texts[-2:] == ["Bob collapses, bleeding!", "The fight is over."]
    assert game.run(game.ada, "attack Bob")[0].text == "Bob is in no state to fight."
