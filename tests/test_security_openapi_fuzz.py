"""schemathesis against the auth OpenAPI document of the running system, through the
public origin: generated requests (valid and invalid) for every operation; no 5xx,
and every response must match the document. Prints what it tried."""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    NegativeDataRejectionConfig,
)

EXAMPLES = 15
NOTHING_TO_NEGATE = {"GET /auth/.well-known/jwks.json", "GET /auth/healthz"}


def test_the_running_auth_service_conforms_to_its_openapi_document(start_system: Any) -> None:
    system = start_system(
        "distributed",
        # Throttles off so generated requests reach the real logic (429 is documented anyway).
        AUTH_LOGIN_PER_IP_PER_MINUTE="0",
        AUTH_REGISTER_PER_IP_PER_MINUTE="0",
        AUTH_LOGIN_LOCKOUT_THRESHOLD="100000",
    )
    schema = schemathesis.openapi.from_url(f"{system.url}/auth/openapi.json")
    # Invalid data the fuzzer makes huge exceeds auth's body limit: 413 is a rejection too.
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    )
    tried: dict[str, Counter[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            if mode is GenerationMode.NEGATIVE and operation.label in NOTHING_TO_NEGATE:
                continue
            _fuzz(
                operation.as_strategy(mode),
                system.url,
                tried.setdefault(f"{operation.label} [{mode.value}]", Counter()),
            )
    for name, statuses in sorted(tried.items()):
        print(f"{name}: {sum(statuses.values())} requests, answered {dict(statuses)}")
    assert len(tried) >= 10


def _fuzz(strategy: Any, base_url: str, statuses: Counter[int]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url)
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        case.validate_response(response)

    exercise()
