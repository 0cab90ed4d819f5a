"""``History.trim`` forgets exactly what the sequencer's limits forgot one ``popleft`` at a
time: the entries kept, their order and their positions (compaction included)."""

from __future__ import annotations

import random

import pytest
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.stream_history import History


def _trimmed_one_by_one(
    history: History, now: float, messages: int, seconds: float, hard_cap: int
) -> None:
    """The limits as ``Sequencer.record_all`` applied them before ``trim``."""
    while len(history) > hard_cap or (
        len(history) > messages and now - history.first_time() > seconds
    ):
        history.popleft()


@pytest.mark.parametrize("seed", range(8))
def test_trim_keeps_what_popping_one_by_one_keeps(seed: int) -> None:
    rng = random.Random(seed)
    messages, seconds, hard_cap = rng.randint(0, 40), rng.uniform(0, 30), rng.randint(40, 90)
    fast, slow = History(), History()
    now = 0.0
    for seq in range(1, 600):
        now += rng.choice((0.0, 0.1, 0.5, 2.0, 7.0))
        body = b"%d" % seq
        for history in (fast, slow):
            history.append(seq, now, "chat_message", body)
        fast.trim(now, messages, seconds, hard_cap)
        _trimmed_one_by_one(slow, now, messages, seconds, hard_cap)
        assert len(fast) == len(slow)
        if seq % 37 == 0:
            assert list(fast) == list(slow)
            assert fast.after(seq - 5) == slow.after(seq - 5)
    assert list(fast) == list(slow)


def test_the_sequencer_keeps_the_last_messages_or_the_recent_ones_up_to_the_cap() -> None:
    clock = [100.0]
    sequencer = Sequencer(
        HistoryLimits(messages=3, seconds=10.0, hard_cap=6), clock=lambda: clock[0]
    )
    sequencer.open("a", "c-a")
    for n in range(1, 9):  # 8 messages a second apart: all recent, the cap keeps 6
        clock[0] += 1
        sequencer.record("a", sequencer.next("a"), "chat_message", b"%d" % n)
    stream = sequencer.get("a")
    assert stream is not None
    assert [seq for seq, _, _, _ in stream.history] == [3, 4, 5, 6, 7, 8]
    clock[0] += 30  # all old now: the last three stay
    sequencer.record("a", sequencer.next("a"), "chat_message", b"9")
    assert [seq for seq, _, _, _ in stream.history] == [7, 8, 9]
