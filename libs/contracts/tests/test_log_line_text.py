"""The JSON line is written by msgspec, its ``ts`` from a per-second cache and its secrets
found by a scan of the lowered text, for cost: each must give, character for character,
what ``json.dumps``, ``datetime.isoformat`` and the case-blind patterns gave."""

from __future__ import annotations

import enum
import json
import logging
import math
import random
import re
import struct
import sys
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from mythos_contracts.ops import log_lines
from mythos_contracts.ops.log_lines import (
    MAX_TRACEBACK_CHARS,
    JsonLogFormatter,
    log_context,
    redact,
    redact_clipped,
)


def _reference_line(service: str, record: logging.LogRecord) -> str:
    """The line as ``json.dumps`` and ``datetime`` write it: the formatter's text before
    msgspec and the timestamp cache."""
    line: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "service": service,
        "logger": record.name,
        "msg": redact_clipped(record.getMessage()),
    }
    line.update(log_lines.current_log_context())
    for key, value in vars(record).items():
        if key not in log_lines._RECORD_FIELDS and key not in line:
            line[key] = log_lines._clean(key, value)
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        line["exc"] = redact_clipped(text, MAX_TRACEBACK_CHARS, keep_end=True)
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class Speed(enum.IntEnum):
    FAST = 3


class Outcome(enum.StrEnum):
    OK = "ok"


class Scale(float, enum.Enum):
    HUGE = 1e20
    SMALL = 0.5


class Count(int):
    pass


class Name(str):
    __slots__ = ()


# Characters json escapes or writes raw, several widths of UTF-8, and lone surrogates.
_CHARS = [*"aZ09 -_./:=@é€中", '"', "\\", "\x00", "\x1f", "\x7f", "\n", "\t", "\u2028"]
_CHARS += ["\U0001f600", "\ud800", "\udfff"]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12)))


def _float(rng: random.Random) -> float:
    shape = rng.randrange(4)
    if shape == 0:  # any double: NaN, infinities, subnormals, exponents
        return float(struct.unpack("d", rng.getrandbits(64).to_bytes(8, "little"))[0])
    if shape == 1:
        return rng.choice([0.0, -0.0, 1e-4, 1e16, 9999999999999998.0, 1e-5, math.inf])
    return rng.choice([1, -1]) * 10 ** rng.uniform(-8, 20)


def _value(rng: random.Random) -> object:
    makers = [
        lambda: _text(rng),
        lambda: rng.randint(-(2**70), 2**70),
        lambda: rng.choice([rng.randint(-5, 5), 10**400, -(2**64)]),
        lambda: rng.choice([True, False, None]),
        lambda: _float(rng),
        lambda: _float(rng),
        lambda: rng.choice([Speed.FAST, Outcome.OK, Scale.HUGE, Scale.SMALL]),
        lambda: rng.choice([Count(7), Name("n"), Name("eyJ\ud800")]),
        lambda: rng.choice([[1, "a"], {"k": 1.5}, b"x", object]),
    ]
    return rng.choice(makers)()


_FIELDS = ["command", "outcome", "duration_ms", "n", "ts", "level", "player_id", "token"]


def _created(rng: random.Random) -> float:
    second = rng.randint(0, 4_000_000_000)
    # Just below a millisecond or a second, where rounding to the microsecond carries.
    edge = rng.choice([0.9999995, 0.9999994, 0.0009995, 0.0005, 0.9995, 0.1234565, 0.0])
    return rng.choice([second + rng.random(), second + edge, rng.uniform(0, 2e9)])


def test_every_line_is_the_text_json_dumps_and_isoformat_would_write() -> None:
    rng = random.Random(15)
    formatter = JsonLogFormatter("game")
    for _ in range(6000):
        record = logging.LogRecord("g.x", logging.INFO, __file__, 1, _text(rng), None, None)
        record.created = _created(rng)
        for key in rng.sample(_FIELDS, rng.randint(0, 4)):
            setattr(record, key, _value(rng))
        ids = {f"id{i}": _text(rng) for i in range(rng.randint(0, 3))}
        if rng.random() < 0.1:
            ids["odd_id"] = _value(rng)  # typed str; a caller may still pass anything
        with log_context(**ids):  # type: ignore[arg-type]
            try:
                expected = _reference_line("game", record)
            except TypeError:  # json refuses an id it cannot write (bytes): so must it
                with pytest.raises(TypeError):
                    formatter.format(record)
                continue
            assert formatter.format(record) == expected, vars(record)


def test_a_line_with_a_traceback_is_the_same_text_too() -> None:
    try:
        raise ValueError('bad "quote" \\ and token=abc é')
    except ValueError:
        record = logging.LogRecord("g", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    record.duration_ms = 0.25
    assert JsonLogFormatter("edge").format(record) == _reference_line("edge", record)


def test_the_timestamp_is_the_isoformat_text_at_every_rounding_edge() -> None:
    formatter = JsonLogFormatter("game")
    rng = random.Random(16)
    stamps = [rng.uniform(0, 4e9) for _ in range(20_000)]
    for second in [0, 1, 59, 1_764_999_999, 1_765_000_000, 4_102_444_799]:
        for fraction in [0.0, 0.0004995, 0.0005, 0.9994999, 0.9995, 0.9999994, 0.9999995]:
            stamps += [second + fraction, math.nextafter(second + fraction, math.inf)]
    stamps += [-1.5, -0.0000004, -0.9999996]  # before 1970: fromtimestamp rounds up
    for created in stamps:
        expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        assert formatter._timestamp(created) == expected, repr(created)


def test_msgspec_writes_every_character_as_json_does_but_a_lone_surrogate() -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert msgspec.json.encode(every).decode() == json.dumps(every, ensure_ascii=False)


def test_what_the_patterns_find_case_blind_lowers_to_the_letters_the_scan_looks_for() -> None:
    """The fast path looks for ``eyj`` and ``bearer`` in the lowered text: every character
    the patterns' case-blind matching takes for one of their letters must lower to it."""
    any_letter = re.compile("[abejry]", re.IGNORECASE)
    taken = [chr(c) for c in range(sys.maxunicode + 1) if any_letter.fullmatch(chr(c))]
    assert len(taken) >= 12  # both cases of each letter, at least
    for char in taken:
        for letter in "abejry":
            if re.fullmatch(letter, char, re.IGNORECASE):
                assert char.lower() == letter, (letter, hex(ord(char)))


def test_the_scan_finds_a_secret_in_any_case_and_skips_plain_text() -> None:
    for text in ["TOKEN=x", "AMQP://u:p@h", "EYJ", "eYj.a.b", "BeArEr x", "x=y"]:
        assert log_lines._substitute(text) == redact(text)
        assert any(mark in text.lower() for mark in log_lines._SECRET_MARKS)
    # Dotted capital I, Kelvin sign, long s, full-width eyJ: nothing to redact.
    odd = "\u0130stanbul \u212a \u017f \uff45\uff59\uff2a"
    assert redact(odd) == odd
