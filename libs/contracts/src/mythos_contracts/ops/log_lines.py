"""One JSON object per log line, with correlation ids and without secrets.

Every line carries ``ts``, ``level``, ``service``, ``logger`` and ``msg``; the ids bound
with ``log_context`` (``player_id``, ``command_id``, ``connection_id``...) and any
``extra={...}`` fields follow. Tokens, passwords and credentials in URLs are replaced by
``[redacted]`` wherever they appear: in the message, in extra fields and in tracebacks.
"""

from __future__ import annotations

import contextlib
import contextvars
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

_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "mythos_log_context", default=MappingProxyType({})
)

_TOKEN_PARAMETER = re.compile(r"((?:access_|refresh_)?token=)[^&\s\"'#]+", re.IGNORECASE)
# A JWT is base64url(header).base64url(payload).signature; a JSON header starts `{"`: eyJ.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)
_BEARER = re.compile(r"(bearer\s+)\S+", re.IGNORECASE)
_SECRET_KEY = re.compile(r"token|password|passwd|secret|authorization|cookie", re.IGNORECASE)
# What every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}


def redact(text: str) -> str:
    """``text`` with tokens, bearer credentials and URL passwords replaced."""
    text = _TOKEN_PARAMETER.sub(r"\1" + REDACTED, text)
    text = _URL_PASSWORD.sub(r"\1" + REDACTED + "@", text)
    text = _BEARER.sub(r"\1" + REDACTED, text)
    return _JWT.sub(REDACTED, text)


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


def _clean(key: str, value: Any) -> Any:
    if _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


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
            "msg": redact(record.getMessage()),
        }
        line.update(_context.get())
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = _clean(key, value)
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextLogFormatter(logging.Formatter):
    """The same fields on one human-readable line, for a developer's terminal."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{k}={v}" for k, v in _context.get().items())
        text = redact(super().format(record))
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
