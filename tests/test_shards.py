"""Two shards, two edges, black-box (docs/design/shards.md §12): the world split by
services/game/world/shards.2.json (downtown in s1, the university in s2), one game per
shard (``MYTHOS_GAMES=2``), players spread over two edges by the front door. The first
three tests share one such system (a two-shard start is the slowest part of each): each
has its own players, and none asserts what another could have left behind.

Independence Square (downtown, s1) has the Miskatonic quad (s2) to its north: walking
north crosses the boundary."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from stream_client import StreamClient
from test_gameplay_support import grant_admin, join

START_ROOM = "independence-square"  # shard s1
NORTH_ROOM = "miskatonic-quad"  # shard s2


# As tests/test_delivery_guarantees.py: heartbeats every second, a grace of 4 s.
FAST = {
    "GAME_HEARTBEAT_INTERVAL_SECONDS": "1",
    "GAME_LINKDEAD_GRACE_SECONDS": "4",
    "EDGE_EDGE_HEARTBEAT_SECONDS": "1",
    "GAME_EDGE_TIMEOUT_SECONDS": "10",
}
# The system the first three tests share: eleven registrations from this one address
# within a minute would pass the per-address limits (tests/test_security_sessions.py
# tests those).
SHARED_LIMITS = {"AUTH_REGISTER_PER_IP_PER_MINUTE": "0", "AUTH_LOGIN_PER_IP_PER_MINUTE": "0"}
FORWARD_SECONDS = 3.0
"""``GAME_TRANSFER_FORWARD_SECONDS`` in the session tests: s1's forward table runs out."""


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def _assert_one_clean_stream(player: Any) -> None:
    numbers = player.sequence_numbers()
    assert numbers == list(range(1, len(numbers) + 1)), (player.name, numbers)
    states = [m for m in player.received if m["event_type"] == "game_state"]
    assert len(states) == 1, f"{player.name} was resynced: {len(states)} game_state"


async def test_walking_across_the_boundary_moves_the_player_and_their_stream(
    shared_system: Any, players: Any
) -> None:
    system = shared_system("distributed", edges=2, MYTHOS_GAMES="2", **SHARED_LIMITS)
    base = system.url
    alice, bob, carol = [
        await players.register_and_login(base, _name(prefix)) for prefix in ("Al", "Bo", "Ca")
    ]
    for player in (alice, bob, carol):
        await player.connect(base)
        state = await player.event("game_state")
        assert state["data"]["room"]["id"] == START_ROOM

    # A command answered on s1, before the crossing: re-sent later, it is not run again.
    before = await alice.send("say", "before the crossing")
    answered_before = await alice.response(before)

    # Bob crosses first and waits in the quad; everyone left behind sees him go.
    assert (await bob.run("north"))["success"] is True
    update = await bob.event("room_update")
    assert update["data"]["room"]["id"] == NORTH_ROOM
    for stayer in (alice, carol):
        await stayer.event("player_left", player_name=bob.name)

    # Alice follows: Carol (origin) sees her leave, Bob (destination) sees her arrive.
    assert (await alice.run("go", "north"))["success"] is True
    await carol.event("player_left", player_name=alice.name)
    await bob.event("player_entered", player_name=alice.name)
    await alice.run("say", "found you")
    await bob.event("chat_message", message="found you")

    # The pre-crossing command, sent again with its id, is answered as it was, not re-run.
    await alice.send_raw(
        json.dumps(
            {
                "command": "say",
                "args": ["before", "the", "crossing"],
                "timestamp": "2026-01-01T00:00:00Z",
                "command_id": before,
            }
        )
    )
    answers = [m for m in await _settle(alice) if m["data"].get("command_id") == before]
    assert [a["data"] for a in answers] == [answered_before] * len(answers)
    for listener in (bob, carol):  # both stood in the square when it was said
        heard = [m for m in listener.received if m["data"].get("message") == "before the crossing"]
        assert len(heard) == 1, f"{listener.name} heard the re-sent command run again"

    # What spans the world: who lists both shards; a whisper crosses and is replied to.
    who = await carol.run("who")
    assert alice.name in who["result"] and bob.name in who["result"], who
    assert (await carol.run("whisper", alice.name, "psst"))["success"] is True
    await alice.event("chat_message", channel="whisper", message="psst")
    assert (await alice.run("reply", "hello back"))["success"] is True
    await carol.event("chat_message", channel="whisper", message="hello back")

    for player in (alice, bob, carol):
        _assert_one_clean_stream(player)
        await player.close()


