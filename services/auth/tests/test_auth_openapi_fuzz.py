"""Property-based API tests from the OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid; the app must never answer 5xx,
and every response must match what the document says (status codes, headers, bodies).
A summary of what was tried is printed at the end of the run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings
from schemathesis import GenerationMode
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    NegativeDataRejectionConfig,
)
from schemathesis.core import NotSet
from schemathesis.python.asgi import shutdown_lifespans

MAX_EXAMPLES = 30
pytestmark = pytest.mark.slow


@pytest.fixture
def auth_schema(auth_settings: AuthSettings, configure: Any) -> Iterator[Any]:
    # Throttles high enough that the fuzzer reaches the real logic; 429 is documented anyway.
    app = create_app(
        configure(
            auth_settings,
            login_per_ip_per_minute=100_000,
            register_per_ip_per_minute=100_000,
            login_lockout_threshold=100_000,
        )
    )
    # Loading the schema runs the app's lifespan (schemathesis keeps it running).
    schema = schemathesis.openapi.from_asgi("/auth/openapi.json", app)
    accept_413_as_rejection(schema)
    yield schema
    shutdown_lifespans()


def accept_413_as_rejection(schema: Any) -> None:
    """Invalid data the fuzzer makes huge (strings far past maxLength) exceeds the body
    limit and is refused with 413, before validation: a rejection schemathesis's
    negative-data check does not list by default."""
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    )


# Every operation of the document; a test below fails if the document grows one not listed.
OPERATIONS = [
    "POST /auth/register",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /auth/logout",
    "GET /auth/me",
    "GET /auth/.well-known/jwks.json",
    "GET /auth/healthz",
]


def test_the_fuzzed_operations_are_all_of_them(auth_schema: Any) -> None:
    labels = {result.ok().label for result in auth_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


# Operations without parameters or body have no invalid requests to make.
NOTHING_TO_NEGATE = {"GET /auth/.well-known/jwks.json", "GET /auth/healthz"}
CASES = [
    pytest.param(label, mode, id=f"{label}-{mode.value}")
    for label in OPERATIONS
    for mode in GenerationMode
    if not (mode is GenerationMode.NEGATIVE and label in NOTHING_TO_NEGATE)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_every_operation_conforms_to_its_openapi_document(
    auth_schema: Any,
    label: str,
    mode: GenerationMode,
    fuzz_log: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    """Positive mode sends valid requests, negative mode invalid ones (which must be 4xx)."""
    _fuzz(auth_schema, label, mode, {}, fuzz_log, request)


@pytest.mark.parametrize("label", ["GET /auth/me", "POST /auth/logout", "POST /auth/refresh"])
def test_operations_with_real_credentials_conform_too(
    auth_schema: Any, label: str, fuzz_log: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    """Generated requests carrying a real bearer token (and, for refresh, a real refresh
    token), so the success responses are checked against the document as well."""
    tokens = _log_in(auth_schema)
    fixed: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tokens['access_token']}"}}
    if label == "POST /auth/refresh":
        fixed = {"body": {"refresh_token": tokens["refresh_token"]}}
    statuses = _fuzz(auth_schema, label, GenerationMode.POSITIVE, fixed, fuzz_log, request)
    assert statuses[200 if label != "POST /auth/logout" else 204] >= 1


def _log_in(auth_schema: Any) -> dict[str, Any]:
    body = {"username": "Fuzzy", "password": "fuzzy password"}
    for label in ("POST /auth/register", "POST /auth/login"):
        operation = auth_schema.find_operation_by_label(label)
        response = auth_schema.make_case(
            operation=operation, body=body, media_type="application/json"
        ).call()
    assert response.status_code == 200, response.text
    return response.json()


def _fuzz(
    auth_schema: Any,
    label: str,
    mode: GenerationMode,
    fixed: dict[str, Any],
    fuzz_log: dict[str, Any],
    request: pytest.FixtureRequest,
) -> Counter[int]:
    operation = auth_schema.find_operation_by_label(label)
    backend = request.node.callspec.params.get("auth_settings", "?")
    name = f"{label} {mode.value}{' with credentials' if fixed else ''} [{backend}]"
    entry = fuzz_log.setdefault(name, {"cases": 0, "statuses": Counter(), "samples": {}})

    @given(case=operation.as_strategy(mode, **fixed))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: schemathesis.Case) -> None:
        response = case.call()
        entry["cases"] += 1
        entry["statuses"][response.status_code] += 1
        entry["samples"].setdefault(response.status_code, _describe(case))
        assert response.status_code < 500, response.text
        case.validate_response(response)

    exercise()
    statuses: Counter[int] = entry["statuses"]
    return statuses


def _describe(case: schemathesis.Case) -> str:
    parts = []
    if case.headers:
        parts.append(f"headers={ {k: v[:40] for k, v in case.headers.items()} }")
    if case.body is not None and not isinstance(case.body, NotSet):
        body = case.body
        try:
            text = json.dumps(body, ensure_ascii=True)
        except (TypeError, ValueError):
            text = repr(body)
        parts.append(f"body={text[:120]}")
    return " ".join(parts) or "(no body)"
