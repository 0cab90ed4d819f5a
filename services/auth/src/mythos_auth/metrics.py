"""The auth service's Prometheus metrics (names from the ops catalogue).

Every label takes a bounded set of values: the route is the matched template, never the
raw path, and methods outside the usual few are folded into "other", so a scanner sending
random paths and verbs cannot grow the number of series.
"""

from __future__ import annotations

from typing import Literal, get_args

from prometheus_client import Counter, Histogram

LoginOutcome = Literal["ok", "bad_credentials", "throttled", "barred", "busy"]
RefreshOutcome = Literal["ok", "reused", "invalid", "barred"]

REQUESTS = Counter(
    "mythos_auth_requests",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "mythos_auth_request_seconds",
    "Time from request to the end of the response, by route template.",
    ["route"],
)
LOGINS = Counter(
    "mythos_auth_logins",
    "Login attempts by outcome: ok, bad_credentials (unknown name or wrong password), "
    "throttled (address limit or username lockout), barred (banned or disabled account), "
    "busy (no password-hashing slot freed in time: 503).",
    ["outcome"],
)
REFRESHES = Counter(
    "mythos_auth_refreshes",
    "Refresh-token exchanges by outcome: ok, reused (the login is revoked), invalid "
    "(unknown, expired or revoked), barred (banned or disabled account).",
    ["outcome"],
)

# Every outcome exists at 0 from the start, so a ratio of failures to attempts (and an
# alert on reuse) has a series to read before the first one happens.
for _login in get_args(LoginOutcome):
    LOGINS.labels(_login)
for _refresh in get_args(RefreshOutcome):
    REFRESHES.labels(_refresh)
