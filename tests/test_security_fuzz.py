"""Fuzzing the WebSocket message schema, black-box on the distributed stack.

Hypothesis generates batches of malformed frames: random JSON values, commands with
wrong types, missing and extra fields, odd and huge Unicode, lone surrogates (as JSON
escapes), deep nesting, truncated JSON, and binary frames that are not UTF-8. They go
over one connection while a second, well-formed client keeps playing beside it. After
every batch a ``look`` must be answered on the fuzzing connection (so every frame before
it was read and survived), and nothing may close it: the only closes the edge makes for
input are the documented limits, kept out of reach here (frames stay under the size
limit, the command rate is set high). At the end both streams must be gapless and
every command of the well-formed client answered.

The system runs in a background event loop; Hypothesis drives it from the test thread,
so a failing batch is shrunk to a small one (on a fresh connection each time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

MAX_FRAME = 8192  # the edge's default EDGE_MAX_FRAME_BYTES
BATCHES = 250
SESSION_ENDERS = {"quit", "logout", "exit", "alias"}  # would end or rewire the fuzzing session
T = TypeVar("T")

# --- strategies ---------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)  # surrogates too
scalars = st.none() | st.booleans() | st.integers() | st.floats() | any_text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(any_text, inner, max_size=6),
    max_leaves=25,
)
astral = st.text(alphabet=st.characters(min_codepoint=0x10000), min_size=200, max_size=1500)
command_names = (
    st.sampled_from(["look", "LOOK", "/say", "say", "who", "help", "go", "ping", "auth", "?"])
    | any_text
    | json_values
)
arg_lists = (
    st.lists(any_text, max_size=8)
    | st.lists(json_values, max_size=5)
    | st.lists(st.text(max_size=2), min_size=60, max_size=70)  # more than 64 args
    | st.lists(st.text(min_size=1001, max_size=1100), max_size=2)  # an arg over 1000
    | astral.map(lambda s: [s])
    | json_values
)


@st.composite
def commands(draw: st.DrawFn) -> dict[str, Any]:
    """Objects shaped more or less like a command: fields missing, mistyped or extra."""
    message: dict[str, Any] = {}
    if draw(st.booleans()):
        message["command"] = draw(command_names)
    if draw(st.booleans()):
        message["args"] = draw(arg_lists)
    if draw(st.booleans()):
        message["command_id"] = draw(st.none() | any_text | st.text(min_size=129) | json_values)
    if draw(st.booleans()):
        message["timestamp"] = draw(json_values)
    message.update(draw(st.dictionaries(any_text, json_values, max_size=3)))
    return message


def _json(value: Any, ascii_only: bool) -> str:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        text.encode()
    except UnicodeEncodeError:  # lone surrogates cannot travel raw in a text frame: escape them
        text = json.dumps(value, ensure_ascii=True)
    return text


frames = st.one_of(
    st.tuples(json_values, st.booleans()).map(lambda v: _json(*v)),
    st.tuples(commands(), st.booleans()).map(lambda v: _json(*v)),
    st.tuples(commands(), st.integers(0, 200)).map(lambda v: _json(v[0], True)[: v[1]]),
    st.integers(1, 4000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 1600).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.text(max_size=300),  # not JSON at all (text frames are valid UTF-8 by definition)
    astral,
    st.binary(max_size=300),  # binary frames, mostly not UTF-8
    st.just(b"\xff\xfe\xfd"),
    st.just(""),
)

# --- the fuzzing run ----------------------------------------------------------------------


class LoopThread:
    """An event loop in a thread: the clients live there between Hypothesis examples."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        async def cancel_everything() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.run(cancel_everything(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@dataclass
class Run:
    base: str
    fuzzer: Any
    steady: Any
    sent: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    batches: int = 0
    reconnects: int = 0
    closes: list[str] = field(default_factory=list)
    old_fuzzers: list[Any] = field(default_factory=list)


def _skip(frame: str | bytes) -> bool:
    """Frames over the size limit (a documented close) and session-ending commands."""
    size = len(frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else frame)
    if size > MAX_FRAME:
        return True
    try:
        message = json.loads(frame)
    except (ValueError, RecursionError):
        return False
    name = message.get("command") if isinstance(message, dict) else None
    if not isinstance(name, str):
        return False
    printable = "".join(c for c in name if c.isprintable())
    return printable.strip().lower().lstrip("/") in SESSION_ENDERS


def _kind(frame: str | bytes) -> str:
    if isinstance(frame, bytes):
        return "binary"
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        return "not JSON or too deep"
    return "JSON object" if isinstance(value, dict) else "JSON non-object"


