"""Micro-benchmark of the game's own cost per ``say``, in one process, no network.

The game service as it runs (its command inbox, dispatcher, sequencer, journal and
publisher) on the in-process bus, with a journal in memory (``--no-journal``: none).
``--rooms`` rooms of ``--room-size`` players; each ``say`` is sent as an edge sends
it, and the benchmark waits until every room's event has been published. Persistence
is played by a stand-in that answers at once and keeps nothing, and the edges by a
queue that only counts: what is measured is the game, the in-process bus and the
stand-ins' small share. Prints the best of ``--repeats`` runs, in µs of this process's
CPU time per say (``time.process_time``: time waiting for a busy core is not counted).

    uv run python -m mythos_bench.game_say [--says 4000] [--room-size 10] [--profile]

``--gc`` times every garbage collection during the says instead (as the services'
``mythos_gc_pause_seconds`` does) and prints the longest per generation; with
``--batch`` the says go ``--batch`` at a time, each batch's events awaited, so the heap
holds what the game keeps (histories, answers, handled ids) rather than a backlog. What
1,000 say/s leaves after 120 s (1,000 players, every player's 120 s history):

    uv run python -m mythos_bench.game_say --rooms 100 --says 120000 --repeats 1 --batch 20 --gc
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import logging
import pstats
import time
import uuid

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand, RoomBound
from mythos_contracts.persistence import (
    CharacterNamesReply,
    ChatHistoryReply,
    FenceHandled,
    HandoffReply,
    LoadFloorItemsReply,
    LoadPlayerReply,
    LoadPlayerRequest,
    RaiseTermRequest,
    SaveFence,
    TermRaised,
)
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    EVENTS_EXCHANGE,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    PLAYER_KEYS,
    RAISE_TERM_KEY,
    ROOM_KEYS,
    SAVE_FENCE_KEY,
    command_key,
    load_request_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

EDGE_QUEUE = "bench.edge"
ANSWERS_QUEUE = "bench.answers"


class GcPauses:
    """Every collection's pause, by generation: wall-clock time (what the event loop
    waited) and this thread's CPU time (the collection's own work, without the time a
    busy machine kept the process off the core)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[tuple[float, float]]] = {0: [], 1: [], 2: []}
        self._started = (0.0, 0.0)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._time)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._time)

    def _time(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time())
        else:
            wall, cpu = self._started
            pause = (time.perf_counter() - wall, time.thread_time() - cpu)
            self.pauses[info["generation"]].append(pause)

    def report(self) -> str:
        lines = []
        for generation, pauses in self.pauses.items():
            wall = max((w for w, _ in pauses), default=0.0) * 1e3
            cpu = max((c for _, c in pauses), default=0.0) * 1e3
            over = sum(w > 0.02 for w, _ in pauses)
            spent = sum(c for _, c in pauses) * 1e3
            lines.append(
                f"gen {generation}: {len(pauses)} collections, longest {wall:.1f} ms "
                f"({cpu:.1f} ms of CPU), {over} over 20 ms, {spent:.0f} ms of CPU in all"
            )
        return "\n".join(lines)


_SAID = b'"event_type":"chat_message"'
_ANSWERED = b'"event_type":"command_response"'


