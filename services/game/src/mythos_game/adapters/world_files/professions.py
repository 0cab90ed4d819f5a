"""``professions.json``: what a new character may become, and what it takes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field

from mythos_game.adapters.world_files.common import (
    DataFile,
    Loaded,
    Name,
    Strict,
    Text,
    WorldError,
    WorldId,
    validated,
)
from mythos_game.domain.character import (
    CHARACTERISTIC_MAX,
    CHARACTERISTIC_MIN,
    CHARACTERISTICS,
    STANDARD_PROFESSION,
    Profession,
)

PROFESSIONS_FILE = "professions.json"
PROFESSIONS_MAX = 50
KIT_MAX = 10

Stat = Literal["str", "con", "siz", "dex", "cha", "int", "pow", "edu", "luck"]
assert get_args(Stat) == CHARACTERISTICS, "Stat must list CHARACTERISTICS"

Least = Annotated[int, Field(ge=CHARACTERISTIC_MIN, le=CHARACTERISTIC_MAX)]
Change = Annotated[int, Field(ge=-CHARACTERISTIC_MAX, le=CHARACTERISTIC_MAX)]


class ProfessionSpec(Strict):
    id: WorldId
    name: Name
    description: Text
    requires: dict[Stat, Least] = Field(
        default_factory=dict,
        description="characteristic -> the least a roll must show (before changes)",
    )
    changes: dict[Stat, Change] = Field(
        default_factory=dict,
        description="characteristic -> added on create; each result is clamped to 1..99",
    )
    kit: list[WorldId] = Field(
        default_factory=list,
        max_length=KIT_MAX,
        description="item prototype ids a new character carries",
    )


class ProfessionFile(DataFile):
    """The professions, in the order players see them."""

    model_config = ConfigDict(title="Mythos profession file")
    professions: list[ProfessionSpec] = Field(min_length=1, max_length=PROFESSIONS_MAX)


def load_professions(directory: Path) -> dict[str, Loaded[Profession]]:
    """The professions by id, in file order; none when the world has no such file.

    Their kits are checked against the items by the caller."""
    path = directory / PROFESSIONS_FILE
    if not path.is_file():
        return {}
    spec = validated(ProfessionFile, path, PROFESSIONS_FILE)
    found: dict[str, Loaded[Profession]] = {}
    for index, entry in enumerate(spec.professions):
        if entry.id in found:
            raise WorldError(
                f"{PROFESSIONS_FILE}: field 'professions.{index}.id': "
                f"duplicate profession id '{entry.id}'"
            )
        profession = Profession(
            id=entry.id,
            name=entry.name,
            description=entry.description,
            requires={str(k): v for k, v in entry.requires.items()},
            changes={str(k): v for k, v in entry.changes.items()},
            kit=tuple(entry.kit),
        )
        found[entry.id] = Loaded(profession, PROFESSIONS_FILE, f"professions[{entry.id}]")
    if STANDARD_PROFESSION not in found:
        raise WorldError(
            f"{PROFESSIONS_FILE}: field 'professions': '{STANDARD_PROFESSION}' is missing "
            "(every new account starts as one)"
        )
    for field in ("requires", "changes"):
        if getattr(found[STANDARD_PROFESSION].value, field):
            raise WorldError(
                f"{PROFESSIONS_FILE}: field 'professions[{STANDARD_PROFESSION}].{field}': "
                f"'{STANDARD_PROFESSION}' must have no {field} (it is the standard investigator's)"
            )
    return found
