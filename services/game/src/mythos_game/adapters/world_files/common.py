"""What every world file shares: the error, the field types, reading and validating
a file, and turning a pydantic error into ``<file>: field '<path>': <message>``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

ID_PATTERN = r"^[a-z0-9_-]{1,64}$"

WorldId = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="lower-case letters, digits, '_' and '-' (ids go into routing keys)",
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"\S")]
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
Keyword = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9'-]{0,39}$",
        description="a lower-case word players may type to name it",
    ),
]
Verb = Annotated[str, Field(pattern=r"^[a-z]{1,20}$", description="a lower-case verb")]

# The lists whose entries are named by their id in messages: 'rooms[fish-market]'.
_LISTS_BY_ID = ("rooms", "items", "npcs", "professions")


class WorldError(ValueError):
    """The world files are inconsistent; the message names the file and the field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataFile(BaseModel):
    """A world data file: strict, with an optional ``$schema`` for editors."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )
    schema_ref: str = Field(
        default="",
        alias="$schema",
        title="$schema",
        description="optional: path of this schema, for editors",
    )


@dataclass
class Loaded(Generic[T]):
    """Something read from a file, with where it came from (for messages)."""

    value: T
    file: str
    field: str


def read(path: Path, name: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise WorldError(f"{name}: not UTF-8 text: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise WorldError(f"{name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc


def validated(model: type[M], path: Path, name: str) -> M:
    raw = read(path, name)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        where, message = explain(errors[0], raw)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise WorldError(f"{name}: field '{where}': {message}{more}") from exc


def json_files(directory: Path) -> list[Path]:
    """The data files under ``directory`` (sub-folders included), schemas excepted."""
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.rglob("*.json")
        if path.is_file() and not path.name.endswith(".schema.json")
    )


def one_of(expected: str) -> str:
    """pydantic's ``"'a', 'b' or 'c'"`` -> ``'a, b, c'``."""
    return ", ".join(re.findall(r"'([^']*)'", expected))


def explain(error: Any, raw: object) -> tuple[str, str]:
    """A pydantic error as (field path, message); list entries are named by id when valid."""
    loc = list(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    expected = one_of(str(error.get("ctx", {}).get("expected", "")))
    if loc and loc[-1] == "[key]":
        loc.pop()
        if len(loc) >= 2 and loc[-2] == "exits":
            message = f"unknown direction (use one of {expected})"
        elif len(loc) >= 2 and loc[-2] in ("requires", "changes"):
            message = f"unknown characteristic '{loc[-1]}' (use one of {expected})"
    elif error["type"] == "literal_error" and len(loc) >= 2 and loc[-2] == "flags":
        message = f"unknown flag '{error['input']}' (use one of {expected})"
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 1 and loc[0] in _LISTS_BY_ID and isinstance(part, int):
            entry_id = _raw_entry_id(raw, str(loc[0]), part)
            parts[-1] = f"{loc[0]}[{entry_id}]" if entry_id is not None else f"{loc[0]}.{part}"
        else:
            parts.append(str(part))
    return ".".join(parts), message


def _raw_entry_id(raw: object, key: str, index: int) -> str | None:
    """The id of ``raw[key][index]`` in the unvalidated data, when it is a valid id."""
    if not isinstance(raw, dict):
        return None
    entries = raw.get(key)
    if not isinstance(entries, list) or index >= len(entries):
        return None
    entry = entries[index]
    if not isinstance(entry, dict):
        return None
    entry_id = entry.get("id")
    if isinstance(entry_id, str) and re.fullmatch(ID_PATTERN, entry_id):
        return entry_id
    return None


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=_HasId)


def load_entries(
    directory: Path,
    folder: str,
    file_model: type[M],
    entries: Callable[[M], Sequence[E]],
    what: str,
    build: Callable[[E, str, str], T],
) -> dict[str, Loaded[T]]:
    """Every entry of the files in ``<directory>/<folder>/``, by id (none when there is no
    such folder): each file validated as ``file_model``, each entry's id unique among
    ``what``s, and ``build(entry, file name, field)`` checks and converts it."""
    found: dict[str, Loaded[T]] = {}
    for path in json_files(directory / folder):
        name = path.relative_to(directory).as_posix()
        for index, entry in enumerate(entries(validated(file_model, path, name))):
            entry_id = entry.id
            if entry_id in found:
                raise WorldError(
                    f"{name}: field '{folder}.{index}.id': duplicate {what} id '{entry_id}' "
                    f"(first defined in {found[entry_id].file})"
                )
            field = f"{folder}[{entry_id}]"
            found[entry_id] = Loaded(build(entry, name, field), name, field)
    return found
