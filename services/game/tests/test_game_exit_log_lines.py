"""A game that ends itself with ``os._exit`` (the journal lost, the loop stalled) still
writes its last lines: the turn's buffered ``command handled`` lines and the CRITICAL
line saying why, although stdout's lines are otherwise written once per loop turn."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from mythos_game.service_layer.stream_journal import JOURNAL_LOST_EXIT_CODE

# The three lines are logged in the turn that ends the process: none is written yet.
PRELUDE = """
import asyncio, logging, time
from mythos_contracts.ops.log_lines import configure_logging, log_context

configure_logging("game")
log = logging.getLogger("mythos_game.service_layer.dispatcher")

def handled():
    with log_context(player_id="p-1"):
        for n in range(3):
            log.info("command handled", extra={"command": "say", "n": n})
"""

ENDINGS = {
    "journal lost (exit_now)": """
from mythos_game.service_layer.stream_journal import exit_now

async def main():
    handled()
    exit_now()
""",
    "loop stalled (watchdog thread)": """
from mythos_game.service_layer.watchdog import LoopWatchdog

async def main():
    handled()
    LoopWatchdog(0.2).start()
    time.sleep(30)  # a hung handler: the loop never turns again
""",
}


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=list(ENDINGS))
def test_the_critical_line_and_the_turns_lines_reach_stdout_before_os_exit(
    ending: str,
) -> None:
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(ending) + "\nasyncio.run(main())\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == JOURNAL_LOST_EXIT_CODE, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("n") for line in lines[:3]] == [0, 1, 2], done.stdout
    assert all(line["player_id"] == "p-1" for line in lines[:3])
    (last,) = lines[3:]
    assert last["level"] == "critical" and ": exiting so the " in last["msg"], last