async def test_global_lines_from_two_shards_reach_every_listener_in_one_order(
    shared_system: Any, players: Any
) -> None:
    system = shared_system("distributed", edges=2, MYTHOS_GAMES="2", **SHARED_LIMITS)
    base = system.url
    alice, bob, carol, dave = [
        await players.register_and_login(base, _name(prefix)) for prefix in ("Al", "Bo", "Ca", "Da")
    ]
    for player in (alice, bob, carol, dave):
        await player.connect(base)
        await player.event("game_state")
    for walker in (bob, dave):  # to s2; Alice and Carol stay on s1
        assert (await walker.run("north"))["success"] is True

    # Alice (s1) and Bob (s2) talk at once, neither waiting for an answer.
    sent = []
    for n in range(5):
        sent.append((alice, await alice.send("global", f"a{n}")))
        sent.append((bob, await bob.send("global", f"b{n}")))
    for speaker, command_id in sent:
        assert (await speaker.response(command_id))["success"] is True

    def heard(player: Any) -> list[str]:
        return [
            m["data"]["message"]
            for m in player.received
            if m["event_type"] == "chat_message" and m["data"]["channel"] == "global"
        ]

    for listener in (carol, dave):
        for n in range(5):
            await listener.event("chat_message", message=f"b{n}")
            await listener.event("chat_message", message=f"a{n}")
    order = heard(carol)
    assert sorted(order) == sorted(f"{w}{n}" for w in "ab" for n in range(5))
    assert heard(dave) == order, "the two shards' listeners heard different orders"
    await alice.event("chat_message", message="b4")
    await bob.event("chat_message", message="a4")
    assert heard(alice) == [m for m in order if m.startswith("b")]
    assert heard(bob) == [m for m in order if m.startswith("a")]

    # A login shows the lines of both shards, in that order.
    erin = await players.register_and_login(base, _name("Er"))
    await erin.connect(base)
    await erin.event("game_state")
    await erin.run("look")  # the history comes before any answer
    history = [
        m["data"]["message"]
        for m in erin.received
        if m["event_type"] == "chat_message" and m["data"].get("history")
    ]
    assert history[-len(order) :] == order
    for player in (alice, bob, carol, dave, erin):
        _assert_one_clean_stream(player)
        await player.close()


async def test_an_admin_on_s1_teleports_mutes_and_kicks_players_on_s2(
    shared_system: Any, players: Any
) -> None:
    system = shared_system("distributed", edges=2, MYTHOS_GAMES="2", **SHARED_LIMITS)
    ada, bob, carol = [await join(system, players, prefix) for prefix in ("Ad", "Bo", "Ca")]
    for walker in (bob, carol):  # to s2
        assert (await walker.run("north"))["success"] is True
    ada = await grant_admin(system, players, ada.name)  # logs in again, on s1

    # teleport Bob within s2 (s1 knows him from the directory within a second).
    async with asyncio.timeout(10):
        while True:
            moved = await ada.run("teleport", bob.name, "science-hall")
            if not moved["result"].startswith("There is no one"):
                break
            await asyncio.sleep(0.2)
    assert moved["result"] == f"{bob.name} is now in Science Hall Laboratory (science-hall)."
    await bob.wait_for(
        lambda m: m["event_type"] == "room_update" and m["data"]["room"]["id"] == "science-hall",
        what="Bob's room_update",
    )
    await bob.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} moves you to Science Hall Laboratory.",
    )

    # mute and unmute Carol on s2.
    muted = await ada.run("mute", carol.name, "5")
    assert muted["result"] == f"{carol.name} is muted for 5 minutes.", muted
    await carol.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} has muted you for 5 minutes: you cannot speak until then.",
    )
    refused = await carol.run("say", "hi")
    assert refused["success"] is False and "You are muted for" in refused["result"], refused
    assert (await ada.run("unmute", carol.name))["result"] == f"{carol.name} may speak again."
    assert (await carol.run("say", "free"))["success"] is True

    # kick Carol on s2: told why, closed with 4004.
    kicked = await ada.run("kick", carol.name, "testing")
    assert kicked["result"] == f"{carol.name} is removed from the game.", kicked
    await carol.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} has removed you from the game: testing",
    )
    async with asyncio.timeout(10):
        while carol.close_code is None:
            await asyncio.sleep(0.05)
    assert carol.close_code == 4004
    for player in (ada, bob):
        _assert_one_clean_stream(player)
        await player.close()


