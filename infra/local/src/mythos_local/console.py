"""What ``make run`` shows a person at a terminal (``MYTHOS_LOG_FORMAT=text``).

The services keep writing one JSON object per line, as in production; the launcher reads
their output and prints one readable line per event, prefixed by the service's coloured,
aligned name, as ``docker compose up`` does. Access lines are left out unless the level is
DEBUG. When everything is ready the URL is printed in a box.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TextIO

from mythos_contracts.ops.log_lines import JsonLogFormatter

# Cyan, yellow, green, magenta, blue, then their bright variants: compose's order.
_PALETTE = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")
_LEVEL_STYLE = {"DEBUG": "2", "WARNING": "33", "ERROR": "31", "CRITICAL": "1;31"}
# Python's level names and Go's (Caddy's), to one scale.
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "dpanic": logging.CRITICAL,
    "panic": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}
_SHOWN_APART = frozenset({"ts", "level", "service", "logger", "msg", "exc"})
ACCESS_LOGGER = "uvicorn.access"
# Lines every start repeats that say nothing about this run; left out below DEBUG. The
# launcher says itself when each service has started, and uvicorn where it listens.
_BOILERPLATE = {
    "uvicorn.error": (
        "Started server process",
        "Waiting for application startup",
        "Application startup complete",
        "Shutting down",
        "Waiting for application shutdown",
        "Application shutdown complete",
        "Finished server process",
    ),
    "alembic.runtime.migration": ("Context impl ", "Will assume "),
}
LAUNCHER = "mythos"
MAX_LINE = 1 << 20  # a longer line from a service is left out (and says so), not buffered


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never under NO_COLOR (https://no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


# A log line can carry what a player typed: no control character reaches the terminal (an
# escape sequence could rewrite the screen). Newlines and tabs stay; JSON escapes them all.
_CONTROL = {
    c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A)
}


def printable(text: str) -> str:
    return text.translate(_CONTROL)


def level_number(name: object) -> int:
    return _LEVELS.get(str(name).lower(), logging.INFO)


def _clock(ts: object) -> str:
    """``HH:MM:SS`` in local time from an ISO timestamp (ours) or epoch seconds (Caddy's)."""
    try:
        if isinstance(ts, int | float):
            moment = datetime.fromtimestamp(ts)
        else:
            moment = datetime.fromisoformat(str(ts)).astimezone()
    except (ValueError, OverflowError, OSError):
        return datetime.now().strftime("%H:%M:%S")
    return moment.strftime("%H:%M:%S")


def _value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if text and " " not in text else json.dumps(text)


class Console:
    """Writes prefixed lines to one stream. ``names`` are every name it will prefix, so
    that all prefixes line up."""

    def __init__(
        self,
        names: Iterable[str],
        *,
        stream: TextIO | None = None,
        colour: bool | None = None,
        level: int = logging.INFO,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.colour = wants_colour(self.stream) if colour is None else colour
        self.level = level
        every = [LAUNCHER, *names]
        self._width = max(len(n) for n in every)
        self._colours = {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(every[1:])}
        self._colours[LAUNCHER] = "1"

    def _paint(self, style: str, text: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if self.colour and style else text

    def prefix(self, name: str) -> str:
        style = self._colours.setdefault(name, _PALETTE[len(self._colours) % len(_PALETTE)])
        return self._paint(style, name.ljust(self._width) + " |") + " "

    def render(self, record: Mapping[str, Any], *, threshold: int | None = None) -> str | None:
        """One JSON log record as readable text: ``HH:MM:SS [LEVEL logger:] message k=v``,
        and a traceback, if any, on the lines below. None when the record is below
        ``threshold`` (the console's level by default), or is an access line or start-up
        boilerplate and the console's level is above DEBUG."""
        number = level_number(record.get("level", "info"))
        if number < max(self.level, threshold or 0):
            return None
        logger = str(record.get("logger", ""))
        if self.level > logging.DEBUG and (
            logger == ACCESS_LOGGER
            or str(record.get("msg", "")).startswith(_BOILERPLATE.get(logger, ()))
        ):
            return None
        parts = [self._paint("2", _clock(record.get("ts")))]
        if number != logging.INFO:
            name = logging.getLevelName(number)
            parts.append(self._paint(_LEVEL_STYLE.get(name, ""), name))
            if number >= logging.WARNING and logger:
                parts.append(printable(f"{logger}:"))
        parts.append(printable(" ".join(str(record.get("msg", "")).split("\n"))))
        extras = printable(
            " ".join(f"{k}={_value(v)}" for k, v in record.items() if k not in _SHOWN_APART)
        )
        if extras:
            parts.append(self._paint("2", extras))
        line = " ".join(parts)
        exc = record.get("exc")
        return f"{line}\n{printable(str(exc))}" if exc else line

    def render_raw(self, raw: str, *, threshold: int | None = None) -> str | None:
        """A line a service wrote: rendered if it is a JSON log record, as it is otherwise
        (a crash before logging was set up, a usage error)."""
        if raw.startswith("{"):
            try:
                record = json.loads(raw)
            except ValueError:
                return printable(raw)
            if isinstance(record, dict) and "msg" in record:
                return self.render(record, threshold=threshold)
        return printable(raw)

    def write(self, name: str, text: str) -> None:
        prefix = self.prefix(name)
        self.stream.write("".join(f"{prefix}{line}\n" for line in text.split("\n")))
        self.stream.flush()

    async def relay(
        self, name: str, reader: asyncio.StreamReader, threshold: int | None = None
    ) -> None:
        """Copy one child's output, line by line, until it closes."""
        while True:
            try:
                raw = await reader.readline()
            except ValueError:  # over the reader's limit: already dropped from its buffer
                self.write(name, f"[a line over {MAX_LINE} bytes was left out]")
                continue
            if not raw:
                return
            text = self.render_raw(raw.decode(errors="replace").rstrip("\r\n"), threshold=threshold)
            if text is not None:
                self.write(name, text)

    def box(self, lines: list[str]) -> str:
        """``lines`` framed; with colour, the first line is bold."""
        ascii_only = not (getattr(self.stream, "encoding", "") or "").lower().startswith("utf")
        h, v, corners = ("-", "|", "++++") if ascii_only else ("─", "│", "╭╮╰╯")
        width = max(len(line) for line in lines)
        body = [
            f"{v}  {self._paint('1' if i == 0 else '', line.ljust(width))}  {v}"
            for i, line in enumerate(lines)
        ]
        rule = h * (width + 4)
        return "\n".join(
            [f"{corners[0]}{rule}{corners[1]}", *body, f"{corners[2]}{rule}{corners[3]}"]
        )


class ConsoleHandler(logging.Handler):
    """Log records of this process, through the services' JSON formatter (so redacted the
    same way), rendered on the console under the name ``name_of(record)`` gives."""

    def __init__(self, console: Console, name_of: Callable[[logging.LogRecord], str]) -> None:
        super().__init__()
        self.console = console
        self.name_of = name_of
        self._json = JsonLogFormatter(LAUNCHER)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.console.render(json.loads(self._json.format(record)))
            if text is not None:
                self.console.write(self.name_of(record), text)
        except Exception:
            self.handleError(record)


# Embedded mode runs every service in one process: a line's service is its logger's package.
_SERVICE_OF_PACKAGE = {
    "mythos_auth": "auth",
    "mythos_edge": "edge",
    "mythos_game": "game",
    "mythos_persistence": "persistence",
    "uvicorn": "http",
}
EMBEDDED_NAMES = tuple(_SERVICE_OF_PACKAGE.values())


def service_of(record: logging.LogRecord) -> str:
    return _SERVICE_OF_PACKAGE.get(record.name.partition(".")[0], LAUNCHER)


def log_to(console: Console, name_of: Callable[[logging.LogRecord], str]) -> None:
    """Send every log record of this process to ``console`` instead of any other handler."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(ConsoleHandler(console, name_of))
