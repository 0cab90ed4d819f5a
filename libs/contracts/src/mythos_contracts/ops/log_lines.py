"""One JSON object per log line, with correlation ids and without secrets.

Every line carries ``ts``, ``level``, ``service``, ``logger`` and ``msg``; the ids bound
with ``log_context`` (``player_id``, ``command_id``, ``connection_id``...) and any
``extra={...}`` fields follow. Tokens, passwords and credentials in URLs are replaced by
``[redacted]`` wherever they appear: in the message, in extra fields and in tracebacks.

What a line may carry is cut first (``MAX_LOGGED_CHARS`` per message or field,
``MAX_TRACEBACK_CHARS`` of a traceback's end), then redacted, and every pattern runs in
time linear in its input: a client controls some logged text (a request path, a
WebSocket handshake's query), and logging it must never stall the event loop.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator


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
# ``://``, a JWT ``eyJ``, a bearer credential ``bearer`` (the same case folding). Text
# with none of them (a fixed message, a command name, an id, an outcome) is returned as
# it is after one scan instead of four substitutions: the per-command line's fast path.
_MAY_HOLD_SECRET = re.compile(r"=|://|eyJ|bearer", re.IGNORECASE)
# What every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}


def redact(text: str) -> str:
    """``text`` with tokens, bearer credentials and URL passwords replaced."""
    if _MAY_HOLD_SECRET.search(text) is None:
        return text
    return _substitute(text)


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


@contextlib.contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Add correlation ids to every line logged inside the block (this task only)."""
    merged = {**_context.get(), **{k: v for k, v in ids.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def bind_log_context(**ids: str | None) -> None:
    """Add ids for the rest of the current task (e.g. a connection's own task)."""
    _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})


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

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": redact_clipped(record.getMessage()),
        }
        line.update(_context.get())
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = _clean(key, value)
        if record.exc_info:
            line["exc"] = redact_clipped(
                self.formatException(record.exc_info), MAX_TRACEBACK_CHARS, keep_end=True
            )
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextLogFormatter(logging.Formatter):
    """The same fields on one human-readable line, for a developer's terminal."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{k}={v}" for k, v in _context.get().items())
        text = redact_clipped(super().format(record), MAX_TRACEBACK_CHARS)
        return f"{text} [{ids}]" if ids else text


def configure_logging(service: str, *, level: str = "INFO", fmt: LogFormat = "json") -> None:
    """Send every logger (uvicorn's too) to stdout through one formatter, once per process."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter(service) if fmt == "json" else TextLogFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
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
