"""The services' stdout handler writes one event-loop turn's lines in one write, and
writes at once whatever must not wait: a warning, a full buffer, shutdown and exit."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from mythos_contracts.ops.log_lines import configure_logging, log_context
from mythos_contracts.ops.log_output import TurnBufferedHandler

log = logging.getLogger("test.log_output")


class CountedStream(io.StringIO):
    """Stdout that counts its writes (each is one ``write`` system call on a pipe)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.getvalue().splitlines()]


def _configure(stream: CountedStream) -> None:
    """``configure_logging`` as a service calls it, with ``stream`` as its stdout."""
    with contextlib.redirect_stdout(stream):
        configure_logging("game", level="INFO")


def _ours() -> TurnBufferedHandler:
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, TurnBufferedHandler)]
    return handler


@pytest.fixture
def stdout() -> Iterator[CountedStream]:
    """Logging configured to write to a counted stdout; pytest's own handlers put back
    afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging._srcfile)
    stream = CountedStream()
    _configure(stream)
    try:
        yield stream
    finally:
        _ours().close()
        root.handlers[:], _, logging._srcfile = saved
        root.setLevel(saved[1])


def test_a_record_is_made_without_walking_the_stack_for_its_caller(
    stdout: CountedStream,
) -> None:
    made: list[logging.LogRecord] = []
    seen = logging.Handler()
    seen.emit = made.append  # type: ignore[method-assign]
    log.addHandler(seen)
    try:
        log.info("command handled")
    finally:
        log.removeHandler(seen)
    # No line says where it was logged from: the logging module did not look.
    assert made[0].funcName == "(unknown function)" and made[0].lineno == 0


def _log_in_a_loop_that_stops_before_its_write(msg: str) -> None:
    async def log_then_stop() -> None:
        log.info(msg)
        asyncio.get_running_loop().stop()  # the loop ends before the turn's write

    loop = asyncio.new_event_loop()
    task = loop.create_task(log_then_stop())
    loop.run_forever()
    loop.close()
    assert task.done()


async def test_one_turns_lines_are_written_together_when_the_loop_turns(
    stdout: CountedStream,
) -> None:
    for n in range(5):
        log.info("command handled", extra={"n": n})
    assert stdout.writes == 0, "written before the loop turned"
    await asyncio.sleep(0)
    assert stdout.writes == 1
    assert [line["n"] for line in stdout.lines()] == [0, 1, 2, 3, 4]
    log.info("next turn")
    await asyncio.sleep(0)
    assert stdout.writes == 2 and stdout.lines()[-1]["msg"] == "next turn"


async def test_a_line_says_what_held_when_it_was_logged_not_when_written(
    stdout: CountedStream,
) -> None:
    state = ["before"]
    with log_context(player_id="p-1"):
        log.info("state %s", state)
    state[0] = "after"
    with log_context(player_id="p-2"):
        await asyncio.sleep(0)
    (line,) = stdout.lines()
    assert line["msg"] == "state ['before']" and line["player_id"] == "p-1"


async def test_a_warning_is_written_at_once_after_the_lines_before_it(
    stdout: CountedStream,
) -> None:
    log.info("first")
    log.warning("trouble")
    assert stdout.writes == 1
    assert [line["msg"] for line in stdout.lines()] == ["first", "trouble"]
    await asyncio.sleep(0)
    assert stdout.writes == 1  # nothing left for the turn's write


def test_without_a_running_loop_each_line_is_written_at_once(stdout: CountedStream) -> None:
    log.info("starting")
    assert stdout.writes == 1 and stdout.lines()[0]["msg"] == "starting"


async def test_a_full_buffer_is_written_without_waiting_for_the_turn() -> None:
    stream = CountedStream()
    handler = TurnBufferedHandler(stream, max_buffered_chars=100)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "y" * 40, None, None)
    handler.handle(record)
    handler.handle(record)
    assert stream.writes == 0
    handler.handle(record)  # 3 x 41 characters: over the cap
    assert stream.writes == 1 and stream.getvalue() == ("y" * 40 + "\n") * 3


def test_closing_writes_what_a_turn_had_not_written(stdout: CountedStream) -> None:
    """As ``logging.shutdown()`` does (flush, close) for every handler, at exit too."""
    _log_in_a_loop_that_stops_before_its_write("buffered")
    assert stdout.writes == 0
    _ours().close()
    assert [line["msg"] for line in stdout.lines()] == ["buffered"]


def test_a_loop_closed_before_its_write_does_not_hold_back_the_next_loops_lines(
    stdout: CountedStream,
) -> None:
    _log_in_a_loop_that_stops_before_its_write("in the first loop")

    async def log_and_turn() -> None:
        log.info("in the second loop")
        await asyncio.sleep(0)

    asyncio.run(log_and_turn())
    msgs = [line["msg"] for line in stdout.lines()]
    assert msgs == ["in the first loop", "in the second loop"]


def test_configuring_again_writes_the_replaced_handlers_lines_first(
    stdout: CountedStream,
) -> None:
    _log_in_a_loop_that_stops_before_its_write("old handler")
    _configure(stdout)  # the old handler is dropped: its buffer must not go with it
    log.info("new handler")
    assert [line["msg"] for line in stdout.lines()] == ["old handler", "new handler"]


def test_lines_still_buffered_at_exit_reach_stdout() -> None:
    """Python's exit runs ``logging.shutdown``: a line whose turn never came is written."""
    script = textwrap.dedent(
        """
        import asyncio, logging
        from mythos_contracts.ops.log_lines import configure_logging

        configure_logging("game")

        async def main():
            logging.getLogger("t").info("last words")
            asyncio.get_running_loop().stop()

        loop = asyncio.new_event_loop()
        loop.create_task(main())
        loop.run_forever()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert [json.loads(line)["msg"] for line in done.stdout.splitlines()] == ["last words"]
