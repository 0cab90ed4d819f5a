"""The protocol's schema and the client's generated types are current with the contract
and the command registry."""

from __future__ import annotations

import json
from pathlib import Path

from mythos_game.domain.commands.registry import COMMANDS
from mythos_game.entrypoints.protocol_export import (
    REGENERATE,
    ROOT,
    SCHEMA_PATH,
    TYPESCRIPT_PATH,
    main,
    render,
    stale,
)


def test_the_committed_schema_and_client_types_are_current() -> None:
    outdated = stale()
    assert not outdated, f"{', '.join(map(str, outdated))} stale: run `{REGENERATE}`"


def test_the_command_list_is_the_registry() -> None:
    schema = json.loads(render()[SCHEMA_PATH])
    listed = {c["name"]: c for c in schema["x-commands"]}
    assert set(listed) == {spec.name for spec in COMMANDS.specs}
    for spec in COMMANDS.specs:
        assert listed[spec.name]["aliases"] == list(spec.aliases)
        assert listed[spec.name]["admin"] is spec.admin
    typescript = render()[TYPESCRIPT_PATH]
    assert "name: 'kick'," in typescript and "admin: true," in typescript
    assert "export const CLOSE_CODES" in typescript


def test_check_fails_for_stale_files_and_names_the_fix(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert f"run `{REGENERATE}`" in capsys.readouterr().err
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / TYPESCRIPT_PATH).write_text("// edited by hand\n")
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert (ROOT / SCHEMA_PATH).exists()
