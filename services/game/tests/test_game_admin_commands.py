"""Admin commands: refused (and audited) for anyone but an admin; moves that look like
walking; mutes, kicks, broadcasts and the status line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import Disconnect, ToEveryone, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room
QUAD = "miskatonic-quad"
NOW = 1_000_000.0


@dataclass
class Links:
    """What the commands see of the players' links: who is an admin, who is link-dead."""

    admins: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)

    def linkdead(self, player_id: str) -> bool:
        return player_id in self.dead

    def role(self, player_id: str) -> str:
        return "admin" if player_id in self.admins else "player"


class Table:
    def __init__(self) -> None:
        self.roster = Roster()
        self.admin = Player("id-admin", "Ada", START, 1)
        self.bob = Player("id-bob", "Bob", START, 1)
        self.carol = Player("id-carol", "Carol", QUAD, 1)
        self.links = Links(admins={self.admin.id})
        for p in (self.admin, self.bob, self.carol):
            self.roster.add(p)

    def run(
        self, actor: Player, command: str, *args: str, now: float = NOW, can_ban: bool = True
    ) -> Outcome:
        parsed = parse(command, list(args))
        assert parsed is not None
        ctx = Context(
            WORLD,
            self.roster,
            actor,
            COMMANDS,
            now=now,
            started_at=NOW - 3725,
            can_ban=can_ban,
            role=self.links.role(actor.id),
            links=self.links,
        )
        return parsed.spec.run(ctx, parsed.args)


@pytest.fixture
def t() -> Table:
    return Table()


ADMIN_COMMANDS = [
    ("teleport", ["Carol", START]),
    ("goto", ["Carol"]),
    ("summon", ["Carol"]),
    ("mute", ["Carol"]),
    ("unmute", ["Carol"]),
    ("kick", ["Carol"]),
    ("ban", ["Carol"]),
    ("broadcast", ["hello"]),
    ("admin", ["status"]),
    ("spawn", ["ghoul"]),
    ("purge", []),
    ("setstat", ["Carol", "lcd", "30"]),
]


def test_every_admin_command_is_marked_and_guarded() -> None:
    assert {s.name for s in COMMANDS.specs if s.admin} == {n for n, _ in ADMIN_COMMANDS}


@pytest.mark.parametrize(("command", "args"), ADMIN_COMMANDS)
def test_players_are_refused_and_nothing_happens(t: Table, command: str, args: list[str]) -> None:
    before = (t.carol.room_id, t.carol.version, t.carol.muted_until, t.bob.room_id)
    outcome = t.run(t.bob, command, *args)
    assert not outcome.success and f"Only admins may use '{command}'" in outcome.text
    assert not outcome.events and not outcome.disconnects and not outcome.changed_players
    (entry,) = outcome.audit
    assert entry.action == command and entry.allowed is False
    assert (t.carol.room_id, t.carol.version, t.carol.muted_until, t.bob.room_id) == before


def test_teleport_moves_like_walking_and_saves_the_player(t: Table) -> None:
    outcome = t.run(t.admin, "teleport", "carol", "independence", "square")
    assert outcome.success and t.carol.room_id == START and t.carol.version == 2
    assert outcome.changed_players == [t.carol] and not outcome.state_changed
    kinds = [(e.event_type, e.audience) for e in outcome.events]
    assert ("player_left", ToRoom(QUAD, frozenset({t.carol.id}))) in kinds
    assert ("player_entered", ToRoom(START, frozenset({t.carol.id}))) in kinds
    assert ("room_update", ToPlayer(t.carol.id)) in kinds
    told = [e for e in outcome.events if e.event_type == "chat_message"]
    assert told[0].audience == ToPlayer(t.carol.id)
    assert told[0].data.model_dump()["channel"] == "system"
    assert "Ada moves you to Independence Square" in told[0].data.model_dump()["text"]
    (entry,) = outcome.audit
    assert entry.allowed and entry.target == "Carol" and f"to={START}" in entry.detail


def test_teleport_refusals(t: Table) -> None:
    assert "no room 'nowhere'" in t.run(t.admin, "teleport", "Carol", "nowhere").text
    assert "no one called 'Zed'" in t.run(t.admin, "teleport", "Zed", START).text
    assert "already in" in t.run(t.admin, "tp", "Carol", QUAD).text
    assert not t.run(t.admin, "teleport", "Carol").success


def test_goto_a_player_or_a_room(t: Table) -> None:
    outcome = t.run(t.admin, "goto", "Carol")
    assert outcome.success and outcome.state_changed and t.admin.room_id == QUAD
    assert outcome.text.startswith("You step between places.")
    assert not [e for e in outcome.events if e.event_type == "chat_message"]
    assert t.run(t.admin, "goto", "orne-library").success
    assert t.admin.room_id == "orne-library"
    assert not t.run(t.admin, "goto", "nowhere").success
    assert not t.run(t.admin, "goto").success


def test_summon_brings_a_player_here(t: Table) -> None:
    outcome = t.run(t.admin, "summon", "Carol")
    assert outcome.success and t.carol.room_id == START and outcome.changed_players == [t.carol]
    assert not t.run(t.admin, "summon", "Bob").success  # already here
    assert not t.run(t.admin, "summon", "Ada").success


