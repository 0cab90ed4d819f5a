"""Turn FastAPI's structured 422 errors into one readable ``detail`` string."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def describe_validation_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """E.g. ``"password: field required; username: input should be a valid string"``.

    Built from locations and messages only: the rejected input is never echoed back, since
    it may be a password.
    """
    parts: list[str] = []
    for err in errors:
        if err.get("type") == "json_invalid":
            parts.append("request body is not valid JSON")
            continue
        # Drop the "body" prefix; "username" reads better than "body.username".
        location = [str(item) for item in err.get("loc", ()) if item != "body"]
        message = str(err.get("msg", "is invalid"))
        message = message[:1].lower() + message[1:]
        parts.append(f"{'.'.join(location)}: {message}" if location else f"body: {message}")
    return "; ".join(dict.fromkeys(parts)) or "request is invalid"


async def readable_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": describe_validation_errors(exc.errors())},
    )


class Throttled(Exception):
    """Too many attempts: answered 429 with ``Retry-After`` (whole seconds)."""

    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.detail = detail


async def throttled_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Throttled)
    return JSONResponse(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        content={"detail": exc.detail, "retry_after": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )
