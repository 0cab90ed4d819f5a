"""``info_line`` writes what ``logger.info(message, extra=fields)`` writes, without a
``LogRecord`` where the service's own handler is the only one, and exactly as
``logger.info`` anywhere else."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from mythos_contracts.ops.log_lines import configure_logging, info_line, log_context
from mythos_contracts.ops.log_output import TurnBufferedHandler

log = logging.getLogger("test.log_info_line.dispatcher")
T = TypeVar("T")
AT = 1_765_000_000.1234565  # a fraction that rounds at the microsecond

FIELDS: list[dict[str, Any]] = [
    {"command": "say", "outcome": "ok", "duration_ms": 0.123},
    {"command": "look", "outcome": "rejected", "duration_ms": 0.0},
    {"duration_ms": 1e20, "count": 3, "flag": True, "none": None},  # json's float text
    {"detail": "curl https://u:hunter2@db/x?token=abc Bearer eyJa.eyJb.c"},  # redacted
    {"api_password": "plain", "cookie": "c"},  # secret names
    {"typed": "sa\udcffy"},  # a lone surrogate: json writes it
    {"long": "x" * 9000},  # cut
    {"player_id": "from extra"},  # the context's id wins, as in a record's line
    {"where": object()},  # written as its str
]
CONTEXTS: list[dict[str, str | None]] = [
    {},
    {"player_id": "p-1", "connection_id": "c-1", "command_id": "c-42"},
    {"command_id": "x\udcff"},
]


class Lines(io.StringIO):
    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


@contextlib.contextmanager
def only_our_handler() -> Iterator[tuple[Lines, TurnBufferedHandler]]:
    """``configure_logging`` as a service calls it, and nothing else on the root (pytest
    adds its capturing handlers to it for each test's call); all put back after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging._srcfile)
    stream = Lines()
    with contextlib.redirect_stdout(stream):
        configure_logging("game", level="INFO")
    (ours,) = root.handlers
    assert isinstance(ours, TurnBufferedHandler)
    try:
        yield stream, ours
    finally:
        ours.close()
        root.handlers[:], _, logging._srcfile = saved
        root.setLevel(saved[1])


@pytest.fixture
def records_made(monkeypatch: pytest.MonkeyPatch) -> list[logging.LogRecord]:
    """Every record a logger makes, and the clock every line reads, fixed."""
    made: list[logging.LogRecord] = []
    make = logging.Logger.makeRecord

    def counted(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        made.append(make(self, *args, **kwargs))
        return made[-1]

    monkeypatch.setattr(logging.Logger, "makeRecord", counted)
    monkeypatch.setattr(time, "time", lambda: AT)
    monkeypatch.setattr(time, "time_ns", lambda: int(AT * 1e9))
    return made


def test_the_line_is_the_text_logger_info_writes(records_made: list[logging.LogRecord]) -> None:
    with only_our_handler() as (stream, handler):
        for ids in CONTEXTS:
            for fields in FIELDS:
                with log_context(**ids):
                    info_line(log, "command handled", fields)
                    log.info("command handled", extra=fields)
        handler.flush()
    lines = stream.lines()
    assert len(lines) == 2 * len(CONTEXTS) * len(FIELDS)
    for direct, recorded in zip(lines[::2], lines[1::2], strict=True):
        assert direct == recorded
    # Only ``logger.info`` made records: the direct lines were written without one.
    assert len(records_made) == len(CONTEXTS) * len(FIELDS)
    # And they say what they should.
    first = json.loads(lines[len(FIELDS) * 2 + 0])
    assert first["ts"] == "2025-12-06T05:46:40.123+00:00"
    assert (first["level"], first["service"], first["msg"]) == ("info", "game", "command handled")
    assert (first["command"], first["outcome"], first["player_id"]) == ("say", "ok", "p-1")
    assert "hunter2" not in stream.getvalue() and "plain" not in stream.getvalue()


def test_the_line_waits_for_the_turn_in_order_with_recorded_lines() -> None:
    async def one_turn(handler: TurnBufferedHandler, stream: Lines) -> list[str]:
        log.info("first")
        info_line(log, "second", {"n": 2})
        log.info("third")
        written = stream.lines()
        await asyncio.sleep(0)
        return written

    with only_our_handler() as (stream, handler):
        before = asyncio.run(one_turn(handler, stream))
    assert before == []  # nothing written within the turn
    assert [json.loads(line)["msg"] for line in stream.lines()] == ["first", "second", "third"]


def test_a_level_above_info_writes_nothing(records_made: list[logging.LogRecord]) -> None:
    with only_our_handler() as (stream, handler):
        log.setLevel(logging.WARNING)
        try:
            info_line(log, "command handled", {"command": "say"})
        finally:
            log.setLevel(logging.NOTSET)
        handler.flush()
    assert stream.getvalue() == "" and records_made == []


@contextlib.contextmanager
def _while_added(add: Callable[[T], None], remove: Callable[[T], None], item: T) -> Iterator[None]:
    """``item`` added (a handler to a logger, a filter to either) for the block."""
    add(item)
    try:
        yield
    finally:
        remove(item)


class Refuses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "command handled"


@pytest.mark.parametrize("where", ["another handler", "logger filter", "handler filter", "text"])
def test_anywhere_else_it_is_logger_info(where: str, records_made: list[logging.LogRecord]) -> None:
    captured: list[logging.LogRecord] = []
    other = logging.Handler()
    other.emit = captured.append  # type: ignore[method-assign]
    root = logging.getLogger()
    with only_our_handler() as (stream, handler):
        if where == "text":
            with contextlib.redirect_stdout(stream):
                configure_logging("game", level="INFO", fmt="text")
            (handler,) = logging.getLogger().handlers  # type: ignore[assignment]
        route = {
            "another handler": _while_added(root.addHandler, root.removeHandler, other),
            "logger filter": _while_added(log.addFilter, log.removeFilter, Refuses()),
            "handler filter": _while_added(handler.addFilter, handler.removeFilter, Refuses()),
            "text": contextlib.nullcontext(),
        }[where]
        with route:
            info_line(log, "command handled", {"command": "say"})
        handler.flush()
    assert len(records_made) == 1
    if where == "another handler":
        assert [r.getMessage() for r in captured] == ["command handled"]
        assert json.loads(stream.getvalue())["command"] == "say"
    elif where == "text":
        assert "command handled" in stream.getvalue()
    else:
        assert stream.getvalue() == ""  # the filter refused it, as it refuses a record


def test_a_field_a_record_has_of_its_own_is_refused_as_logger_info_refuses_it() -> None:
    with only_our_handler(), pytest.raises(KeyError, match="overwrite 'name'"):
        info_line(log, "command handled", {"name": "say"})
