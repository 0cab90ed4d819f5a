"""Shocks in play (§8.4): meeting a horror in a fight, once per creature and counted per
archetype; watching a character die. Pure rules on the shipped world."""

from __future__ import annotations

import random
from pathlib import Path

from mythos_contracts.events import CombatEventData, StatusUpdateData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain import lucidity
from mythos_game.domain.breakdown import encounter_shock
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import ADMIN_ROLE, PLAYER_ROLE
from mythos_game.domain.npc_life import Npc, spawn_npc
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, run_tick

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
ROOM = "burying-ground"
NOW = 2_000_000.0


class Game:
    def __init__(self, rules: Rules | None = None) -> None:
        self.state, self.roster, self.rng, self.tick = GameState(), Roster(), random.Random(2), 0
        self.rules = rules or Rules()
        self.ada = self.add("ada", "Ada")

    def add(self, pid: str, name: str) -> Player:
        player = Player(pid, name, ROOM, 1)
        self.roster.add(player)
        return player

    def npc(self, prototype: str) -> Npc:
        npc, _ = spawn_npc(self.state, WORLD, WORLD.npcs[prototype], ROOM, tick=self.tick)
        return npc

    def run(
        self, actor: Player, line: str, role: str = PLAYER_ROLE
    ) -> tuple[Outcome, list[Outgoing]]:
        command, *args = line.split()
        parsed = parse(command, args)
        assert parsed is not None
        ctx = Context(
            WORLD,
            self.roster,
            actor,
            COMMANDS,
            now=NOW,
            role=role,
            state=self.state,
            tick=self.tick,
            rng=self.rng,
            status=StatusLedger(),
            rules=self.rules,
        )
        return parsed.spec.run(ctx, parsed.args), ctx.status.events()

    def advance(self, ticks: int) -> list[Outgoing]:
        events: list[Outgoing] = []
        for _ in range(ticks):
            self.tick += 1
            ctx = TickContext(WORLD, self.roster, self.state, self.tick, NOW, self.rng, self.rules)
            events += run_tick(ctx).events + ctx.status.events()
        return events


def updates(events: list[Outgoing]) -> dict[str, StatusUpdateData]:
    return {
        e.audience.player_id: e.data
        for e in events
        if isinstance(e.audience, ToPlayer) and isinstance(e.data, StatusUpdateData)
    }


def test_attacking_a_horror_shocks_once_then_the_archetype_dulls() -> None:
    game = Game()
    ghoul = game.npc("ghoul")
    outcome, statuses = game.run(game.ada, "attack ghoul")
    assert outcome.success
    update = updates(statuses)["ada"]
    assert update.reason == "combat"  # the opening blow's toggle of in_combat came first
    assert update.changes["lucidity"] == -6
    assert update.text == "The sight of a ghoul claws at your reason. (-6 lucidity)"
    assert game.ada.character.encounters == {"ghoul": 1}
    ledger = StatusLedger()
    # The same creature never shocks twice; another of its kind costs the repeat value.
    assert encounter_shock(WORLD, game.roster, game.state, game.ada, ghoul, ledger, NOW) == []
    assert game.ada.character.lucidity == 94
    other = game.npc("ghoul")
    encounter_shock(WORLD, game.roster, game.state, game.ada, other, ledger, NOW)
    assert game.ada.character.lucidity == 92 and game.ada.character.encounters == {"ghoul": 2}


def test_a_creature_without_horror_costs_nothing() -> None:
    game = Game()
    game.npc("stray-cat")
    _, statuses = game.run(game.ada, "attack cat")
    assert game.ada.character.lucidity == 100 and game.ada.character.encounters == {}
    assert "lucidity" not in updates(statuses)["ada"].changes


def test_a_hostile_horror_engaging_shocks_its_prey() -> None:
    game = Game()
    game.npc("deep-one")
    events = game.advance(3)
    assert game.ada.character.in_combat
    update = updates(events)["ada"]
    assert update.text is not None
    assert "The sight of a deep one claws at your reason. (-12 lucidity)" in update.text
    assert game.ada.character.encounters == {"deep-one": 1}


def test_watching_a_character_die_shakes_the_others_in_the_room() -> None:
    game = Game()
    boss, bob = game.add("boss", "Boss"), game.add("bob", "Bob")
    lost = game.add("cy", "Cy")
    lost.character.lucidity = -5  # catatonic: sees nothing
    outcome, statuses = game.run(boss, "setstat Bob dp -10", role=ADMIN_ROLE)
    assert outcome.success and bob.character.condition == "dead"
    seen = updates(statuses)
    assert seen["ada"].text == "Watching Bob die shakes you. (-4 lucidity)"
    assert seen["ada"].reason == "witnessed_death"
    assert seen["boss"].changes == {"lucidity": -4}
    assert "cy" not in seen and lost.character.lucidity == -5
    assert bob.character.lucidity == 100


def test_a_deranged_mind_hit_hard_flees_in_terror_at_most_once_a_period() -> None:
    game = Game(Rules(lucidity_random_effects="always", combat_round_ticks=1))
    game.ada.character.lucidity = 16  # deranged, and still after the ghoul's shock (-6)
    game.npc("ghoul")
    game.run(game.ada, "attack ghoul")
    events = game.advance(1)  # the ghoul claws for 3: 15 % of 20, rounded up
    flights = [
        e
        for e in events
        if e.event_type == "combat_event"
        and isinstance(e.data, CombatEventData)
        and e.data.kind == "flee"
    ]
    assert [(f.audience, f.data.reason) for f in flights] == [  # type: ignore[union-attr]
        (ToPlayer("ada"), "terror"),
        (ToRoom(ROOM, frozenset({"ada"})), "terror"),
    ]
    way = flights[0].data.direction  # type: ignore[union-attr]
    assert flights[0].data.text == f"Terror takes you and you flee {way}!"  # type: ignore[union-attr]
    assert flights[1].data.text == f"Ada flees {way} in terror!"  # type: ignore[union-attr]
    assert game.ada.room_id == WORLD.room(ROOM).exits[way].target
    assert not game.ada.character.in_combat
    kinds = [e.event_type for e in events]
    assert kinds.index("combat_event") < kinds.index("room_update") < kinds.index("status_update")
    assert game.ada.character.cooldowns["terror"] == NOW + 120
    assert lucidity.terror_way(game.ada.character, 9, [way], 120, game.rng, "always", NOW) is None


def test_terror_never_takes_the_lucid_nor_anyone_when_chance_effects_are_off() -> None:
    for lcd, mode in ((100, "always"), (10, "never")):
        game = Game(Rules(lucidity_random_effects=mode, combat_round_ticks=1))  # type: ignore[arg-type]
        game.ada.character.lucidity = lcd
        game.npc("ghoul")
        game.run(game.ada, "attack ghoul")
        game.advance(1)
        assert game.ada.room_id == ROOM and game.ada.character.in_combat
