"""What a fault cost the players, from the ledger of one run (pure: no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mythos_chaos.player import Command, StreamCounts

RECOVERY_GOAL_SECONDS = 5.0


@dataclass(frozen=True)
class Row:
    fault: str
    players: int
    sent: int
    resyncs: int  # a new epoch after the first (a game_state with resync)
    gaps: int  # stream numbers skipped within an epoch
    duplicates: int  # stream numbers received again
    lost: int  # never answered and never heard by anyone: it did not run
    run_twice: int  # heard twice by one listener
    unanswered: int  # never answered (whether it ran or not)
    reconnects: int
    recovery_seconds: float | None  # None: some player never got an answer after the fault

    def zeros(self) -> dict[str, int]:
        """The counts the goal wants at zero, by name."""
        return {
            "resyncs": self.resyncs,
            "gaps": self.gaps,
            "duplicates": self.duplicates,
            "lost": self.lost,
            "run_twice": self.run_twice,
            "unanswered": self.unanswered,
        }

    def misses(self) -> list[str]:
        """How this row falls short of the goal (all zeros, recovery within 5 s)."""
        out = [f"{n} {name.replace('_', ' ')}" for name, n in self.zeros().items() if n]
        if self.recovery_seconds is None:
            out.append("some player never recovered")
        elif self.recovery_seconds > RECOVERY_GOAL_SECONDS:
            out.append(f"recovery {self.recovery_seconds:.1f} s > {RECOVERY_GOAL_SECONDS:.0f} s")
        return out


def tally(
    fault: str,
    streams: Sequence[StreamCounts],
    commands: Iterable[Command],
    heard: Counter[tuple[str, str]],
    fault_at: float,
) -> Row:
    """``fault_at``: when the fault took effect (the commands' clock). A player recovers
    at the first successful answer to a command it sent at or after that moment; the
    row's recovery is the slowest player's."""
    commands = list(commands)
    heard_by_text: Counter[str] = Counter()
    twice: set[str] = set()
    for (text, _listener), times in heard.items():
        heard_by_text[text] += times
        if times > 1:
            twice.add(text)
    unanswered = [c for c in commands if c.answered_at is None]
    recovered: dict[str, float] = {}
    for c in commands:
        if c.succeeded and c.answered_at is not None and c.sent_at >= fault_at:
            recovered[c.sender] = min(recovered.get(c.sender, c.answered_at), c.answered_at)
    recovery = (
        max(recovered[s.name] - fault_at for s in streams)
        if streams and all(s.name in recovered for s in streams)
        else None
    )
    return Row(
        fault=fault,
        players=len(streams),
        sent=len(commands),
        resyncs=sum(s.resyncs for s in streams),
        gaps=sum(s.gaps for s in streams),
        duplicates=sum(s.duplicates for s in streams),
        lost=sum(1 for c in unanswered if not heard_by_text[c.text]),
        run_twice=sum(1 for c in commands if c.text in twice),
        unanswered=len(unanswered),
        reconnects=sum(s.reconnects for s in streams),
        recovery_seconds=recovery,
    )
