"""The edge's guards, one module at a time: sanitising, frame parsing, origin checks,
rate limits, connection caps, token expiry and log redaction."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mythos_contracts.envelope import ClientCommand
from mythos_contracts.ops.log_lines import JsonLogFormatter, TextLogFormatter, redact
from mythos_edge.entrypoints.client_frames import BadFrame, FrameTooLarge, parse_frame, too_large
from mythos_edge.entrypoints.origin_check import OriginPolicy, normalise_origin
from mythos_edge.entrypoints.sanitise import clean_text
from mythos_edge.service_layer.client_socket import Close, Outbox
from mythos_edge.service_layer.connection_caps import CapReached, ConnectionCaps, address_key
from mythos_edge.service_layer.connections import CLOSE_TOKEN_EXPIRED, Connection
from mythos_edge.service_layer.rate_limits import FrameBudget, TokenBucket, Verdict
from mythos_edge.service_layer.token_expiry import watch_expiry

# --- sanitising --------------------------------------------------------------------------

PUNCTUATION = "a;b|c <b>x</b> 'q' \"d\" ../../etc & $(rm -rf) `x` %s {0} \\n"


def test_punctuation_and_markup_are_data_and_pass_unchanged() -> None:
    assert clean_text(PUNCTUATION) == PUNCTUATION
    assert clean_text("héllo wörld ✓ 你好 🧙‍♂️ مرحبا") == "héllo wörld ✓ 你好 🧙‍♂️ مرحبا"


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("\x1b[31mred\x1b[0m text", "red text"),  # CSI colours
        ("\x1b[2J\x1b[Hcleared", "cleared"),  # erase screen, cursor home
        ("a\x9b31mb", "ab"),  # 8-bit CSI
        ("\x1b]0;pwned title\x07after", "after"),  # OSC window title, BEL-terminated
        ("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST
        ("\x1bP+q544e\x1b\\x", "x"),  # DCS
        ("\x1b_apc\x9cx", "x"),  # APC, 8-bit ST
        ("\x1bcreset", "reset"),  # RIS, two-character escape
        ("\x1b(Bcharset", "charset"),  # designate G0
        ("bell\x07 nul\x00 del\x7f c1\x85", "bell nul del c1 "),
        ("line\nbreak\r\ntab\there", "line break  tab here"),
        ("user\u202eeulav\u202c", "usereulav"),  # right-to-left override
        ("iso\u2066late\u2069", "isolate"),
        ("\u200fadmin\u200e \u061cx", "admin x"),  # bidi marks
        ("ad\u200bmin\u2060 \ufeffwo\u00adrd\u2062\u180e", "admin word"),  # invisible
        ("ad\u200dmin a\u200cb \u200d\u200dz\u200d", "admin ab z"),  # joiners by ASCII
        (
            "\u0645\u06cc\u200c\u0634\u0648\u0645",
            "\u0645\u06cc\u200c\u0634\u0648\u0645",
        ),  # Persian ZWNJ
        (
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        ),
        ("para\u2028graph\u2029end", "para graph end"),
        ("lone\ud800surrogate", "lonesurrogate"),
        ("\x1b]unterminated title", ""),
        ("\x1b", ""),
    ],
)
def test_escape_sequences_and_control_characters_are_removed(dirty: str, clean: str) -> None:
    assert clean_text(dirty) == clean
    print(f"{dirty!r} -> {clean_text(dirty)!r}")


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    cleaned = clean_text(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in cleaned)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in cleaned)
    assert not any(c in "\u200b\u200e\u200f\u202e\u2066\ufeff" for c in cleaned)
    for i, c in enumerate(cleaned):  # a joiner is never next to ASCII nor at an end
        if c in "\u200c\u200d":
            assert 0 < i < len(cleaned) - 1
            assert not (cleaned[i - 1].isascii() or cleaned[i + 1].isascii())
    assert len(cleaned) <= len(text)
    assert clean_text(cleaned) == cleaned  # idempotent
    cleaned.encode()  # always valid UTF-8


# --- frames --------------------------------------------------------------------------------


def test_a_command_is_cleaned_before_it_goes_anywhere() -> None:
    frame = json.dumps(
        {"command": "say", "args": ["\x1b[5mhi\x1b[0m", "a;b|c"], "command_id": "id\x1b[1m"}
    )
    parsed = parse_frame(frame, 8192)
    assert isinstance(parsed, ClientCommand)
    assert parsed.args == ["hi", "a;b|c"] and parsed.command_id == "id"


def test_a_command_name_made_only_of_controls_is_a_bad_frame() -> None:
    parsed = parse_frame(json.dumps({"command": "\x1b[0m", "command_id": "c1"}), 8192)
    assert isinstance(parsed, BadFrame) and not isinstance(parsed, FrameTooLarge)
    assert "command" in parsed.reason and parsed.command_id == "c1"


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 5000 + "]" * 5000,  # deeper than Python's recursion limit
        '{"command": "say", "args": [' + "1" * 5000 + "]}",  # int over the digit limit
        '{"command": "say", "args": ["\\ud800"], "command_id": "\\udfff"}',  # lone surrogates
        '{"command": "say", "command_id": ' + '"x"' * 1 + ', "command_id": 5}',
        '{"command": {"$gt": ""}}',
        "\ufeff{}",
        "NaN",
        "",
    ],
)
def test_odd_frames_become_bad_frames_never_exceptions(frame: str) -> None:
    parsed = parse_frame(frame, 1 << 20)
    assert isinstance(parsed, BadFrame), parsed
    if parsed.command_id is not None:
        parsed.command_id.encode()


def test_oversize_text_and_binary_frames_are_too_large() -> None:
    assert isinstance(parse_frame("x" * 300, 256), FrameTooLarge)
    assert isinstance(parse_frame("é" * 129, 256), FrameTooLarge)  # 258 bytes in UTF-8
    assert parse_frame("é" * 128, 256) is not None
    assert not isinstance(parse_frame("é" * 128, 256), FrameTooLarge)
    assert isinstance(too_large(b"\xff" * 257, 256), FrameTooLarge)
    assert too_large(b"\xff" * 256, 256) is None


# --- origins -------------------------------------------------------------------------------


def test_origins_are_compared_normalised() -> None:
    assert normalise_origin("HTTP://LocalHost:80") == "http://localhost"
    assert normalise_origin("https://game.example:443/") == "https://game.example"
    assert normalise_origin("http://[::1]:8080") == "http://[::1]:8080"
    for junk in ("null", "", "file://", "http://a/b", "http://u@h", "javascript:x", "http://h:x"):
        assert normalise_origin(junk) is None, junk


def test_origin_policy() -> None:
    policy = OriginPolicy(["http://127.0.0.1:54731", "http://localhost:54731"], same_host=True)
    allowed = [
        (None, "127.0.0.1:54731"),  # not a browser: no Origin header
        ("http://127.0.0.1:54731", "127.0.0.1:54731"),
        ("http://LOCALHOST:54731", "whatever"),
        ("http://10.0.0.5:9000", "10.0.0.5:9000"),  # served by the host it connects to
        ("https://game.example", "game.example"),
    ]
    refused = [
        ("http://evil.example", "127.0.0.1:54731"),
        ("http://127.0.0.1:54732", "127.0.0.1:54731"),  # another port is another origin
        ("https://127.0.0.1:54731", "127.0.0.2:54731"),
        ("null", "127.0.0.1:54731"),  # sandboxed iframes, file:// pages
        ("http://127.0.0.1:54731.evil.example", "127.0.0.1:54731"),
        ("http://10.0.0.5:9000", None),
    ]
    for origin, host in allowed:
        assert policy.refusal(origin, host) is None, (origin, host)
    for origin, host in refused:
        assert policy.refusal(origin, host) is not None, (origin, host)
    strict = OriginPolicy(["http://127.0.0.1:54731"], same_host=False)
    assert strict.refusal("http://10.0.0.5:9000", "10.0.0.5:9000") is not None


# --- rate limits ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=20, clock=clock)
    assert [bucket.take() for _ in range(21)] == [True] * 20 + [False]
    clock.now += 0.1
    assert bucket.take() and not bucket.take()
    clock.now += 100  # refills to the burst, never above
    assert sum(bucket.take() for _ in range(50)) == 20


def test_over_the_budget_frames_are_refused_never_dropped_and_a_flood_is_closed() -> None:
    clock = FakeClock()
    budget = FrameBudget(rate=2, burst=3, max_refused=5, clock=clock)
    verdicts = [budget.admit() for _ in range(8)]
    assert verdicts == [Verdict.RUN] * 3 + [Verdict.REFUSE] * 5
    assert budget.retry_after() == 0.5  # one token at 2 per second
    assert "slow down" in budget.refusal_reason() and "2 commands per second" in (
        budget.refusal_reason()
    )
    clock.now += 0.5
    assert budget.admit() is Verdict.RUN
    # The 6th refusal within 60 s closes; refusals older than that are forgotten.
    assert budget.admit() is Verdict.CLOSE
    assert "more than 5 refused within 60 s" in budget.close_reason()
    clock.now += 60
    assert [budget.admit() for _ in range(9)] == [Verdict.RUN] * 3 + [Verdict.REFUSE] * 5 + [
        Verdict.CLOSE
    ]


def test_refusals_spread_over_more_than_a_minute_never_close() -> None:
    clock = FakeClock()
    budget = FrameBudget(rate=2, burst=1, max_refused=500, clock=clock)
    verdicts = []
    for _ in range(1600):  # 8 frames a second for 200 s: 6 a second refused, 360 a minute
        clock.now += 0.125
        verdicts.append(budget.admit())
    assert Verdict.CLOSE not in verdicts and verdicts.count(Verdict.REFUSE) == 1200


# --- connection caps -----------------------------------------------------------------------


def test_addresses_group_ipv6_by_64() -> None:
    assert address_key("203.0.113.9") == "203.0.113.9"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert address_key(None) == "unknown"


def test_caps_count_and_give_back() -> None:
    caps = ConnectionCaps(per_address=2, per_account=1)
    caps.take_address("a")
    caps.take_address("a")
    with pytest.raises(CapReached, match="at most 2"):
        caps.take_address("a")
    caps.take_address("b")
    caps.give_address("a")
    caps.take_address("a")
    caps.take_account("p1")
    with pytest.raises(CapReached, match="account"):
        caps.take_account("p1")
    caps.give_account("p1")
    caps.take_account("p1")
    off = ConnectionCaps(per_address=0, per_account=0)
    for _ in range(1000):
        off.take_address("a")
        off.take_account("p")


# --- token expiry --------------------------------------------------------------------------


async def test_a_connection_is_closed_when_its_token_expires_unless_refreshed() -> None:
    clock = FakeClock()
    conn = Connection("c1", "p1", "Alice", limit=10, token_expires_at=clock.now + 10)
    timers: list[tuple[float, Callable[[], None]]] = []

    def call_later(seconds: float, wake: Callable[[], None]) -> asyncio.TimerHandle:
        timers.append((seconds, wake))
        return asyncio.get_running_loop().call_later(3600, lambda: None)

    def run_next_timer() -> None:
        seconds, wake = timers[-1]
        clock.now += seconds
        wake()

    watch_expiry(conn, clock=clock, call_later=call_later)
    conn.token_expires_at = clock.now + 30  # refreshed in-band meanwhile
    run_next_timer()
    assert not conn.closing
    run_next_timer()
    assert [seconds for seconds, _ in timers] == [10, 20]
    outbox = conn.socket
    assert isinstance(outbox, Outbox)
    closing = outbox.get_nowait()
    assert isinstance(closing, Close) and closing.code == CLOSE_TOKEN_EXPIRED
    assert "expired" in closing.reason
    assert conn.expiry is None


# --- log redaction -------------------------------------------------------------------------

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


@pytest.mark.parametrize("formatter", [JsonLogFormatter("edge"), TextLogFormatter("edge")])
def test_tokens_are_redacted_from_messages_arguments_and_tracebacks(
    formatter: logging.Formatter,
) -> None:
    """The edge's lines go through the contract's formatters (``configure_logging``): each
    must redact, in either format, whatever the record holds."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    logger = logging.getLogger("test.redaction")
    handler = Collect()
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "WebSocket %s" [accepted]', ("1.2.3.4", 5), f"/api/ws?token={JWT}")
        logger.warning("path /api/ws?a=1&TOKEN=%s&b=2", "secret-value")
        logger.warning("%(who)s sent %(what)s", {"who": "x", "what": JWT})
        try:
            raise ValueError(f"bad url /api/ws?token={JWT}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    print(text)
    assert JWT not in text and "secret-value" not in text
    assert "token=[redacted]" in text and "TOKEN=[redacted]&b=2" in text
    assert "x sent [redacted]" in text
    assert redact("no secrets here") == "no secrets here"
