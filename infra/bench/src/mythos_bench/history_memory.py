"""The game's histories alone, in one process: what they cost in RSS as they fill and
then churn. Players in rooms; each ``say`` is numbered and recorded for its room as the
game does (``Sequencer.next_all`` and ``record_all``, the game's default
``HistoryLimits``), on a simulated clock, so ``--minutes`` of play take seconds. Prints
the RSS after each simulated minute (after a full collection) and the CPU so far.

    uv run python -m mythos_bench.history_memory [--players 1000] [--rate 500] [--minutes 10]

The soak's question, without the rest of the game: from minute 2 (the 120 s windows
full) to the end, does the RSS stay flat?
"""

from __future__ import annotations

import argparse
import gc
import time

from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer

BODY_PADDING = b"x" * 280
"""A say's envelope is about 330 bytes."""


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


def run(players: int, room_size: int, rate: int, minutes: int) -> list[float]:
    clock = [0.0]
    sequencer = Sequencer(HistoryLimits(), clock=lambda: clock[0])
    ids = [f"p{n:05d}" for n in range(players)]
    for player_id in ids:
        sequencer.open(player_id, f"c-{player_id}")
    rooms = [ids[i : i + room_size] for i in range(0, players, room_size)]
    start_rss, start_cpu, said = rss_mb(), time.process_time(), 0
    curve: list[float] = []
    for minute in range(1, minutes + 1):
        for _ in range(60 * rate):
            clock[0] += 1 / rate
            room = rooms[said % len(rooms)]
            said += 1
            body = b'{"event_type":"chat_message","data":{"message":"%d"}' % said + BODY_PADDING
            sequencer.record_all(sequencer.next_all(room), "chat_message", body)
        gc.collect()
        now = rss_mb()
        curve.append(now)
        cpu = time.process_time() - start_cpu
        print(f"minute {minute}: RSS {now:.1f} MB (+{now - start_rss:.1f}), CPU {cpu:.1f} s")
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--rate", type=int, default=500, help="says per simulated second")
    parser.add_argument("--minutes", type=int, default=10)
    args = parser.parse_args()
    curve = run(args.players, args.room_size, args.rate, args.minutes)
    if len(curve) >= 2:
        second, last = curve[1], curve[-1]
        print(f"minute 2 -> {len(curve)}: {(last - second) / second * 100:+.1f} % RSS")


if __name__ == "__main__":
    main()
