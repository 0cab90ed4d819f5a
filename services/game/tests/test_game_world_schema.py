"""The committed JSON Schema of a room file is the one the loader's models generate,
and every shipped room file is valid against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import (
    MANIFEST,
    SCHEMA_FILE,
    main,
    room_file_schema_text,
)

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"
REGENERATE = (
    "uv run python -m mythos_game.adapters.world_files schema "
    "> services/game/world/room-file.schema.json"
)


def _room_files() -> list[Path]:
    return sorted(
        p
        for p in WORLD_DIR.rglob("*.json")
        if p.name != MANIFEST and not p.name.endswith(".schema.json")
    )


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (WORLD_DIR / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == room_file_schema_text(), f"the schema is stale; run: {REGENERATE}"


def test_every_shipped_room_file_matches_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((WORLD_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = _room_files()
    assert files
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path.name, errors)
        assert data["$schema"] == "../room-file.schema.json", path


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


def test_the_schema_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["world_files", "schema"]) == 0
    assert capsys.readouterr().out == room_file_schema_text()


def test_the_check_command_loads_the_world(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["world_files", "check", str(WORLD_DIR)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    (tmp_path / "world.json").write_text("{}")
    assert main(["world_files", "check", str(tmp_path)]) == 1
    assert "start_room" in capsys.readouterr().err
    assert main(["world_files"]) == 2