async def _batch(run: Run, batch: list[str | bytes]) -> None:
    if run.fuzzer.close_code is not None:  # a previous (failing) batch closed it
        run.old_fuzzers.append(run.fuzzer)
        run.fuzzer = type(run.fuzzer)(run.fuzzer.name, run.fuzzer.token)
        await run.fuzzer.connect(run.base)
        await run.fuzzer.event("game_state")
        run.reconnects += 1
    fuzzer = run.fuzzer
    for frame in batch:
        if _skip(frame):
            run.skipped += 1
            continue
        await fuzzer.ws.send(frame)
        run.sent[_kind(frame)] += 1
    run.batches += 1
    try:
        answer = await fuzzer.run("look")
    except (AssertionError, TimeoutError):
        reason = fuzzer.ws.close_reason if fuzzer.ws is not None else ""
        run.closes.append(f"{fuzzer.close_code} {reason!r}")
        tried = "\n  ".join(f"{_kind(f)}, {len(f)} long: {f[:100]!r}" for f in batch)
        raise AssertionError(
            f"the fuzzing connection did not survive this batch: closed {fuzzer.close_code} "
            f"({reason!r}); it had sent:\n  {tried}"
        ) from None
    assert answer["success"] is True


async def _play_steadily(player: Any, stop: asyncio.Event, latencies: list[float]) -> int:
    """The well-formed client: a command at a time, each answered, until told to stop."""
    done = 0
    while not stop.is_set():
        started = time.monotonic()
        answer = await player.run(("look", "who")[done % 2])
        assert answer["success"] is True, answer
        latencies.append(time.monotonic() - started)
        done += 1
        await asyncio.sleep(0.02)
    return done


def _gapless(player: Any) -> list[int]:
    control = {"heartbeat", "pong", "disconnect", "auth_ok"}
    numbers = [m["sequence_number"] for m in player.received if m["event_type"] not in control]
    assert numbers == list(range(1, len(numbers) + 1)), f"{player.name}: {numbers}"
    return numbers


def test_malformed_frames_never_break_the_edge(start_system: Any, players: Any) -> None:
    system = start_system(
        "distributed", EDGE_COMMANDS_PER_SECOND="1000000", EDGE_COMMAND_BURST="1000000"
    )
    loop = LoopThread()
    try:
        _fuzz(system.url, players, loop)
    finally:
        loop.stop()


def _fuzz(base: str, players: Any, loop: LoopThread) -> None:
    async def connect(prefix: str) -> Any:
        player = await players.register_and_login(base, f"{prefix}{uuid.uuid4().hex[:6]}")
        await player.connect(base)
        await player.event("game_state")
        return player

    run = Run(base, loop.run(connect("Fuzz")), loop.run(connect("Steady")))
    stop = asyncio.Event()
    latencies: list[float] = []

    async def start_steady() -> asyncio.Task[int]:
        return asyncio.create_task(_play_steadily(run.steady, stop, latencies))

    steady_task = loop.run(start_steady())

    @settings(
        max_examples=BATCHES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(st.lists(frames, min_size=8, max_size=16))
    def batch(frames: list[str | bytes]) -> None:
        loop.run(_batch(run, frames), timeout=60)

    started = time.monotonic()
    batch()
    elapsed = time.monotonic() - started

    async def finish() -> int:
        stop.set()
        return await steady_task

    steady_commands = loop.run(finish())
    total = sum(run.sent.values())
    print(
        f"fuzzed {total} malformed frames in {run.batches} batches over {elapsed:.1f}s "
        f"({dict(run.sent)}); skipped {run.skipped} (over the size limit or session-ending); "
        f"fuzzing connection reconnects: {run.reconnects}, closes: {run.closes or 'none'}"
    )
    print(
        f"beside it, the well-formed client ran {steady_commands} commands, all answered "
        f"(slowest {max(latencies):.3f}s); streams: fuzzer {len(_gapless(run.fuzzer))} and "
        f"steady {len(_gapless(run.steady))} messages, gapless"
    )
    answers = [m for m in run.fuzzer.received if m["event_type"] in ("error", "command_response")]
    pongs = [m for m in run.fuzzer.received if m["event_type"] == "pong"]
    print(
        f"the fuzzing connection got {len(answers)} answers (errors and command responses) "
        f"and {len(pongs)} pongs for {total} frames and {run.batches} looks"
    )
    assert len(answers) + len(pongs) == total + run.batches, "every frame is answered once"
    assert total >= 2000, "too few frames to call this a fuzz run"
    assert run.reconnects == 0 and run.closes == []
    assert steady_commands > 0
    loop.run(run.fuzzer.close())
    loop.run(run.steady.close())