class StandIns:
    """Persistence answering at once, and an edge that counts room events."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.events = 0
        self.answers = 0
        self.changed = asyncio.Event()

    async def start(self) -> None:
        await self.bus.connect()
        await self.bus.declare_queue(EDGE_QUEUE, exclusive=True, dead_letter=False)
        await self.bus.bind(EDGE_QUEUE, EVENTS_EXCHANGE, f"{ROOM_KEYS}.#")
        await self.bus.consume(EDGE_QUEUE, self._event, prefetch=1000)
        await self.bus.declare_queue(ANSWERS_QUEUE, exclusive=True, dead_letter=False)
        answers = f"{PLAYER_KEYS}.*.command_response"
        await self.bus.bind(ANSWERS_QUEUE, EVENTS_EXCHANGE, answers)
        await self.bus.consume(ANSWERS_QUEUE, self._answer, prefetch=1000)
        await self.bus.consume(PERSISTENCE_REQUESTS_QUEUE, self._request)
        await self.bus.consume(PERSISTENCE_SAVES_QUEUE, self._saved)

    # A delivery carries every envelope of a game's turn (the game's EventCarriers), so
    # what arrived is counted in it: each say is one room chat_message, each answer one
    # command_response (an unescaped quote is never inside a JSON string: keys only).
    async def _event(self, delivery: Delivery) -> None:
        self.events += delivery.body.count(_SAID)
        self.changed.set()

    async def _answer(self, delivery: Delivery) -> None:
        self.answers += delivery.body.count(_ANSWERED)
        self.changed.set()

    async def _saved(self, delivery: Delivery) -> None:
        if delivery.routing_key == SAVE_FENCE_KEY:
            fence = SaveFence.model_validate_json(delivery.body)
            await self._reply(delivery, FenceHandled(fence_id=fence.fence_id))

    async def _request(self, delivery: Delivery) -> None:
        key = delivery.routing_key
        if key == load_request_key("chat_history"):
            await self._reply(delivery, ChatHistoryReply(lines=[]))
        elif key == load_request_key("character_names"):
            await self._reply(delivery, CharacterNamesReply(names=[]))
        elif key == LOAD_FLOOR_ITEMS_KEY:
            await self._reply(delivery, LoadFloorItemsReply(items=[]))
        elif key == load_request_key("take_handoff"):
            await self._reply(delivery, HandoffReply(streams=[]))
        elif key == RAISE_TERM_KEY:
            shard = RaiseTermRequest.model_validate_json(delivery.body).shard
            await self._reply(delivery, TermRaised(shard=shard, term=1))
        elif key == load_request_key("load_player"):
            request = LoadPlayerRequest.model_validate_json(delivery.body)
            reply = LoadPlayerReply(
                player_id=request.player_id,
                name=request.name,
                room_id=None,
                version=0,
                items=[],
                characters=[],
                active_character_id=None,
            )
            await self._reply(delivery, reply)

    async def _reply(self, delivery: Delivery, message: object) -> None:
        body = message.model_dump_json().encode()  # type: ignore[attr-defined]
        await self.bus.reply(delivery, body)

    async def wait_for_events(self, count: int) -> None:
        async with asyncio.timeout(60):
            while self.events < count:
                self.changed.clear()
                await self.changed.wait()

    async def wait_for_answers(self, count: int) -> None:
        async with asyncio.timeout(120):
            while self.answers < count:
                self.changed.clear()
                await self.changed.wait()


def _command(pid: str, command: str, *args: str) -> bytes:
    message = PlayerCommand(
        player_id=pid,
        player_name=pid.title(),
        connection_id=f"c-{pid}",
        edge_id="edge-1",
        command=command,
        args=list(args),
        command_id=uuid.uuid4().hex,
        delivery_id=uuid.uuid4().hex,
    )
    return message.model_dump_json().encode()


async def _run(args: argparse.Namespace) -> list[float]:
    broker = InMemoryBroker()
    stand_ins = StandIns(InMemoryBus(broker))
    await stand_ins.start()
    game_bus = InMemoryBus(broker)
    await game_bus.connect()
    # The world's two settings are read by their environment names only.
    world = {"GAME_WORLD": "bench", "GAME_BENCH_ROOMS": args.rooms}
    settings = GameSettings(edge_sync_seconds=0, tick_seconds=3600.0, **world)
    journal = None if args.no_journal else MemoryJournal()
    game = GameService(settings, game_bus, journal)
    await game.start()
    gc.freeze()  # as the service's lifecycle does once started (mythos_contracts.runtime)
    edge = stand_ins.bus
    rooms = [f"bench-{n}" for n in range(args.rooms)]
    speakers: list[str] = []
    for k in range(args.rooms * args.room_size):
        pid = f"p{k}"  # placed round-robin: room k % rooms
        await edge.publish(
            COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), _command(pid, "look")
        )
        bound = RoomBound(
            player_id=pid,
            player_name=pid.title(),
            connection_id=f"c-{pid}",
            edge_id="edge-1",
            room_id=rooms[k % args.rooms],
        )
        await edge.publish(
            COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), bound.model_dump_json().encode()
        )
        speakers.append(pid)
    await stand_ins.wait_for_answers(len(speakers))  # every player adopted, looked
    await asyncio.sleep(0.5)  # and their rooms bound
    print(f"{len(speakers)} players joined in {len(rooms)} rooms")
    results: list[float] = []
    profile = cProfile.Profile() if args.profile else None
    pauses = GcPauses()
    timing: contextlib.AbstractContextManager[object] = (
        pauses if args.gc else contextlib.nullcontext()
    )
    for _ in range(args.repeats):
        # Written before the clock starts: what an edge spends writing them is not the game's.
        says = [
            (pid, _command(pid, "say", "the stars are right tonight"))
            for pid in (speakers[n % len(speakers)] for n in range(args.says))
        ]
        gc.collect()
        before = stand_ins.events
        started = time.process_time()
        if profile is not None:
            profile.enable()
        with timing:
            batch = args.batch or len(says)
            for start in range(0, len(says), batch):
                for pid, body in says[start : start + batch]:
                    await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), body)
                if args.batch:
                    await stand_ins.wait_for_events(before + min(start + batch, len(says)))
            await stand_ins.wait_for_events(before + args.says)
        if profile is not None:
            profile.disable()
        results.append((time.process_time() - started) / args.says * 1e6)
    if args.gc:
        print(f"objects the collector tracks at the end: {len(gc.get_objects())}")
        print(pauses.report())
    await game.stop()
    await game_bus.close()
    await edge.close()
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--says", type=int, default=4000)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-journal", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the says")
    parser.add_argument(
        "--batch", type=int, default=0, help="says sent at a time, each batch awaited (0: all)"
    )
    parser.add_argument("--gc", action="store_true", help="time every collection during the says")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = asyncio.run(_run(args))
    journal = "off" if args.no_journal else "on (in memory)"
    print(
        f"game CPU per say, room of {args.room_size}, journal {journal}: "
        f"best {min(results):.1f} µs, runs {', '.join(f'{r:.1f}' for r in results)}"
    )


if __name__ == "__main__":
    main()
