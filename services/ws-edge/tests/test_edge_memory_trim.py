"""The edge gives freed memory back after a large drop in sessions, never per close: a
release once the count has fallen by ``EDGE_MEMORY_TRIM_AFTER_CLOSES`` and stopped falling
for ``EDGE_MEMORY_TRIM_DELAY_SECONDS``. Counted, never timed."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from mythos_edge.service_layer.memory_trim import MemoryTrim, release_free_memory
from mythos_edge.settings import EdgeSettings

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def _trim(after_drop: int, delay: float = 1.0) -> tuple[MemoryTrim, list[int]]:
    """A trim whose release records how many sessions were open."""
    released: list[int] = []

    def release() -> None:
        released.append(trim.live)

    trim = MemoryTrim(after_drop=after_drop, delay_seconds=delay, release=release)
    return trim, released


async def test_a_drop_releases_once_after_it_settles() -> None:
    trim, released = _trim(after_drop=10)
    for _ in range(30):
        trim.opened()
    for _ in range(9):
        trim.closed()
    assert not trim.pending  # 9 fewer: under the drop
    trim.closed()
    assert trim.pending and released == []  # never on the close itself
    await asyncio.sleep(0.1)
    for _ in range(5):
        trim.closed()  # still falling when the delay is up: it waits again
    await asyncio.sleep(1.2)
    assert released == [] and trim.pending
    await asyncio.sleep(1.0)
    assert released == [15] and not trim.pending
    for _ in range(9):
        trim.closed()  # counted from the 15 of the last release
    assert not trim.pending


async def test_churn_without_a_drop_never_releases_and_zero_turns_it_off() -> None:
    trim, released = _trim(after_drop=5, delay=0.05)
    for _ in range(100):  # as many open as close
        trim.opened()
        trim.closed()
    off, never = _trim(after_drop=0, delay=0.05)
    for _ in range(100):
        off.opened()
    for _ in range(100):
        off.closed()
    await asyncio.sleep(0.1)
    assert released == [] and never == [] and not off.pending


def test_a_release_runs_here_and_logs_what_it_gave_back(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="mythos_edge.service_layer.memory_trim")
    release_free_memory()
    (line,) = caplog.records
    assert "gave freed memory back" in line.getMessage()
    assert line.rss_before_bytes > 0  # type: ignore[attr-defined]


def test_the_settings_are_read_from_the_environment_and_documented_with_their_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDGE_MEMORY_TRIM_AFTER_CLOSES", "250")
    monkeypatch.setenv("EDGE_MEMORY_TRIM_DELAY_SECONDS", "3")
    settings = EdgeSettings()
    assert (settings.memory_trim_after_closes, settings.memory_trim_delay_seconds) == (250, 3.0)
    fields = EdgeSettings.model_fields
    doc = OPERATIONS.read_text()
    row = next(line for line in doc.splitlines() if "`EDGE_MEMORY_TRIM_AFTER_CLOSES`" in line)
    after, delay = (
        fields["memory_trim_after_closes"].default,
        fields["memory_trim_delay_seconds"].default,
    )
    assert re.search(rf"`EDGE_MEMORY_TRIM_AFTER_CLOSES` {after:,}\b", row), row
    assert re.search(rf"`EDGE_MEMORY_TRIM_DELAY_SECONDS` {delay:g} s\b", row), row
