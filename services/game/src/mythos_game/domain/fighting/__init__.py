"""Fights in the game: the pure rules of ``combat`` applied to characters, NPCs and items.

``combat`` knows fighters as bodies; this package makes bodies of the characters in the
roster (their DP, weapon, armour) and of the NPC instances (``bodies``), starts fights
(``engagement``), and carries out what the acts mean for the world (``aftermath``): a
dead NPC leaves its room and drops its loot, its killer gains XP, a fleeing NPC walks
out, a character who falls or whose fight ends is no longer ``in_combat``. The tick's
systems live in ``tick_systems``. Every change of a character's vitals is noted in the
``StatusLedger`` first, so each gets one ``status_update`` at the end of the command or
tick. Pure rules, no I/O.
"""

from mythos_game.domain.fighting.aftermath import (
    carry_out,
    end_fights_in,
    forget_ended,
    leave_fight,
    sync_in_combat,
)
from mythos_game.domain.fighting.bodies import (
    Arena,
    CharacterBody,
    account_of,
    bodies,
    character_body,
    player_of,
)
from mythos_game.domain.fighting.engagement import (
    eligible_prey,
    engage_character,
    engage_npc,
    hostiles_engage,
    npc_engages,
)
from mythos_game.domain.fighting.tick_systems import (
    combat_rounds,
    engaging,
    rounds,
    run_round,
)

__all__ = [
    "Arena",
    "CharacterBody",
    "account_of",
    "bodies",
    "carry_out",
    "character_body",
    "combat_rounds",
    "eligible_prey",
    "end_fights_in",
    "engage_character",
    "engage_npc",
    "engaging",
    "forget_ended",
    "hostiles_engage",
    "leave_fight",
    "npc_engages",
    "player_of",
    "rounds",
    "run_round",
    "sync_in_combat",
]
