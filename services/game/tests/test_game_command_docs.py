"""docs/commands.md is generated from the command definitions; it must be current."""

from __future__ import annotations

from mythos_game.domain.commands.registry import COMMANDS
from mythos_game.entrypoints.command_docs import DEFAULT_PATH, main, render


def test_the_committed_page_is_current() -> None:
    assert DEFAULT_PATH.read_text() == render(), (
        "docs/commands.md is stale: run "
        "'uv run python -m mythos_game.entrypoints.command_docs' (or 'make docs')"
    )
    assert main(["--check"]) == 0


def test_the_page_documents_every_command_and_limit() -> None:
    page = render()
    for spec in COMMANDS.specs:
        assert f"#### `{spec.name}`" in page and spec.usage in page
    for setting in ("GAME_CHAT_SAY_PER_MINUTE", "GAME_CHAT_HISTORY_LINES", "GAME_ALIAS_MAX_DEPTH"):
        assert setting in page


def test_check_fails_for_a_stale_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    stale = tmp_path / "commands.md"
    stale.write_text("# old\n")
    assert main(["--check", "--out", str(stale)]) == 1
    assert main(["--out", str(stale)]) == 0 and stale.read_text() == render()
