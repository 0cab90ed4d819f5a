"""What the game keeps per player for minutes (the stream's history, the answers to
recent commands, the handled delivery ids) is held where the garbage collector never
looks, so a full collection costs the same however much is kept: counted here as the
objects a collection would visit, never timed."""

from __future__ import annotations

import gc
import sys

import pytest
from mythos_contracts.events import CommandResponseData
from mythos_game.service_layer.handled_inputs import HandledInputs
from mythos_game.service_layer.links import RECENT_COMMANDS_KEPT, Link
from mythos_game.service_layer.stream_history import History


def visits(container: object) -> int:
    """How many objects a full collection reads through ``container``: the referents of
    every tracked object reachable from it (an untracked object is read, never looked
    into; types are left out: one each, whatever is kept)."""
    reads, seen, todo = 0, {id(container)}, [container]
    while todo:
        obj = todo.pop()
        if not gc.is_tracked(obj):
            continue
        for referent in gc.get_referents(obj):
            if isinstance(referent, type):
                continue
            reads += 1
            if id(referent) not in seen:
                seen.add(id(referent))
                todo.append(referent)
    return reads


def test_a_history_keeps_order_drops_from_the_front_and_compacts() -> None:
    history = History()
    for seq in range(1, 1001):
        history.append(seq, float(seq), "chat_message", b"m%d" % seq)
    for _ in range(900):
        history.popleft()
    assert len(history) == 100 and history.first_seq() == 901 and history.first_time() == 901.0
    assert [e[0] for e in history] == list(range(901, 1001))
    assert history.after(998) == [(999, "chat_message", b"m999"), (1000, "chat_message", b"m1000")]
    history.append(1001, 1001.0, "game_state", b"last")
    assert list(history)[-1] == (1001, 1001.0, "game_state", b"last")
    for _ in range(101):
        history.popleft()
    assert not history and len(history) == 0
    with pytest.raises(IndexError):
        history.first_seq()


def test_a_full_history_gives_the_collector_one_read_per_chunk_of_bodies() -> None:
    small = History((seq, 0.0, "chat_message", b"x" * 40) for seq in range(10))
    full = History((seq, 0.0, "chat_message", b"x" * 40) for seq in range(5000))
    gc.collect()
    assert visits(small) < 10
    # A deque of entries: 5,000 reads and more; a tuple of bodies per 32 entries: 156.
    assert visits(full) - visits(small) <= 5000 // 32


def _held(history: History) -> list[object]:
    """Every object reachable from ``history`` but the types and the bodies' bytes."""
    held, todo, seen = [], [history], {id(history)}
    while todo:
        for referent in gc.get_referents(todo.pop()):
            if isinstance(referent, type) or id(referent) in seen:
                continue
            seen.add(id(referent))
            if not isinstance(referent, bytes):
                held.append(referent)
                todo.append(referent)
    return held


def test_a_churning_history_costs_arrays_and_chunks_not_a_dict() -> None:
    # 600 entries: a player's last 120 s at 500 say/s in rooms of 10. A dict of bodies
    # keyed by position (about 100 bytes an entry, three times its entries once it
    # churns) is what this replaced.
    history = History()
    kinds = ("chat_message", "command_response", "room_update")
    for seq in range(1, 4 * 600 + 1):
        history.append(seq, float(seq), kinds[seq % 3], b"body %d" % seq)
        if len(history) > 600:
            history.popleft()
    held = _held(history)
    (filling,) = [o for o in held if isinstance(o, dict)]  # the newest chunk only
    assert len(filling) < 32 and not gc.is_tracked(filling)
    bytes_held = sum(sys.getsizeof(o) for o in held)
    assert bytes_held < 32 * 1024, bytes_held  # the dict alone was 37 KB, its int keys 17
    assert [kind for _, _, kind, _ in history][:3] == [kinds[1801 % 3], kinds[1802 % 3], kinds[0]]
    assert [body for _, _, _, body in history][-1] == b"body 2400"


@pytest.mark.parametrize("kept", [0, 1, 31, 32, 33, 100])
def test_dropped_bodies_are_freed_but_for_the_rest_of_their_chunk(kept: int) -> None:
    history = History()
    for seq in range(1, 1001):
        history.append(seq, float(seq), "chat_message", b"m%d" % seq)
        while len(history) > kept:
            history.popleft()
    bodies = [o for o in gc.get_referents(*_held(history)) if isinstance(o, bytes)]
    assert len(bodies) - kept < 32
    assert [body for _, _, _, body in history] == [b"m%d" % s for s in range(1001 - kept, 1001)]


def test_answers_to_recent_commands_are_bytes_in_an_untracked_dict() -> None:
    link = Link(connection_id="c-1")
    for n in range(RECENT_COMMANDS_KEPT + 10):
        response = CommandResponseData(
            command="say", command_id=f"c{n}", success=n % 2 == 0, result=f"You say: {n}"
        )
        link.remember(f"c{n}", response)
    gc.collect()
    assert not gc.is_tracked(link.recent_commands)
    assert len(link.recent_commands) == RECENT_COMMANDS_KEPT
    assert link.answer("c9") is None  # the oldest ten are forgotten
    again = link.answer("c11")
    assert again == CommandResponseData(
        command="say", command_id="c11", success=False, result="You say: 11"
    )
    refused = CommandResponseData(
        command="say", command_id="r", success=False, result="slow down", retry_after=1.5
    )
    link.remember("r", refused)
    assert link.answer("r") == refused
    answered = link.answered()
    assert list(answered)[-1] == "r" and answered["c11"] == again
    other = Link(connection_id="c-2")
    other.take_answers(answered)
    assert other.recent_commands == link.recent_commands


def test_answers_kept_for_thousands_of_commands_stay_in_the_table_they_first_filled() -> None:
    link = Link(connection_id="c-1")
    for n in range(RECENT_COMMANDS_KEPT):
        link.remember_json(f"{n:032x}", b'{"result":"You say: %d"}' % n)
    first_filled = sys.getsizeof(link.recent_commands)
    for n in range(RECENT_COMMANDS_KEPT, 5000):
        link.remember_json(f"{n:032x}", b'{"result":"You say: %d"}' % n)
        # One dict dropping its oldest as it takes a new one was resized to three times
        # what it held once its table was full of dropped slots (6.6 -> 13.1 KB).
        assert sys.getsizeof(link.recent_commands) == first_filled, n
    assert list(link.recent_commands) == [
        f"{n:032x}" for n in range(5000 - RECENT_COMMANDS_KEPT, 5000)
    ]
    assert not gc.is_tracked(link.recent_commands)


def test_handled_ids_are_in_untracked_dicts_and_keep_their_order() -> None:
    handled = HandledInputs(window_seconds=10, kept=3)
    for n, delivery_id in enumerate(["a", "b", "c"]):
        handled.add(delivery_id, now=float(n))
    handled.add("a", now=3.0)  # added again: now the newest
    handled.add("d", now=4.0)  # past the bound: the oldest, b, goes
    assert [handled.seen(i, now=4.0) for i in "abcd"] == [True, False, True, True]
    handled.add("e", now=12.5)  # c (2.0) and the window's older ids go; a (3.0) stays
    assert [handled.seen(i, now=12.5) for i in "acde"] == [True, False, True, True]
    assert len(handled) == 3
    few, many = HandledInputs(), HandledInputs()
    for n in range(5000):
        many.add(f"x{n}", now=20.0)
    few.add("x", now=20.0)
    gc.collect()
    assert visits(many) == visits(few) < 20  # three dicts of strings and numbers: untracked
