"""Redaction must stay cheap whatever a client puts in a logged line (a request path, a
handshake's query): every pattern runs in linear time, and what is logged is cut first."""

from __future__ import annotations

import io
import json
import logging
import random
import time
from collections.abc import Callable

import pytest
from mythos_contracts.ops import log_lines
from mythos_contracts.ops.log_lines import (
    MAX_LOGGED_CHARS,
    MAX_TRACEBACK_CHARS,
    REDACTED,
    JsonLogFormatter,
    log_context,
    redact,
    redact_clipped,
)

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJl"


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * (size // len(unit))


# For each pattern, inputs that make a backtracking pattern try, from many starts, to
# reach a terminator that never comes.
ADVERSARIAL = {
    "url password: schemes and colons, no @": _repeat("a://:"),
    "url password: a dotted scheme run": _repeat("a.a."),
    "url password: a long password, no @": lambda n: "x://u:" + "p" * n,
    "jwt: header starts, no dot": _repeat("eyJ"),
    "jwt: two parts, no third dot": _repeat("eyJa.b-"),
    "bearer: whitespace, no credential": lambda n: "bearer" + " " * n,
    "bearer: repeated": _repeat("Bearer "),
    "token parameter: repeated": _repeat("token="),
}


def _seconds(text: str) -> float:
    """CPU seconds of this process (time spent waiting for a busy core is not counted),
    best of several runs: the least disturbed by the rest of the machine."""
    best = float("inf")
    for _ in range(7):
        started = time.process_time()
        redact(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("make", ADVERSARIAL.values(), ids=list(ADVERSARIAL))
def test_each_pattern_is_linear_on_16_kb_of_adversarial_input(
    make: Callable[[int], str],
) -> None:
    # 16 times the input: about 16 times the work if linear, 256 times if quadratic.
    small, large = make(1024), make(16 * 1024)
    assert 15 * 1024 <= len(large) <= 16 * 1024 + 8
    ratio = _seconds(large) / max(_seconds(small), 1e-7)
    assert ratio < 64, f"16x the input took {ratio:.0f}x the time: super-linear"


def test_the_patterns_still_find_their_secrets_next_to_adversarial_text() -> None:
    noise = "a://:" * 500 + "eyJ" * 500 + " bearer" + " " * 100
    for text, secret in [
        (f"{noise} /api/ws?token={JWT}", JWT),
        (f"{noise} amqp://mythos:s3cr3t@rabbit:5672/", "s3cr3t"),
        (f"{noise} Authorization: Bearer opaque-value", "opaque-value"),
        (f"{noise} {JWT}", JWT),
    ]:
        cleaned = redact(text)
        assert secret not in cleaned and REDACTED in cleaned


def test_long_text_is_cut_before_it_is_redacted_and_a_secret_at_the_cut_still_goes() -> None:
    straddling = "x" * (MAX_LOGGED_CHARS - 20) + f" token={JWT} " + "y" * 100_000
    clipped = redact_clipped(straddling)
    assert JWT not in clipped and JWT[:20] not in clipped
    assert len(clipped) < MAX_LOGGED_CHARS + 40
    assert clipped.endswith(f"[{len(straddling) - MAX_LOGGED_CHARS} characters cut]")
    tail = redact_clipped("z" * 100_000 + f" Bearer {JWT}", 1000, keep_end=True)
    assert tail.endswith(f"Bearer {REDACTED}") and tail.startswith("[")
    assert redact_clipped("short") == "short"


def test_a_log_line_carries_at_most_the_cut_message_fields_and_traceback_end() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter("edge"))
    logger = logging.getLogger("test.redaction.limits")
    logger.handlers, logger.propagate = [handler], False
    path = "/api/ws?" + "a://:" * 20_000
    try:
        raise ValueError("q" * 100_000 + " the end")
    except ValueError:
        logger.exception('"GET %s HTTP/1.1" 101', path, extra={"path": path})
    line = json.loads(stream.getvalue())
    assert len(line["msg"]) < MAX_LOGGED_CHARS + 40 and "characters cut" in line["msg"]
    assert len(line["path"]) < MAX_LOGGED_CHARS + 40
    assert len(line["exc"]) < MAX_TRACEBACK_CHARS + 40 and line["exc"].endswith("the end")


# Pieces of every secret form and of what only looks like one, in several cases.
_PIECES = [
    "token=",
    "TOKEN=",
    "access_token=",
    "Token=",
    "=",
    "://",
    "amqp://",
    "u:",
    "p@",
    "@",
    "Bearer ",
    "BEARER\t",
    "bearer",
    "eyJ",
    "EYJ",
    "eyj",
    JWT,
    ".",
    "-",
    "_",
    "a",
    "Z",
    "9",
    " ",
    "&",
    "?",
    "/",
    ":",
    "é",
    "\n",
]


def test_the_fast_path_redacts_exactly_what_every_pattern_would() -> None:
    # Text the pre-check lets through unchanged must be text no pattern would change.
    rng = random.Random(15)
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
        assert redact(text) == log_lines._substitute(text), repr(text)


def test_text_that_cannot_hold_a_secret_skips_the_substitutions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(text: str) -> str:
        raise AssertionError(f"substituted {text!r}")

    monkeypatch.setattr(log_lines, "_substitute", refuse)
    for safe in ["command handled", "say", "ok", "0f8e2c1d-3b4a", "player moved: north"]:
        assert redact(safe) == safe
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter("game"))
    logger = logging.getLogger("fast-path-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with log_context(player_id="p-1", connection_id="c-1", command_id="k-1"):
            logger.warning(
                "command handled", extra={"command": "say", "outcome": "ok", "duration_ms": 0.4}
            )
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["msg"] == "command handled" and line["command"] == "say"
    assert line["outcome"] == "ok" and line["duration_ms"] == 0.4 and line["player_id"] == "p-1"
