"""The committed JSON Schemas of the world's files (rooms, professions, items, NPCs)
are the ones the loader's models generate, and every shipped file is valid against
its schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import (
    SCHEMA_FILE,
    SCHEMA_FILES,
    main,
    room_file_schema_text,
    room_files,
    schema_text,
)

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"
REGENERATE = "uv run python -m mythos_game.adapters.world_files schemas services/game/world"

# Every kind of data file: its schema, and where its files are.
SHIPPED_FILES = {
    SCHEMA_FILE: room_files(WORLD_DIR),
    "profession-file.schema.json": [WORLD_DIR / "professions.json"],
    "item-file.schema.json": sorted((WORLD_DIR / "items").glob("*.json")),
    "npc-file.schema.json": sorted((WORLD_DIR / "npcs").glob("*.json")),
}


@pytest.mark.parametrize("schema_file", sorted(SCHEMA_FILES))
def test_the_committed_schema_is_the_generated_one(schema_file: str) -> None:
    path = WORLD_DIR / schema_file
    assert path.is_file(), f"{schema_file} is missing; run: {REGENERATE}"
    committed = path.read_text(encoding="utf-8")
    assert committed == schema_text(schema_file), f"{schema_file} is stale; run: {REGENERATE}"


@pytest.mark.parametrize("schema_file", sorted(SHIPPED_FILES))
def test_every_shipped_file_matches_its_schema(schema_file: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((WORLD_DIR / schema_file).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = SHIPPED_FILES[schema_file]
    assert files
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path.name, errors)
        expected = ("./" if path.parent == WORLD_DIR else "../") + schema_file
        assert data["$schema"] == expected, path


def test_room_files_are_the_room_files() -> None:
    files = {p.relative_to(WORLD_DIR).as_posix() for p in room_files(WORLD_DIR)}
    assert "downtown/independence-square.json" in files
    assert not {f for f in files if f.startswith(("items/", "npcs/"))}
    assert not files & {"world.json", "professions.json"}
    assert not {f for f in files if f.endswith(".schema.json")}


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        json.loads((WORLD_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    )
    good = {
        "zone": {"id": "z", "name": "Z"},
        "subzone": {"id": "s", "name": "S"},
        "rooms": [
            {
                "id": "a",
                "name": "A",
                "description": "A room.",
                "exits": {"north": "b", "up": {"target": "c", "flags": ["locked"]}},
            }
        ],
    }
    assert validator.is_valid(good)
    for broken_exits in (
        {"sideways": "b"},
        {"north": "Not An Id"},
        {"north": {"target": "b", "flags": ["trapped"]}},
        {"north": {"flags": ["locked"]}},
    ):
        broken = json.loads(json.dumps(good))
        broken["rooms"][0]["exits"] = broken_exits
        assert not validator.is_valid(broken), broken_exits


def test_the_room_schema_takes_the_new_fields_and_keeps_them_strict() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        json.loads((WORLD_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    )
    room = {"id": "a", "name": "A", "description": "A room."}
    good = {"zone": {"id": "z", "name": "Z"}, "subzone": {"id": "s", "name": "S"}, "rooms": [room]}
    assert validator.is_valid(good)
    room.update(
        flags=["safe", "sanctuary"],
        lucidity_per_minute=-0.5,
        spawns=[
            {"item": "lamp", "max": 1, "every_seconds": 600},
            {"npc": "cat", "max": 2, "every_seconds": 120},
        ],
    )
    assert validator.is_valid(good)
    for key, broken in (
        ("flags", ["haunted"]),
        ("lucidity_per_minute", 6),
        ("spawns", [{"item": "lamp", "npc": "cat", "max": 1, "every_seconds": 1}]),
        ("spawns", [{"max": 1, "every_seconds": 1}]),
        ("spawns", [{"item": "lamp", "max": 0, "every_seconds": 1}]),
        ("spawns", [{"item": "lamp", "max": 1}]),
    ):
        copy = json.loads(json.dumps(good))
        copy["rooms"][0][key] = broken
        assert not validator.is_valid(copy), (key, broken)


def test_the_schema_command_prints_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["world_files", "schema"]) == 0
    assert capsys.readouterr().out == room_file_schema_text()
    assert main(["world_files", "schema", "npc-file.schema.json"]) == 0
    assert capsys.readouterr().out == schema_text("npc-file.schema.json")


def test_the_schemas_command_writes_them_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["world_files", "schemas", str(tmp_path)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SCHEMA_FILES)
    for name in SCHEMA_FILES:
        assert (tmp_path / name).read_text(encoding="utf-8") == schema_text(name)


def test_the_check_command_loads_the_world(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["world_files", "check", str(WORLD_DIR)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    (tmp_path / "world.json").write_text("{}")
    assert main(["world_files", "check", str(tmp_path)]) == 1
    assert "start_room" in capsys.readouterr().err
    assert main(["world_files"]) == 2


def test_the_package_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mythos_game.adapters.world_files", "check", str(WORLD_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ")
    assert "7 professions, 11 items, 7 NPCs" in done.stdout
