"""The link timings: docs/protocol.md's table, the contract's defaults (which the edge
and the game use) and the client's constants agree, and the rules between them hold."""

from __future__ import annotations

import re
from pathlib import Path

from mythos_contracts import timing

REPO = Path(__file__).resolve().parents[3]
PROTOCOL = REPO / "docs" / "protocol.md"
CLIENT_TIMING = REPO / "client" / "src" / "timing.ts"


def doc_table() -> dict[str, tuple[float, str]]:
    """Rows of the table under "Heartbeats and liveness": timing -> (seconds, setting)."""
    section = PROTOCOL.read_text().split("## Heartbeats and liveness", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[float, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("timing", "---"):
            continue
        default = re.fullmatch(r"(\d+(?:\.\d+)?) s", cells[1])
        assert default, f"default {cells[1]!r} of {cells[0]!r} is not in seconds"
        setting = re.match(r"`([A-Z_]+)`", cells[3])
        assert setting, f"no setting named for {cells[0]!r}"
        rows[cells[0]] = (float(default.group(1)), setting.group(1))
    return rows


def client_constants() -> dict[str, float]:
    found = re.findall(r"export const ([A-Z_]+) = ([\d_.]+);", CLIENT_TIMING.read_text())
    return {name: float(value.replace("_", "")) for name, value in found}


def expected() -> dict[str, tuple[float, str]]:
    client = client_constants()
    heartbeat = timing.GAME_HEARTBEAT_INTERVAL_SECONDS
    silence = max(client["MIN_SILENCE_MS"], client["SILENCE_PER_HEARTBEAT"] * heartbeat * 1000)
    return {
        "client ping interval": (client["PING_INTERVAL_MS"] / 1000, "PING_INTERVAL_MS"),
        "edge idle close (4002)": (timing.EDGE_IDLE_TIMEOUT_SECONDS, "EDGE_IDLE_TIMEOUT_SECONDS"),
        "game heartbeat interval": (heartbeat, "GAME_HEARTBEAT_INTERVAL_SECONDS"),
        "client silence timeout": (silence / 1000, "SILENCE_PER_HEARTBEAT"),
        "edge heartbeat to the game": (
            timing.EDGE_HEARTBEAT_SECONDS,
            "EDGE_EDGE_HEARTBEAT_SECONDS",
        ),
        "game's edge timeout": (timing.GAME_EDGE_TIMEOUT_SECONDS, "GAME_EDGE_TIMEOUT_SECONDS"),
    }


def test_the_protocol_table_states_the_defaults_in_use() -> None:
    assert doc_table() == expected()


def test_each_pair_survives_one_late_message() -> None:
    values = {name: seconds for name, (seconds, _) in expected().items()}
    assert 2 * values["client ping interval"] < values["edge idle close (4002)"]
    assert 2 * values["game heartbeat interval"] < values["client silence timeout"]
    assert 2 * values["edge heartbeat to the game"] < values["game's edge timeout"]
    # The client follows the server's interval: the rule holds for any interval.
    client = client_constants()
    assert client["SILENCE_PER_HEARTBEAT"] > 2
    assert client["DEFAULT_HEARTBEAT_INTERVAL_MS"] / 1000 == timing.GAME_HEARTBEAT_INTERVAL_SECONDS


def test_every_other_mention_of_these_settings_in_the_docs_agrees() -> None:
    settings = {setting: seconds for seconds, setting in expected().values()}
    stated: list[str] = []
    for doc in sorted((REPO / "docs").glob("*.md")):
        text = doc.read_text()
        for setting, seconds in settings.items():
            # "| 50 s | `EDGE_IDLE_TIMEOUT_SECONDS` |", "every 25 s (`GAME_HEARTBEAT_...`)",
            # "| 50 s without any frame | `EDGE_IDLE_TIMEOUT_SECONDS` |", "(30 s)."
            near = rf"(\d+(?:\.\d+)?) s\b[^|\n(]*(?:\| |\()`{setting}`|`{setting}`\S* \((\d+) s\)"
            for match in re.finditer(near, text):
                value = float(match.group(1) or match.group(2))
                stated.append(setting)
                assert value == seconds, f"{doc.name}: {match.group(0)!r} (default {seconds} s)"
    assert "EDGE_IDLE_TIMEOUT_SECONDS" in stated
