"""One JSON object per log line, with correlation ids and without secrets.

Every line carries ``ts``, ``level``, ``service``, ``logger`` and ``msg``; the ids bound
with ``log_context`` (``player_id``, ``command_id``, ``connection_id``...) and any
``extra={...}`` fields follow. Tokens, passwords and credentials in URLs are replaced by
``[redacted]`` wherever they appear: in the message, in extra fields and in tracebacks.

What a line may carry is cut first (``MAX_LOGGED_CHARS`` per message or field,
``MAX_TRACEBACK_CHARS`` of a traceback's end), then redacted, and every pattern runs in
time linear in its input: a client controls some logged text (a request path, a
WebSocket handshake's query), and logging it must never stall the event loop.

``configure_logging`` writes the lines of one event-loop turn in one write
(``log_output.TurnBufferedHandler``): each line is formatted when logged, and a WARNING
or worse, a full buffer (64 Ki characters), ``logging.shutdown()`` and exit write at
once. A process killed outright (SIGKILL) loses at most its lines below WARNING logged
since the loop last turned, never more than 64 Ki characters of them.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import math
import re
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal

import msgspec
from pydantic import BeforeValidator

from mythos_contracts.ops.log_output import TurnBufferedHandler


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


# Settings types: operators write "debug" and "JSON" as often as "DEBUG" and "json".
LogFormat = Annotated[Literal["json", "text"], BeforeValidator(_lower)]
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(_upper)
]
REDACTED = "[redacted]"
MAX_LOGGED_CHARS = 8192
"""A log line's message and each of its fields are cut to this many characters."""
MAX_TRACEBACK_CHARS = 32768
"""A traceback keeps its last this many characters (where the exception is)."""
# Longer than any secret the patterns look for (a token is at most 4096 characters).
_CUT_MARGIN = 4096

_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "mythos_log_context", default=MappingProxyType({})
)

# Every pattern is linear in its input: each starts at a literal or at a boundary, and
# its quantifiers are possessive (``*+``, ``++``, ``{m,n}+``) or bounded, so a failed
# attempt never backtracks through what it scanned, and no text is scanned from more than
# a bounded number of starts. (A greedy ``[^@\s]+@`` tried after every ``x://`` of
# ``a://:a://:...`` was quadratic: half a second for a 16 KB request path.)
_TOKEN_PARAMETER = re.compile(r"((?:access_|refresh_)?token=)[^&\s\"'#]++", re.IGNORECASE)
# A JWT is base64url(header).base64url(payload).signature; a JSON header starts `{"`: eyJ.
# It starts where a base64url run starts (not inside one), so a run is scanned once.
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*+\.[A-Za-z0-9_-]++\.[A-Za-z0-9_-]*+")
# scheme://user:password@ with the parts bounded: a scheme of at most 32 characters, a
# user of at most 256, a password of at most 1024 (a longer one is not redacted).
_URL_PASSWORD = re.compile(
    r"(\b[a-z][a-z0-9+.-]{0,31}+://[^:/@\s]{0,256}+:)[^@\s/]{1,1024}+@", re.IGNORECASE
)
_BEARER = re.compile(r"(bearer\s++)\S++", re.IGNORECASE)
_SECRET_KEY = re.compile(r"token|password|passwd|secret|authorization|cookie", re.IGNORECASE)
# What each pattern above cannot match without: ``token=`` has ``=``, a URL password
# ``://``, a JWT ``eyJ``, a bearer credential ``bearer`` (in any case). Text with none
# of them (a fixed message, a command name, an id, an outcome) is returned as it is
# after one scan instead of four substitutions: the per-command line's fast path. The
# scan is of the lowered text (a third of the cost of one case-blind pattern): what the
# patterns match case-blind as b, e, a, r, y or j lowers to that letter (none of them
# has a third case form in Unicode, as k and s have), and lowering keeps neighbours
# neighbours.
_SECRET_MARKS = ("=", "://", "eyj", "bearer")
# Floats msgspec and json both write without an exponent (repr's range), as the same text.
_PLAIN_FLOAT_MIN = 1e-4
_PLAIN_FLOAT_END = 1e16
_ALIKE_TYPES = frozenset({str, int, bool, type(None)})
# json.dumps's text for these at a tenth of its cost (it builds an encoder per call).
_encode_json = msgspec.json.Encoder().encode
# What every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}


