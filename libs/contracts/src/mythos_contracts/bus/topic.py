"""AMQP topic matching, for the in-process bus."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def _split(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("."))


def topic_matches(pattern: str, routing_key: str) -> bool:
    """True when ``routing_key`` matches ``pattern`` (``*`` one word, ``#`` zero or more)."""
    return _match(_split(pattern), tuple(routing_key.split(".")))


def _match(pat: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pat:
        return not words
    head, rest = pat[0], pat[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
