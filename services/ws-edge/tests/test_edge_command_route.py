"""The edge's route per connection (docs/design/shards.md §4, "Routing at the edge"):
lobby first, then the shard that stamped the newest envelope, switching only once every
input sent to the old shard is answered or stale."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.routing import DEFAULT_SHARD, LOBBY_SHARD
from mythos_edge.service_layer.command_route import STALE_AFTER_SECONDS, CommandRoute


def test_inputs_go_to_the_lobby_until_an_envelope_names_a_shard() -> None:
    route = CommandRoute()
    assert route.send("d1", now=0.0) == LOBBY_SHARD
    assert route.send(None, now=0.1) == LOBBY_SHARD
    route.accepted(None, 1, now=0.2)  # a game older than shards says nothing
    assert route.send("d2", now=0.3) == LOBBY_SHARD


def test_the_switch_waits_for_every_answer_from_the_old_shard() -> None:
    route = CommandRoute()
    route.send("d1", now=0.0)
    route.send("d2", now=0.0)
    route.accepted(DEFAULT_SHARD, 1, now=0.1)  # s1 numbered the player: the target
    assert route.switching and route.target == DEFAULT_SHARD
    assert route.send("d3", now=0.2) == LOBBY_SHARD  # still: d1, d2 unanswered
    route.answered("d1", now=0.3)
    route.answered("d2", now=0.3)
    assert route.send("d4", now=0.4) == LOBBY_SHARD  # d3 went there too
    route.answered("d3", now=0.5)
    assert route.switching  # d4 too
    route.answered("d4", now=0.5)
    assert not route.switching
    assert route.send("d5", now=0.6) == DEFAULT_SHARD


def test_with_nothing_in_flight_the_route_follows_at_once() -> None:
    route = CommandRoute()
    route.send(None, now=0.0)  # a session open: answered by nothing, waited for by nothing
    route.accepted(DEFAULT_SHARD, 1, now=0.1)
    assert route.route == DEFAULT_SHARD
    route.send("d1", now=0.2)
    route.accepted("s2", 2, now=0.3)
    assert route.send("d2", now=0.4) == DEFAULT_SHARD
    route.answered("d1", now=0.5)
    route.answered("d2", now=0.5)
    assert route.send("d3", now=0.6) == "s2"


def test_the_highest_number_names_the_target_and_a_tie_goes_to_the_later() -> None:
    route = CommandRoute()
    route.accepted("s2", 5, now=0.0)
    route.accepted(DEFAULT_SHARD, 4, now=0.0)  # older: the old shard's late message
    assert route.target == "s2"
    route.accepted(DEFAULT_SHARD, 5, now=0.0)  # a heartbeat with the same number
    assert route.target == DEFAULT_SHARD
    route.new_stream()  # a new epoch numbers from 1 again
    route.accepted("s2", 1, now=0.0)
    assert route.target == "s2"


def test_an_input_never_answered_holds_the_switch_only_until_it_is_stale() -> None:
    route = CommandRoute()
    route.send("lost", now=0.0)
    route.accepted(DEFAULT_SHARD, 1, now=1.0)
    assert route.send(None, now=STALE_AFTER_SECONDS - 0.01) == LOBBY_SHARD
    assert route.waiting(now=STALE_AFTER_SECONDS - 0.01) == 1
    assert route.send(None, now=STALE_AFTER_SECONDS) == DEFAULT_SHARD
    assert route.waiting(now=STALE_AFTER_SECONDS) == 0
    route.answered("lost", now=STALE_AFTER_SECONDS + 1)  # late: changes nothing
    assert route.route == DEFAULT_SHARD


def test_going_back_to_the_route_cancels_the_switch() -> None:
    route = CommandRoute()
    route.accepted(DEFAULT_SHARD, 1, now=0.0)
    route.send("d1", now=0.0)
    route.accepted("s2", 2, now=0.1)
    assert route.switching
    route.accepted(DEFAULT_SHARD, 3, now=0.2)  # back before anything was answered
    assert not route.switching
    assert route.send("d2", now=0.3) == DEFAULT_SHARD


def test_answers_clear_what_they_answer_and_stale_entries_are_forgotten() -> None:
    route = CommandRoute(stale_after=10.0)
    for n in range(1000):
        route.send(f"d{n}", now=float(n) / 100)  # 10 s of inputs nobody answers
    assert route.waiting(now=10.0) == 1000 - 1  # d0 is 10 s old
    assert route.waiting(now=25.0) == 0
    route.answered("d999", now=25.0)  # forgotten already: a no-op


# --- any interleaving ------------------------------------------------------------


@dataclass
class _Sent:
    delivery_id: str | None
    shard: str
    at: float


@dataclass
class _World:
    """What the edge did, to check the one promise: nothing goes to a shard while an
    earlier answered-type input to another shard is unanswered and fresh."""

    route: CommandRoute = field(default_factory=lambda: CommandRoute(stale_after=5.0))
    now: float = 0.0
    seq: int = 0
    sent: list[_Sent] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)

    def check_send(self, delivery_id: str | None) -> None:
        shard = self.route.send(delivery_id, self.now)
        for earlier in self.sent:
            if earlier.shard == shard or earlier.delivery_id is None:
                continue
            assert earlier.delivery_id in self.answered or self.now - earlier.at >= 5.0, (
                f"{delivery_id} went to {shard} before {earlier} was answered"
            )
        self.sent.append(_Sent(delivery_id, shard, self.now))


_SHARDS = st.sampled_from([DEFAULT_SHARD, "s2", "s3"])
_STEP = st.one_of(
    st.tuples(st.just("command"), st.booleans()),  # True: it gets an answer some day
    st.tuples(st.just("envelope"), _SHARDS),
    st.tuples(st.just("answer"), st.integers(0, 50)),  # the n-th unanswered, if any
    st.tuples(st.just("wait"), st.floats(0.0, 3.0)),
    st.tuples(st.just("new_stream"), _SHARDS),
)


@settings(max_examples=400)
@given(steps=st.lists(_STEP, max_size=80))
def test_no_input_overtakes_an_unanswered_one_in_any_interleaving(
    steps: list[tuple[str, object]],
) -> None:
    world = _World()
    for n, (kind, value) in enumerate(steps):
        if kind == "command":
            world.check_send(f"d{n}" if value else None)
        elif kind == "envelope":
            world.seq += 1
            world.route.accepted(str(value), world.seq, world.now)
        elif kind == "answer":
            waiting = [
                s.delivery_id
                for s in world.sent
                if s.delivery_id is not None and s.delivery_id not in world.answered
            ]
            if waiting:
                answered = waiting[int(str(value)) % len(waiting)]
                world.answered.add(answered)
                world.route.answered(answered, world.now)
        elif kind == "wait":
            world.now += float(str(value))
        else:
            world.seq = 1
            world.route.new_stream()
            world.route.accepted(str(value), world.seq, world.now)
    # And it does switch: once everything is answered, the target is the route.
    for s in world.sent:
        if s.delivery_id is not None:
            world.answered.add(s.delivery_id)
            world.route.answered(s.delivery_id, world.now)
    world.check_send(None)
    assert world.route.route == world.route.target
