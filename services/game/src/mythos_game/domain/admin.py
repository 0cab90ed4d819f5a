"""What the admin commands share: finding a player, moving one, telling them why."""

from __future__ import annotations

from mythos_contracts.events import ChatMessageData

from mythos_game.domain.commands.base import AuditEntry, Context, Outcome, refused
from mythos_game.domain.movement import arrival_text, move_player
from mythos_game.domain.outgoing import Outgoing, RemoteCall, ToPlayer
from mythos_game.domain.roster import Player
from mythos_game.domain.world import Room


def online(ctx: Context, name: str) -> Player | Outcome:
    """The player called ``name`` (any case), or the refusal to give; for a player on
    another shard, the call that runs the command there (``Outcome.call``)."""
    player = ctx.roster.find_by_name(name)
    if player is None:
        elsewhere = ctx.directory.find_elsewhere(name)
        if elsewhere is not None:
            command, args = ctx.invocation
            call = RemoteCall(elsewhere.shard, elsewhere.player_id, elsewhere.name, command, args)
            return Outcome(True, "", call=call)
        return refused(f"There is no one called '{name}' online.")
    return player


def system_line(ctx: Context, to: Player, text: str) -> Outgoing:
    """A ``system`` chat line to one player, signed by the acting admin."""
    data = ChatMessageData(
        channel="system",
        player_id=ctx.actor.character_id,
        player_name=ctx.actor.name,
        message=text,
        text=f"[system] {text}",
    )
    return Outgoing("chat_message", ToPlayer(to.id), data)


def relocate(ctx: Context, player: Player, room: Room, action: str, notice: str) -> Outcome:
    """Move ``player`` to ``room`` as walking would (the same events), save them, tell
    them ``notice`` (unless they moved themselves) and audit it."""
    if player.room_id == room.id:
        who = "You are" if player.id == ctx.actor.id else f"{player.name} is"
        return refused(f"{who} already in {room.name}.")
    origin = player.room_id
    events = move_player(ctx.world, ctx.roster, player, room.id, ctx.state)
    audit = [AuditEntry(action, player.name, f"from={origin} to={room.id}")]
    if player.id == ctx.actor.id:
        lead = "You step between places."
        text = f"{lead}\n{arrival_text(ctx.world, ctx.roster, room.id, ctx.state)}"
        # Into another shard's room, the shard crossed to describes it (who is there).
        return Outcome(True, text, events, state_changed=True, audit=audit, lead=lead)
    events.append(system_line(ctx, player, notice))
    return Outcome(
        True,
        f"{player.name} is now in {room.name} ({room.id}).",
        events,
        changed_players=[player],
        audit=audit,
    )
