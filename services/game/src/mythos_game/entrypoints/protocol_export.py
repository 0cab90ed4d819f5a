"""Writes the protocol's JSON Schema (libs/contracts/schema/protocol.schema.json) and the
web client's types generated from it (client/src/protocol.generated.ts), with the game's
command list, so neither can disagree with the contract or with ``help``.

    uv run python -m mythos_game.entrypoints.protocol_export           # rewrite both (make protocol)
    uv run python -m mythos_game.entrypoints.protocol_export --check   # exit 1 if either is stale

A development tool, like command_docs: no service imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mythos_contracts.schema import CommandInfo, JsonSchema, protocol_schema
from mythos_contracts.schema.typescript import render as render_typescript

from mythos_game.domain.commands.registry import COMMANDS
from mythos_game.domain.world import DIRECTION_WORDS

ROOT = Path(__file__).resolve().parents[5]
SCHEMA_PATH = Path("libs/contracts/schema/protocol.schema.json")
TYPESCRIPT_PATH = Path("client/src/protocol.generated.ts")
REGENERATE = "make protocol"

_HEADER = f"""\
Generated from libs/contracts/schema/protocol.schema.json (the contract's models and the
game's command registry) by `{REGENERATE}`
(uv run python -m mythos_game.entrypoints.protocol_export). Do not edit by hand:
a test fails when this file is stale.
"""


def command_list() -> list[CommandInfo]:
    """Every command of the registry, sorted by name."""
    return [
        CommandInfo(
            name=spec.name,
            aliases=list(spec.aliases),
            usage=spec.usage,
            summary=spec.summary,
            category=spec.category,
            admin=spec.admin,
        )
        for spec in COMMANDS.specs
    ]


def schema() -> JsonSchema:
    return protocol_schema(command_list(), DIRECTION_WORDS)


def render() -> dict[Path, str]:
    """Each generated file (relative to the repository) and its text."""
    document = schema()
    return {
        SCHEMA_PATH: json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        TYPESCRIPT_PATH: render_typescript(document, _HEADER),
    }


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files under ``root`` that differ from a fresh generation."""
    return [
        path
        for path, text in render().items()
        if not (root / path).exists() or (root / path).read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is not current")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to write into")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(args.root)
        for path in outdated:
            print(f"{path} is stale: run `{REGENERATE}`", file=sys.stderr)
        return 1 if outdated else 0
    for path, text in render().items():
        target = args.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