def test_mute_for_a_while_then_unmute(t: Table) -> None:
    outcome = t.run(t.admin, "mute", "Bob", "5")
    assert outcome.success and t.bob.muted_until == NOW + 300 and t.bob.version == 2
    assert outcome.changed_players == [t.bob]
    (told,) = outcome.events
    assert told.audience == ToPlayer(t.bob.id)
    assert "muted you for 5 minutes" in told.data.model_dump()["text"]
    assert outcome.audit[0].detail == "minutes=5"
    assert "muted for 5 minutes more" in t.run(t.bob, "say", "hi").text

    lifted = t.run(t.admin, "unmute", "Bob")
    assert lifted.success and t.bob.muted_until is None and lifted.changed_players == [t.bob]
    assert t.run(t.bob, "say", "hi").success
    assert not t.run(t.admin, "unmute", "Bob").success  # not muted


def test_mute_defaults_and_refusals(t: Table) -> None:
    assert t.run(t.admin, "mute", "Bob").success and t.bob.muted_until == NOW + 600
    for bad in ("0", "-3", "ten", "99999999"):
        assert not t.run(t.admin, "mute", "Carol", bad).success, bad
    assert not t.run(t.admin, "mute", "Ada").success
    assert not t.run(t.admin, "mute", "Zed").success
    assert t.carol.muted_until is None


def test_a_mute_runs_out_by_itself(t: Table) -> None:
    t.run(t.admin, "mute", "Bob", "1")
    assert not t.run(t.bob, "say", "hi", now=NOW + 59).success
    assert t.run(t.bob, "say", "hi", now=NOW + 60).success


def test_kick_closes_the_connection_and_leaves_the_world(t: Table) -> None:
    outcome = t.run(t.admin, "kick", "Carol", "flooding", "the", "quad")
    assert outcome.success
    assert outcome.disconnects == [Disconnect(t.carol.id, 4004, "kicked by an admin", True)]
    (told,) = outcome.events
    assert told.audience == ToPlayer(t.carol.id)
    assert "removed you from the game: flooding the quad" in told.data.model_dump()["text"]
    assert outcome.audit[0].detail == "reason='flooding the quad'"
    assert not t.run(t.admin, "kick", "Ada").success
    assert not t.run(t.admin, "kick").success


def test_ban_removes_the_player_and_asks_auth_to_ban_the_account(t: Table) -> None:
    outcome = t.run(t.admin, "ban", "carol", "12h", "flooding", "the", "quad")
    assert outcome.success and outcome.text == (
        "Carol is banned for 12 hours and removed from the game."
    )
    (ending,) = outcome.disconnects
    assert (ending.player_id, ending.code, ending.leave_world) == (t.carol.id, 4009, True)
    (told,) = outcome.events
    assert told.audience == ToPlayer(t.carol.id)
    assert "Ada has banned you for 12 hours: flooding the quad" in told.data.model_dump()["text"]
    (ban,) = outcome.bans
    assert (ban.account_id, ban.requested_by, ban.reason) == (
        t.carol.id,
        t.admin.id,
        "flooding the quad",
    )
    assert ban.until == datetime.fromtimestamp(NOW + 12 * 3600, UTC)
    forever = t.run(t.admin, "ban", "Bob")
    assert forever.success and forever.bans[0].until is None
    assert "until it is lifted" in forever.text


def test_ban_refusals(t: Table) -> None:
    assert t.run(t.admin, "ban").text == "Usage: ban <player> [duration] [reason]"
    assert "yourself" in t.run(t.admin, "ban", "Ada").text
    assert "no one called 'Zed'" in t.run(t.admin, "ban", "Zed").text
    assert t.run(t.admin, "ban", "Bob", "0m").text == "A ban lasts from 1 minute to 3650 days."
    assert not t.run(t.admin, "ban", "Bob", "99999d").success
    no_bus = t.run(t.admin, "ban", "Bob", can_ban=False)
    assert not no_bus.success and not no_bus.bans and not no_bus.disconnects


def test_broadcast_reaches_everyone_as_a_system_line(t: Table) -> None:
    outcome = t.run(t.admin, "broadcast", "Restart", "in", "5", "minutes.")
    assert outcome.success and "Broadcast to 3 players" in outcome.text
    (event,) = outcome.events
    assert event.audience == ToEveryone()
    data = event.data.model_dump()
    assert data["channel"] == "system" and data["text"] == "[system] Restart in 5 minutes."
    assert not t.run(t.admin, "broadcast").success


def test_admin_status(t: Table) -> None:
    t.links.dead.add(t.bob.id)
    t.carol.muted_until = NOW + 60
    text = t.run(t.admin, "admin", "status").text
    assert "Players online: 3 (1 link-dead, 1 muted)" in text
    assert f"Rooms occupied: 2 of {len(WORLD.rooms)}" in text
    assert "Uptime: 1 hour 2 minutes 5 seconds" in text
    assert t.run(t.admin, "admin").success
    assert not t.run(t.admin, "admin", "reboot").success


def test_help_lists_admin_commands_to_admins_only(t: Table) -> None:
    assert "Admin:" in t.run(t.admin, "help").text
    assert "Admin:" not in t.run(t.bob, "help").text
    assert "Usage: kick <player> [reason]" in t.run(t.bob, "help", "kick").text
