"""Turn FastAPI's structured 422 errors into one readable ``detail`` string."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from mythos_auth.domain.throttling import retry_after_seconds
from mythos_auth.service_layer.ports import HashingBusy

NOT_JSON = "request body is not valid JSON"
# What FastAPI raises (as a 400) for a body it cannot even decode, e.g. bytes that are not
# UTF-8; answered like any other unreadable body instead.
_FASTAPI_UNDECODABLE_BODY = "There was an error parsing the body"


def describe_validation_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """E.g. ``"password: field required; username: input should be a valid string"``.

    Built from locations and messages only: the rejected input is never echoed back, since
    it may be a password.
    """
    parts: list[str] = []
    for err in errors:
        if err.get("type") == "json_invalid":
            parts.append(NOT_JSON)
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


async def busy_response(request: Request, exc: Exception) -> JSONResponse:
    """503 while every password-hashing slot is taken (``HashingBusy``)."""
    assert isinstance(exc, HashingBusy)
    seconds = retry_after_seconds(exc.waited)
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={
            "detail": f"the server is busy checking passwords; try again in {seconds} s",
            "retry_after": seconds,
        },
        headers={"Retry-After": str(seconds)},
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.detail == _FASTAPI_UNDECODABLE_BODY:
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": NOT_JSON}
        )
    return await http_exception_handler(request, exc)