def redact(text: str) -> str:
    """``text`` with tokens, bearer credentials and URL passwords replaced."""
    lowered = text.lower()
    for mark in _SECRET_MARKS:
        if mark in lowered:
            return _substitute(text)
    return text


def _substitute(text: str) -> str:
    text = _TOKEN_PARAMETER.sub(r"\1" + REDACTED, text)
    text = _URL_PASSWORD.sub(r"\1" + REDACTED + "@", text)
    text = _BEARER.sub(r"\1" + REDACTED, text)
    return _JWT.sub(REDACTED, text)


def redact_clipped(text: str, limit: int = MAX_LOGGED_CHARS, *, keep_end: bool = False) -> str:
    """``text`` cut to ``limit`` characters (its start, or its end with ``keep_end``) and
    redacted. A secret straddling the cut is redacted whole: the cut is made after
    redacting a slice ``_CUT_MARGIN`` longer than ``limit``."""
    if len(text) <= limit:
        return redact(text)
    cut = len(text) - limit
    if keep_end:
        return f"[{cut} characters cut] " + redact(text[-(limit + _CUT_MARGIN) :])[-limit:]
    return redact(text[: limit + _CUT_MARGIN])[:limit] + f" [{cut} characters cut]"


def log_context(**ids: str | None) -> LogContext:
    """Add correlation ids to every line logged inside the block (this task only)."""
    return LogContext(ids)


class LogContext:
    """``log_context``'s block. A class, not ``contextlib.contextmanager``: it is entered
    for every message a service handles, and a generator's frame and wrapper cost about
    twice as much to enter and leave."""

    __slots__ = ("_ids", "_token")

    def __init__(self, ids: Mapping[str, str | None]) -> None:
        self._ids = ids

    def __enter__(self) -> None:
        ids = self._ids
        merged = {**_context.get(), **{k: v for k, v in ids.items() if v is not None}}
        self._token = _context.set(merged)

    def __exit__(self, *exc: object) -> None:
        _context.reset(self._token)


def bind_log_context(**ids: str | None) -> None:
    """Add ids for the rest of the current task (e.g. a connection's own task)."""
    _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})


def bind_log_ids(ids: Mapping[str, str]) -> None:
    """``bind_log_context`` for ids already gathered once (a task that starts often, with
    the same ids each time): no keyword arguments to sort through."""
    _context.set({**_context.get(), **ids})


def current_log_context() -> dict[str, str]:
    return dict(_context.get())


@functools.lru_cache(maxsize=1024)
def _secret_key(key: str) -> bool:
    # Field names come from code (``extra=`` and ``log_context``), a small fixed set.
    return _SECRET_KEY.search(key) is not None


def _clean(key: str, value: Any) -> Any:
    if _secret_key(key):
        return REDACTED
    if isinstance(value, str):
        return redact_clipped(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_clipped(str(value))


class JsonLogFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        # The date and time of the second last logged in, as ``_timestamp`` writes it.
        self._second: tuple[float, str] = (math.nan, "")

    def format(self, record: logging.LogRecord) -> str:
        extras = ((k, v) for k, v in vars(record).items() if k not in _RECORD_FIELDS)
        exc = None
        if record.exc_info:
            exc = redact_clipped(
                self.formatException(record.exc_info), MAX_TRACEBACK_CHARS, keep_end=True
            )
        return self.line(
            record.created, record.levelname.lower(), record.name, record.getMessage(), extras, exc
        )

    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        extras: Iterable[tuple[str, Any]],
        exc: str | None = None,
    ) -> str:
        """The line of a record made at ``created`` (seconds since the epoch) with these
        fields: ``format`` of a record, and ``info_line``'s without one."""
        line: dict[str, Any] = {
            "ts": self._timestamp(created),
            "level": level,
            "service": self.service,
            "logger": logger,
            "msg": redact_clipped(message),
        }
        ids = _context.get()
        line.update(ids)
        # Whether msgspec writes every value as json would (the fields above are str; a
        # loop, not ``all`` over a generator: a third of the cost for a line's few ids).
        alike = True
        for value in ids.values():
            if not _written_alike(value):
                alike = False
                break
        for key, value in extras:
            if key not in line:
                line[key] = value = _clean(key, value)
                alike = alike and _written_alike(value)
        if exc is not None:
            line["exc"] = exc
        if alike:
            try:
                return _encode_json(line).decode()
            except (TypeError, ValueError, OverflowError):  # a lone surrogate: not UTF-8
                pass
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))

    def _timestamp(self, created: float) -> str:
        """``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``,
        the same text for a fraction of the cost: the second's date and time made once
        per second, the fraction rounded as ``fromtimestamp`` rounds it (to the
        microsecond, half to even, a full second carried), then cut to milliseconds."""
        fraction, second = math.modf(created)
        micros = round(fraction * 1e6)
        if micros >= 1_000_000:
            second, micros = second + 1.0, micros - 1_000_000
        elif micros < 0:
            second, micros = second - 1.0, micros + 1_000_000
        cached, text = self._second
        if second != cached:
            text = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")[:19]
            self._second = (second, text)
        return f"{text}.{micros // 1000:03d}+00:00"


def info_line(logger: logging.Logger, message: str, fields: Mapping[str, Any]) -> None:
    """``logger.info(message, extra=fields)``: the same line, kept the same way, without a
    ``LogRecord`` when the record would reach only what ``configure_logging`` installs
    (one ``TurnBufferedHandler`` with the JSON formatter, no filter on the way): a
    service's own set-up, where the game logs one such line per command and the record's
    making and routing cost more than the line (``mythos_bench.log_line``). Anywhere
    else (a test's capturing handler, a filter, the text format, a field a record has
    of its own) it is ``logger.info``."""
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_json_handler(logger)
    if handler is None or not _RECORD_FIELDS.isdisjoint(fields):
        logger.info(message, extra=dict(fields))
        return
    formatter: JsonLogFormatter = handler.formatter  # type: ignore[assignment]
    try:
        line = formatter.line(time.time(), "info", logger.name, message, fields.items())
    except Exception:  # as a record's formatting error is reported: by the logging module
        logger.info(message, extra=dict(fields))
        return
    handler.take(line, logging.INFO)


def _sole_json_handler(logger: logging.Logger) -> TurnBufferedHandler | None:
    """The handler every INFO record of ``logger`` would reach, if it is the only one, a
    ``TurnBufferedHandler`` with the JSON formatter, and nothing on the way filters:
    ``Logger.handle`` and ``callHandlers``' walk, read without a record."""
    if logger.disabled or logger.filters:
        return None
    found: logging.Handler | None = None
    node: logging.Logger | None = logger
    while node is not None:
        for handler in node.handlers:
            if found is not None:
                return None
            found = handler
        node = node.parent if node.propagate else None
    if (
        type(found) is not TurnBufferedHandler
        or found.filters
        or found.level > logging.INFO
        or type(found.formatter) is not JsonLogFormatter
    ):
        return None
    return found


def _written_alike(value: object) -> bool:
    """Whether msgspec writes ``value`` as ``json.dumps(..., ensure_ascii=False)`` does,
    character for character: a str, int, bool or None, and a float without an exponent
    (0, or 1e-4 <= |x| < 1e16: a duration, a ratio). Not a subclass (an enum: msgspec
    writes its value, json its int or str), not NaN (msgspec: null)."""
    if type(value) is float:
        return value == 0.0 or _PLAIN_FLOAT_MIN <= abs(value) < _PLAIN_FLOAT_END
    return type(value) in _ALIKE_TYPES


class TextLogFormatter(logging.Formatter):
    """The same fields on one human-readable line, for a developer's terminal."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{k}={v}" for k, v in _context.get().items())
        text = redact_clipped(super().format(record), MAX_TRACEBACK_CHARS)
        return f"{text} [{ids}]" if ids else text


def configure_logging(service: str, *, level: str = "INFO", fmt: LogFormat = "json") -> None:
    """Send every logger (uvicorn's too) to stdout through one formatter, once per process,
    each event-loop turn's lines in one write (``log_output``)."""
    # No line says where it was logged from, so the logging module need not walk the
    # stack to find out for every record (the logging HOWTO's "Optimization": a few
    # microseconds a line; ``funcName``, ``lineno`` and ``pathname`` read as unknown).
    logging._srcfile = None
    # Nor which thread or process: no line says either, and a record would otherwise ask
    # for both every time (the same table: ``logThreads``, ``logProcesses``,
    # ``logMultiprocessing``; the record's ``thread``, ``process`` and their names None).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = TurnBufferedHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter(service) if fmt == "json" else TextLogFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        old.flush()  # a replaced handler's buffered lines go out before it does
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        # A uvicorn.Config made earlier in the process may have set its own level
        # (run_service quietens access lines): the root's level decides until the next one.
        logger.setLevel(logging.NOTSET)