async def _settle(player: Any) -> list[dict[str, Any]]:
    """Every answer the player has, after one more command round trip (the answers of
    what was sent before it are in by then: one player's commands run in order)."""
    await player.run("look")
    return [m for m in player.received if m["event_type"] == "command_response"]


def _edge_url(system: Any, index: int) -> str:
    """One edge's own address (the front door spreads connections; these tests choose)."""
    return f"http://127.0.0.1:{int(system.env['MYTHOS_INTERNAL_PORT_BASE']) + 3 + index}"


async def _stream_client(system: Any, players: Any, prefix: str, url: str) -> StreamClient:
    name = _name(prefix)
    player = await players.register_and_login(system.url, name)
    client = StreamClient(name, player.token, url)
    await client.start()
    await client.wait_for(lambda m: m["event_type"] == "game_state", what="game_state")
    return client


async def _walk_north(client: StreamClient) -> None:
    assert (await client.run("north"))["success"] is True
    await client.wait_for(
        lambda m: m["event_type"] == "room_update" and m["data"]["room"]["id"] == NORTH_ROOM,
        what="the quad",
    )


async def _who_until(client: StreamClient, done: Any, what: str, timeout: float = 20) -> str:
    """``who``, again and again, until ``done(its text)``."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                listing: str = (await client.run("who"))["result"]
                if done(listing):
                    return listing
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"{client.name}'s who: no {what} within {timeout}s") from None


def _lines_naming(listing: str, name: str) -> list[str]:
    return [line for line in listing.splitlines() if name in line]


def _presence_of(name: str, listener: StreamClient) -> list[str]:
    """The ``player_entered``/``player_left`` of ``name`` that ``listener`` saw, in order."""
    kinds = ("player_entered", "player_left")
    return [
        m["event_type"]
        for m in listener.stream
        if m["event_type"] in kinds and m["data"].get("player_name") == name
    ]


def _assert_no_resync(*clients: StreamClient) -> None:
    for client in clients:
        print(client.report())
        assert client.gaps == 0 and client.duplicates == 0, client.report()
        assert client.resyncs == 0, client.report()
        states = [m for m in client.stream if m["event_type"] == "game_state"]
        assert len(states) == 1, f"{client.name} got {len(states)} game_state"


async def _drop_and_resume_on_s2(
    alice: StreamClient, bob: StreamClient, carol: StreamClient, tag: str
) -> None:
    """Alice (on s2) drops; s1's ``who`` marks her link-dead; Bob (on s2) says three
    lines; she resumes through the lobby and gets exactly those, then a live one."""
    alice.auto_resume = False
    alice.drop()
    await alice.disconnected()
    await _who_until(carol, lambda w: f"{alice.name} (link-dead)" in w, "link-dead mark")
    said = [f"{tag}-{i}" for i in range(3)]
    for text in said:
        await bob.run("say", text)
    alice.auto_resume = True
    await alice.start()
    await alice.wait_for(lambda m: m["data"].get("message") == said[-1], what="the missed lines")
    await bob.run("say", f"{tag}-live")
    await alice.wait_for(lambda m: m["data"].get("message") == f"{tag}-live", what="live line")
    assert alice.chat_lines()[-4:] == [*said, f"{tag}-live"]
    # Resumed on s2, where she stood: her answer comes from there (Bob hears her), and s1
    # holds no copy of her (one line in who, not link-dead).
    await alice.run("say", f"{tag}-back")
    await bob.wait_for(lambda m: m["data"].get("message") == f"{tag}-back", what="her line")
    listing = await _who_until(
        carol, lambda w: f"{alice.name} (link-dead)" not in w, "return from link-dead"
    )
    assert len(_lines_naming(listing, alice.name)) == 1, listing


async def test_a_player_on_s2_resumes_there_and_a_second_login_replaces_them_there(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed",
        edges=2,
        MYTHOS_GAMES="2",
        GAME_TRANSFER_FORWARD_SECONDS=str(FORWARD_SECONDS),
        **FAST,
    )
    edge_1, edge_2 = _edge_url(system, 0), _edge_url(system, 1)
    alice = await _stream_client(system, players, "Al", edge_2)
    bob = await _stream_client(system, players, "Bo", edge_1)
    carol = await _stream_client(system, players, "Ca", edge_1)  # stays on s1
    for walker in (bob, alice):
        await _walk_north(walker)

    # Within s1's forward window (the crossing was just now), then well after it.
    await _drop_and_resume_on_s2(alice, bob, carol, "within")
    await asyncio.sleep(FORWARD_SECONDS + 2)
    await _drop_and_resume_on_s2(alice, bob, carol, "after")
    _assert_no_resync(alice, bob, carol)

    # A second login on the other edge replaces the first, on s2, and she stays one player.
    second = StreamClient(alice.name, alice.token, edge_1)
    await second.start()
    state = await second.wait_for(lambda m: m["event_type"] == "game_state", what="game_state")
    await alice.disconnected()
    assert alice.close_codes[-1] == 4001
    assert alice.control[-1]["data"]["reason"] == "session replaced"
    assert state["data"]["room"]["id"] == NORTH_ROOM
    await second.run("say", "second login")
    await bob.wait_for(lambda m: m["data"].get("message") == "second login", what="her line")
    listing = (await carol.run("who"))["result"]
    assert len(_lines_naming(listing, alice.name)) == 1, listing
    assert _presence_of(alice.name, bob) == ["player_entered"], "she left or came twice"
    for client in (second, bob, carol):
        await client.stop()


async def test_link_dead_on_s2_leaves_once_and_a_logout_comes_back_to_s2(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2", **FAST)
    edge_1, edge_2 = _edge_url(system, 0), _edge_url(system, 1)
    alice = await _stream_client(system, players, "Al", edge_2)
    bob = await _stream_client(system, players, "Bo", edge_1)
    carol = await _stream_client(system, players, "Ca", edge_1)  # stays on s1
    for walker in (bob, alice):
        await _walk_north(walker)

    # Alice's connection drops without a close: link-dead in s1's who, then gone, once.
    alice.auto_resume = False
    alice.drop()
    await alice.disconnected()
    await _who_until(carol, lambda w: f"{alice.name} (link-dead)" in w, "link-dead mark")
    await _who_until(carol, lambda w: alice.name not in w, "end of the grace")
    await bob.run("look")
    assert _presence_of(alice.name, bob) == ["player_entered", "player_left"]

    # Bob logs out on s2 and comes back later: where he left, on s2, with a new stream.
    bob.auto_resume = False
    assert (await bob.run("quit"))["success"] is True
    await bob.disconnected()
    await _who_until(carol, lambda w: bob.name not in w, "Bob's logout")
    again = StreamClient(bob.name, bob.token, edge_2)
    await again.start()
    state = await again.wait_for(lambda m: m["event_type"] == "game_state", what="game_state")
    assert state["data"]["epoch"] != bob.epoch
    assert state["data"]["room"]["id"] == NORTH_ROOM
    dave = await _stream_client(system, players, "Da", edge_1)
    await _walk_north(dave)
    await dave.run("say", "anyone here")
    await again.wait_for(lambda m: m["data"].get("message") == "anyone here", what="Dave's line")
    listing = (await carol.run("who"))["result"]
    assert len(_lines_naming(listing, bob.name)) == 1, listing
    assert again.gaps == 0 and again.duplicates == 0, again.report()
    for client in (again, carol, dave):
        await client.stop()
