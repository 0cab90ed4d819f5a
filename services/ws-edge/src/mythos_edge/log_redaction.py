"""Keeps tokens out of every log line.

``?token=`` puts an access token in the request path, which servers log (uvicorn's
``"WebSocket /api/ws?token=..." [accepted]``). The filter formats each record's
message (and traceback) once, then replaces the value of any ``token=`` parameter, and
anything shaped like a JWT wherever it appears, with ``[redacted]``. It runs on every
handler of the root logger and on uvicorn's loggers.
"""

from __future__ import annotations

import logging
import re

_TOKEN_PARAMETER = re.compile(r"(token=)[^&\s\"'#]+", re.IGNORECASE)
# A JWT is base64url(header).base64url(payload).signature; a JSON header starts `{"`: eyJ.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
REDACTED = "[redacted]"
_TRACEBACKS = logging.Formatter()


def redact(text: str) -> str:
    return _JWT.sub(REDACTED, _TOKEN_PARAMETER.sub(r"\1" + REDACTED, text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text: the traceback is redacted too.
            record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
        return True


def install() -> None:
    """Attach the filter to the root handlers and uvicorn's loggers (idempotent)."""
    redact_filter = RedactTokens()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, RedactTokens) for f in target.filters):
                target.addFilter(redact_filter)
