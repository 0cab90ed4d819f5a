"""``npcs/*.json``: NPC definitions."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Annotated

from pydantic import ConfigDict, Field

from mythos_game.adapters.world_files.common import (
    DataFile,
    Keyword,
    Loaded,
    Name,
    Strict,
    Text,
    Verb,
    WorldError,
    WorldId,
    load_entries,
)
from mythos_game.adapters.world_files.items import DAMAGE_MAX
from mythos_game.domain.character import CHARACTERISTIC_MAX, CHARACTERISTIC_MIN, STANDARD_VALUE
from mythos_game.domain.npcs import (
    DEFAULT_DEATH_MESSAGE,
    DEFAULT_ENGAGE_MESSAGE,
    DEFAULT_SPAWN_MESSAGE,
    MESSAGE_FIELDS,
    Attack,
    Horror,
    Loot,
    NpcDefinition,
    ShockCategory,
    Temperament,
    Wander,
)

NPCS_DIR = "npcs"
DP_MAX = 1000
XP_MAX = 10_000
TICKS_MAX = 3600
RESPAWN_MAX_SECONDS = 86_400
MESSAGE_MAX = 200
DEFAULT_AGGRO_DELAY_TICKS = 1

Message = Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX, pattern=r"\S")]


class AttackSpec(Strict):
    verb: Verb
    min_damage: int = Field(ge=0, le=DAMAGE_MAX)
    max_damage: int = Field(ge=0, le=DAMAGE_MAX)


class HorrorSpec(Strict):
    category: ShockCategory = Field(description="how hard meeting it shakes the mind")
    archetype: WorldId = Field(description="repeated meetings are counted per archetype")


class WanderSpec(Strict):
    every_ticks: int = Field(ge=1, le=TICKS_MAX)
    chance: float = Field(ge=0, le=1)


class LootSpec(Strict):
    item: WorldId = Field(description="an item prototype id")
    chance: float = Field(ge=0, le=1, description="0..1, rolled once at death")


class MessagesSpec(Strict):
    spawn: Message | None = Field(default=None, description="default: '{Name} appears.'")
    engage: Message | None = Field(default=None, description="default: '{Name} attacks {target}!'")
    death: Message | None = Field(default=None, description="default: '{Name} dies.'")


class NpcSpec(Strict):
    id: WorldId = Field(description="unique across NPCs and items")
    name: Name = Field(description="with its article: 'a ghoul'")
    keywords: list[Keyword] = Field(default_factory=list)
    description: Text
    temperament: Temperament
    dex: int = Field(
        default=STANDARD_VALUE,
        ge=CHARACTERISTIC_MIN,
        le=CHARACTERISTIC_MAX,
        description="initiative",
    )
    dp: int | None = Field(default=None, ge=1, le=DP_MAX, description="not for peaceful NPCs")
    attack: AttackSpec | None = Field(default=None, description="not for peaceful NPCs")
    protection: int = Field(default=0, ge=0, le=DAMAGE_MAX)
    xp: int = Field(default=0, ge=0, le=XP_MAX)
    lucidity: HorrorSpec | None = None
    wander: WanderSpec | None = Field(default=None, description="never leaves its home sub-zone")
    aggro_delay_ticks: int | None = Field(
        default=None,
        ge=0,
        le=TICKS_MAX,
        description=f"hostile only (default {DEFAULT_AGGRO_DELAY_TICKS})",
    )
    flee_below_dp: int = Field(default=0, ge=0, le=DP_MAX, description="0: never flees")
    respawn_seconds: int | None = Field(default=None, ge=1, le=RESPAWN_MAX_SECONDS)
    loot: list[LootSpec] = Field(default_factory=list)
    messages: MessagesSpec = Field(default_factory=MessagesSpec)


class NpcFile(DataFile):
    """NPC definitions."""

    model_config = ConfigDict(title="Mythos NPC file")
    npcs: list[NpcSpec] = Field(min_length=1)


def load_npcs(directory: Path) -> dict[str, Loaded[NpcDefinition]]:
    """Every definition of ``<directory>/npcs/`` by id (none when there is no such folder).
    Ids are unique among NPCs here; the caller checks them against items, and loot."""

    def checked(npc: NpcSpec, name: str, field: str) -> NpcDefinition:
        _check(npc, name, field)
        return _definition(npc)

    return load_entries(directory, NPCS_DIR, NpcFile, lambda file: file.npcs, "NPC", checked)


def _check(npc: NpcSpec, name: str, field: str) -> None:
    """The rules between fields that the schema alone does not express."""

    def refuse(part: str, message: str) -> None:
        raise WorldError(f"{name}: field '{field}.{part}': {message}")

    if npc.temperament == "peaceful":
        for part in ("dp", "attack"):
            if getattr(npc, part) is not None:
                refuse(part, f"a peaceful NPC cannot be fought: remove '{part}'")
    else:
        for part in ("dp", "attack"):
            if getattr(npc, part) is None:
                refuse(part, f"a {npc.temperament} NPC fights: it needs '{part}'")
    if npc.aggro_delay_ticks is not None and npc.temperament != "hostile":
        refuse("aggro_delay_ticks", "only a hostile NPC engages on its own")
    if npc.attack is not None and npc.attack.min_damage > npc.attack.max_damage:
        refuse(
            "attack.min_damage",
            f"min_damage {npc.attack.min_damage} is more than max_damage {npc.attack.max_damage}",
        )
    if npc.flee_below_dp and (npc.dp is None or npc.flee_below_dp >= npc.dp):
        refuse("flee_below_dp", f"must be below its dp ({npc.dp})")
    for part in ("spawn", "engage", "death"):
        text = getattr(npc.messages, part)
        if text is not None:
            problem = _placeholder_problem(text)
            if problem:
                refuse(f"messages.{part}", problem)


def _placeholder_problem(text: str) -> str | None:
    allowed = ", ".join("{" + f + "}" for f in sorted(MESSAGE_FIELDS))
    try:
        used = [f for _, f, _, _ in Formatter().parse(text) if f is not None]
    except ValueError as exc:
        return f"malformed placeholder ({exc}); write '{{{{' for a literal brace"
    unknown = [f for f in used if f not in MESSAGE_FIELDS]
    if unknown:
        return f"unknown placeholder '{{{unknown[0]}}}' (use {allowed})"
    return None


def _definition(npc: NpcSpec) -> NpcDefinition:
    attack = npc.attack
    horror = npc.lucidity
    return NpcDefinition(
        id=npc.id,
        name=npc.name,
        keywords=tuple(npc.keywords),
        description=npc.description,
        temperament=npc.temperament,
        dex=npc.dex,
        dp=npc.dp,
        attack=None
        if attack is None
        else Attack(attack.verb, attack.min_damage, attack.max_damage),
        protection=npc.protection,
        xp=npc.xp,
        lucidity=None if horror is None else Horror(horror.category, horror.archetype),
        wander=None if npc.wander is None else Wander(npc.wander.every_ticks, npc.wander.chance),
        aggro_delay_ticks=(
            0
            if npc.temperament != "hostile"
            else DEFAULT_AGGRO_DELAY_TICKS
            if npc.aggro_delay_ticks is None
            else npc.aggro_delay_ticks
        ),
        flee_below_dp=npc.flee_below_dp,
        respawn_seconds=npc.respawn_seconds,
        loot=tuple(Loot(loot.item, loot.chance) for loot in npc.loot),
        spawn_message=npc.messages.spawn or DEFAULT_SPAWN_MESSAGE,
        engage_message=npc.messages.engage or DEFAULT_ENGAGE_MESSAGE,
        death_message=npc.messages.death or DEFAULT_DEATH_MESSAGE,
    )
