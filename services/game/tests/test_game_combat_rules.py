"""Fights as pure rules: engagement, rounds in DEX order, damage, threat, deaths, flight,
and each perspective's text. Seeded randomness, the shipped NPCs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from mythos_contracts.events import Combatant, CombatEventData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.combat import (
    Died,
    Ended,
    Fell,
    Fight,
    Fled,
    Hit,
    Retargeted,
    Strike,
    blow,
    engage,
    fight_in,
    flee_chance,
    resolve_round,
    settle,
)
from mythos_game.domain.combat_text import combat_events, conjugate
from mythos_game.domain.game_state import GameState
from mythos_game.domain.npc_life import Npc, spawn_npc
from mythos_game.domain.outgoing import ToPlayer, ToRoom

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
ROOM = "burying-ground"


PUNCH = Strike(2, 2, "punch")


@dataclass
class Investigator:
    """A character as a fight sees it (the standard investigator by default)."""

    id: str
    name: str
    dp: int = 20
    max_dp: int = 20
    dex: int = 50
    protection: int = 0
    weapon: Strike = PUNCH
    able: bool = True
    xp: int = 0
    kind: str = "player"

    def strike(self) -> Strike:
        return self.weapon


def _npc(state: GameState, prototype: str, npc_id: str | None = None) -> Npc:
    npc, _ = spawn_npc(state, WORLD, WORLD.npcs[prototype], ROOM, tick=0, npc_id=npc_id)
    return npc


def _fight(state: GameState, attacker: object, target: object, tick: int = 0) -> Fight:
    return engage(state.fights, ROOM, attacker, target, tick=tick, round_ticks=3)  # type: ignore[arg-type]


def test_engaging_starts_one_fight_per_room_and_sets_targets() -> None:
    state = GameState()
    ghoul = _npc(state, "ghoul", "npc-g")
    ada, bob = Investigator("ada", "Ada"), Investigator("bob", "Bob")
    fight = _fight(state, ada, ghoul, tick=5)
    assert fight.next_round_tick == 8 and fight.round == 0
    assert fight.fighters["ada"].target == "npc-g"
    assert fight.fighters["npc-g"].target == "ada"  # it turns on whoever attacked it
    again = _fight(state, bob, ghoul, tick=6)
    assert again is fight and fight_in(state.fights, ROOM) is fight
    assert fight.fighters["npc-g"].target == "ada"  # already fighting: keeps its target
    assert list(fight.fighters) == ["ada", "npc-g", "bob"]


def test_a_blow_deals_the_roll_plus_bonus_less_protection_at_least_one() -> None:
    state = GameState()
    ghoul = _npc(state, "ghoul")
    strong = Investigator("ada", "Ada", weapon=Strike(3, 3, "strike", "a stick", bonus=2))
    fight = _fight(state, strong, ghoul)
    [hit] = blow(fight, strong, ghoul, random.Random(1))
    assert isinstance(hit, Hit)
    assert (hit.damage, hit.target_dp, hit.target_max_dp) == (5, 8, 13)
    assert (hit.verb, hit.weapon) == ("strike", "a stick")
    armoured = Investigator("bob", "Bob", protection=9)
    [hit] = blow(fight, ghoul, armoured, random.Random(1))
    assert isinstance(hit, Hit) and hit.damage == 1  # 3 - 9, but never below 1


def test_damage_is_uniform_over_the_weapon_range() -> None:
    state = GameState()
    cultist = _npc(state, "cultist")
    seen = set()
    for seed in range(60):
        target = Investigator("ada", "Ada", dp=100, max_dp=100)
        fight = _fight(GameState(), cultist, target)
        [hit] = blow(fight, cultist, target, random.Random(seed))[:1]
        assert isinstance(hit, Hit)
        seen.add(hit.damage)
    assert seen == {1, 2, 3, 4, 5, 6}


def test_a_character_falls_at_zero_and_dies_at_minus_ten() -> None:
    state = GameState()
    ghoul = _npc(state, "ghoul")
    ada = Investigator("ada", "Ada", dp=3)
    fight = _fight(state, ada, ghoul)
    _, fell = blow(fight, ghoul, ada, random.Random(1))
    assert isinstance(fell, Fell) and ada.dp == 0 and "ada" not in fight.fighters
    bob = Investigator("bob", "Bob", dp=-8)
    fight.join(bob, ghoul.id)  # type: ignore[arg-type]
    _, died = blow(fight, ghoul, bob, random.Random(1))
    assert isinstance(died, Died) and bob.dp == -10 and died.xp is None


def test_an_npc_dies_at_zero_never_below_and_its_killer_earns_its_xp() -> None:
    state = GameState()
    cat = _npc(state, "stray-cat", "npc-cat")
    ada = Investigator("ada", "Ada", weapon=Strike(9, 9, "strike"))
    fight = _fight(state, ada, cat)
    hit, died = blow(fight, ada, cat, random.Random(1))
    assert isinstance(hit, Hit) and hit.target_dp == 0 and cat.dp == 0
    assert isinstance(died, Died) and died.xp == 1 and died.actor is not None
    assert died.actor.id == "ada"
    assert settle(fight, {"ada": ada}) == [
        Ended("victory", (Combatant(id="ada", name="Ada", kind="player"),))
    ]
    assert fight.over and fight_in(state.fights, ROOM) is None


def test_a_round_acts_in_dex_order_characters_first_on_a_tie() -> None:
    state = GameState()
    cultist = _npc(state, "cultist", "npc-c")  # DEX 55
    slow = Investigator("slow", "Slow", dex=40, dp=50, max_dp=50)
    tied = Investigator("tied", "Tied", dex=55, dp=50, max_dp=50)
    fight = _fight(state, slow, cultist)
    _fight(state, tied, cultist)
    bodies = {"slow": slow, "tied": tied, "npc-c": cultist}
    cultist.dp = 100  # outlive the round
    acts = resolve_round(fight, bodies, random.Random(3))
    hits = [a for a in acts if isinstance(a, Hit)]
    assert [h.actor.id for h in hits] == ["tied", "npc-c", "slow"]
    assert fight.round == 1


def test_an_npc_turns_on_whoever_hurt_it_most() -> None:
    state = GameState()
    ghoul = _npc(state, "ghoul", "npc-g")
    ghoul.dp = 100
    ada = Investigator("ada", "Ada", dp=50, max_dp=50)
    bob = Investigator("bob", "Bob", dp=50, max_dp=50, weapon=Strike(5, 5, "strike"))
    fight = _fight(state, ada, ghoul)
    _fight(state, bob, ghoul)
    blow(fight, bob, ghoul, random.Random(1))  # Bob's opening blow: threat 5
    acts = resolve_round(fight, {"ada": ada, "bob": bob, "npc-g": ghoul}, random.Random(1))
    turned = [a for a in acts if isinstance(a, Retargeted)]
    assert [(t.actor.id, t.target.id) for t in turned] == [("npc-g", "bob")]
    ghoul_hits = [a for a in acts if isinstance(a, Hit) and a.actor.id == "npc-g"]
    assert [h.target.id for h in ghoul_hits] == ["bob"]
    assert fight.fighters["npc-g"].threat == {"bob": 10, "ada": 2}


def test_a_failed_flee_costs_the_next_blow() -> None:
    state = GameState()
    ghoul = _npc(state, "ghoul", "npc-g")
    ada = Investigator("ada", "Ada")
    fight = _fight(state, ada, ghoul)
    fight.fighters["ada"].skip_blow = True
    acts = resolve_round(fight, {"ada": ada, "npc-g": ghoul}, random.Random(1))
    assert [a.actor.id for a in acts if isinstance(a, Hit)] == ["npc-g"]
    assert not fight.fighters["ada"].skip_blow


def test_an_npc_below_its_flee_threshold_flees_on_its_turn() -> None:
    state = GameState()
    cultist = _npc(state, "cultist", "npc-c")
    cultist.dp = 3  # flees below 4
    ada = Investigator("ada", "Ada")
    fight = _fight(state, ada, cultist)
    acts = resolve_round(
        fight,
        {"ada": ada, "npc-c": cultist},
        random.Random(1),
        flee_ways=lambda _: ["north"],
        flee_below=lambda _: 4,
    )
    assert any(isinstance(a, Fled) and a.direction == "north" for a in acts)
    assert acts[-1] == Ended("fled", (Combatant(id="ada", name="Ada", kind="player"),))


@pytest.mark.parametrize(
    ("exits", "opponents", "fixed", "chance"),
    [(1, 1, None, 0.5), (3, 0, None, 0.8), (9, 0, None, 0.95), (0, 9, None, 0.1), (3, 0, 0.0, 0.0)],
)
def test_flee_chance(exits: int, opponents: int, fixed: float | None, chance: float) -> None:
    assert flee_chance(exits, opponents, fixed) == pytest.approx(chance)


def test_verbs_conjugate() -> None:
    assert [conjugate(v) for v in ("claw", "punch", "slash", "hiss", "box", "strike")] == [
        "claws",
        "punches",
        "slashes",
        "hisses",
        "boxes",
        "strikes",
    ]


def _texts(acts: list, accounts: dict[str, str]) -> list[tuple[object, str]]:  # type: ignore[type-arg]
    events = combat_events(acts, ROOM, "cb-1", 2, accounts.get, lambda npc: "It dies.")
    out = []
    for event in events:
        assert isinstance(event.data, CombatEventData)
        out.append((event.audience, event.data.text))
    return out


def test_each_perspective_reads_its_own_line() -> None:
    ada = Combatant(id="ada", name="Ada", kind="player")
    ghoul = Combatant(id="npc-g", name="a ghoul", kind="npc")
    accounts = {"ada": "ada"}
    by_ghoul = Hit(ghoul, ada, 3, "claw", None, 17, 20)
    by_ada = Hit(ada, ghoul, 3, "strike", "a blackthorn walking stick", 10, 13)
    assert _texts([by_ghoul], accounts) == [
        (ToPlayer("ada"), "A ghoul claws you for 3 damage. (17/20 DP)"),
        (ToRoom(ROOM, frozenset({"ada"})), "A ghoul claws Ada for 3 damage. (17/20 DP)"),
    ]
    assert _texts([by_ada], accounts) == [
        (
            ToPlayer("ada"),
            "You strike a ghoul with a blackthorn walking stick for 3 damage. (10/13 DP)",
        ),
        (
            ToRoom(ROOM, frozenset({"ada"})),
            "Ada strikes a ghoul with a blackthorn walking stick for 3 damage. (10/13 DP)",
        ),
    ]
    assert _texts([Died(ghoul, ada, 10)], accounts) == [
        (ToPlayer("ada"), "It dies. You gain 10 experience."),
        (ToRoom(ROOM, frozenset({"ada"})), "It dies."),
    ]
    assert _texts([Fell(ada, ghoul)], accounts) == [
        (ToPlayer("ada"), "You collapse, bleeding. Without help you will die."),
        (ToRoom(ROOM, frozenset({"ada"})), "Ada collapses, bleeding!"),
    ]
    assert _texts([Retargeted(ghoul, ada)], accounts) == [
        (ToPlayer("ada"), "A ghoul turns on you!"),
        (ToRoom(ROOM, frozenset({"ada"})), "A ghoul turns on Ada!"),
    ]
    assert _texts([Fled(ada, "north")], accounts) == [
        (ToRoom(ROOM, frozenset({"ada"})), "Ada flees north!"),
    ]
    assert _texts([Ended("victory", (ada,))], accounts) == [(ToPlayer("ada"), "The fight is over.")]
