"""The table of a run, on the console and in docs/reliability.md (between its markers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mythos_chaos.tally import Row

BEGIN = "<!-- chaos:results:begin (written by make chaos) -->"
END = "<!-- chaos:results:end -->"

HEADER = [
    "fault",
    "players",
    "says sent",
    "resyncs",
    "gaps",
    "duplicates",
    "lost",
    "run twice",
    "unanswered",
    "reconnects",
    "recovery s",
]


@dataclass(frozen=True)
class Meta:
    date: str
    commit: str
    command: str
    setup: str


def cells(row: Row) -> list[str]:
    recovery = "never" if row.recovery_seconds is None else f"{row.recovery_seconds:.1f}"
    return [
        row.fault,
        str(row.players),
        str(row.sent),
        str(row.resyncs),
        str(row.gaps),
        str(row.duplicates),
        str(row.lost),
        str(row.run_twice),
        str(row.unanswered),
        str(row.reconnects),
        recovery,
    ]


def table(rows: list[Row]) -> list[str]:
    return [
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(cells(row)) + " |" for row in rows),
    ]


def console_line(row: Row) -> str:
    """One row for the terminal, with how it falls short of the goal."""
    named = ", ".join(f"{h} {c}" for h, c in zip(HEADER[1:], cells(row)[1:], strict=True))
    misses = row.misses()
    verdict = "meets the goal" if not misses else "short of the goal: " + "; ".join(misses)
    return f"{row.fault}: {named} ({verdict})"


def results_block(rows: list[Row], meta: Meta) -> str:
    lines = [
        BEGIN,
        f"Measured {meta.date} at commit `{meta.commit}` with `{meta.command}`: {meta.setup}.",
        "",
        *table(rows),
        "",
        "Short of the goal (all zeros, recovery within 5 s): "
        + (
            "; ".join(f"{r.fault} ({', '.join(r.misses())})" for r in rows if r.misses())
            or "nothing"
        )
        + ".",
        END,
    ]
    return "\n".join(lines)


def write_results(doc: Path, rows: list[Row], meta: Meta) -> None:
    """Replace the block between the markers of ``doc`` (the prose around it is kept)."""
    text = doc.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{doc} has no results block ({BEGIN} ... {END})")
    doc.write_text(text[:start] + results_block(rows, meta) + text[end + len(END) :])
