"""Game service settings, read once from the environment (prefix ``GAME_``).

Operations:

* ``GAME_LOG_LEVEL`` (default ``INFO``) and ``GAME_LOG_FORMAT`` (``json``, one object per
  line, the default; ``text`` for a developer's terminal).
* ``GAME_SHUTDOWN_GRACE_SECONDS`` (default 20): on SIGTERM/SIGINT the game stops taking
  commands, finishes the one in hand (its events published, its delivery acked) and then
  closes the broker connection; a command still running after this many seconds is
  abandoned unacked, so the broker hands it to the next game. Keep it below the
  orchestrator's kill deadline (Kubernetes' terminationGracePeriodSeconds, 30s by default).
* ``GAME_SHARD_MAP`` (default unset: every zone of the loaded world to ``s1``) and
  ``GAME_SHARD`` (default ``s1``): the shard map file and this instance's shard,
  checked against the world at start (``mythos_game.domain.shard_map``); a broken map
  stops the start like a broken world (one log line, exit status 2).
* ``GAME_AMQP_HEARTBEAT_SECONDS`` (default 2; other services keep aio-pika's 60 s): below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from mythos_contracts.envelope import SINGLE_SHARD
from mythos_contracts.settings import BusServiceSettings, GraceSeconds
from mythos_contracts.timing import GAME_EDGE_TIMEOUT_SECONDS, GAME_HEARTBEAT_INTERVAL_SECONDS
from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from mythos_game.domain.rules import ChatRates, RandomEffects, Rules

_SOURCE_WORLD = Path(__file__).resolve().parents[2] / "world"


class GameSettings(BusServiceSettings):
    """The shared fields (environment, broker, log lines, grace) come from the contract's
    ``BusServiceSettings``, read as ``GAME_<NAME>`` or their shared ``MYTHOS_*`` name."""

    model_config = SettingsConfigDict(env_prefix="GAME_")

    command_publisher: str = Field(
        default="",
        description="the edges' broker user: commands published by any other user are "
        "dropped (empty: accept any, for development and embedded mode)",
    )
    accounts_publisher: str = Field(
        default="",
        description="the auth service's broker user: revocations published by any other "
        "user are dropped (empty: accept any)",
    )
    world_dir: Path = Field(default=_SOURCE_WORLD, description="folder of the world data files")
    world: Literal["arkham", "bench"] = Field(
        default="arkham",
        validation_alias=AliasChoices("GAME_WORLD", "MYTHOS_WORLD"),
        description="'bench' generates the benchmark world instead of loading world_dir",
    )
    bench_rooms: int = Field(
        default=100, ge=1, validation_alias=AliasChoices("GAME_BENCH_ROOMS", "MYTHOS_BENCH_ROOMS")
    )
    bench_zones: int = Field(
        default=1,
        ge=1,
        validation_alias=AliasChoices("GAME_BENCH_ZONES", "MYTHOS_BENCH_ZONES"),
        description="the benchmark world's zones: 1 (zone 'bench'), or N arcs of its ring "
        "('bench-1'...), to be split across shards",
    )
    shard_map: Path | None = Field(
        default=None,
        description="the shard map file (shards.json, docs/design/shards.md §3), checked "
        "against the loaded world at start; unset: the built-in map, every zone to s1",
    )
    shard: str = Field(
        default=SINGLE_SHARD,
        description="this instance's shard: one of the map's, or 'lobby'; until routing by "
        "shard is built, the game runs only s1 owning every zone and refuses anything else",
    )
    shard_publisher: str = Field(
        default="",
        description="the games' own broker user: player transfers and inputs forwarded by "
        "another shard are accepted from it besides GAME_COMMAND_PUBLISHER (empty: only "
        "from GAME_COMMAND_PUBLISHER, or from any user when that is empty too)",
    )
    transfer_forward_seconds: float = Field(
        default=120.0,
        gt=0,
        description="after a player crossed to another shard, how long this one forwards "
        "their inputs there (counted from the last one forwarded)",
    )
    instance_id: str = Field(
        default="",
        description="this instance's id: its world directory queue is "
        "named after it, and status shows it; empty: game-<8 random hex digits>",
    )
    directory_snapshot_seconds: float = Field(
        default=1.0,
        gt=0,
        description="with a split shard map, how often the active instance publishes its "
        "shard's full player list to every directory replica",
    )
    directory_shard_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="with a split shard map, how long a shard may go unheard before a "
        "replica drops it and its players (who, whisper, status no longer see them)",
    )
    persistence_timeout: float = Field(default=2.0, gt=0, description="seconds per load attempt")
    persistence_attempts: int = Field(default=2, ge=1)
    command_prefetch: int = Field(
        default=50,
        ge=1,
        description="inputs the broker hands the game ahead of their ack: also the most "
        "whose journal records and messages are in flight at once (group commit)",
    )
    tick_seconds: float = Field(default=1.0, gt=0, description="the game clock")
    tick_broadcast_every: int = Field(
        default=60, ge=1, description="send game_tick to every player every N ticks"
    )
    history_messages: int = Field(default=100, ge=1, description="replayable messages kept")
    history_seconds: float = Field(default=120.0, ge=0, description="...or this many seconds")
    linkdead_grace_seconds: float = Field(default=30.0, ge=0)
    heartbeat_interval_seconds: float = Field(
        default=GAME_HEARTBEAT_INTERVAL_SECONDS,
        gt=0,
        description="how often each player gets a heartbeat; clients learn it from the server",
    )
    edge_timeout_seconds: float = Field(
        default=GAME_EDGE_TIMEOUT_SECONDS,
        gt=0,
        description="an edge silent this long is presumed dead; its players turn link-dead",
    )
    edge_sync_seconds: float = Field(
        default=1.0, ge=0, description="on start, how long edges have to say who is connected"
    )
    health_host: str = "127.0.0.1"
    health_port: int = 54735
    shutdown_grace_seconds: GraceSeconds = Field(
        default=20.0,
        description="on SIGTERM, how long the command in hand may take before it is abandoned",
    )
    handoff: bool = Field(
        default=True,
        description="on a graceful stop, hand the players' streams to the next game (and "
        "take them on start), so a planned restart shows no resync",
    )
    handoff_max_age_seconds: float = Field(
        default=120.0, gt=0, description="a handoff older than this is not continued"
    )
    handoff_timeout_seconds: float = Field(
        default=10.0, gt=0, description="how long saving or taking one part may take"
    )
    standby: bool = Field(
        default=False,
        description="start as a standby: load the world, wait on the inbox, and take the "
        "shard over (journal, term, edges) when the broker first hands this instance a "
        "delivery, i.e. when the active one is gone; an active standby-mode game exits on "
        "a lost broker connection, its bus's or its journal's (it comes back as a "
        "standby). Set it on every instance when more than one runs",
    )
    amqp_heartbeat_seconds: int = Field(
        default=2,
        ge=0,
        le=600,
        description="the AMQP heartbeat timeout (whole seconds) of the game's broker "
        "connections, its bus's and its journal's: RabbitMQ closes one it has heard "
        "nothing on for a few timeouts (5 s at 2 on RabbitMQ 3.10), so a frozen or cut-off "
        "active game gives the shard to the standby that fast (and, in standby mode, "
        "exits when it runs again); 0 turns heartbeats off (nothing then takes the "
        "shard from a frozen game)",
    )
    watchdog_seconds: float = Field(
        default=10.0,
        ge=0,
        description="a standby-mode game whose event loop has not turned for this long "
        "exits (code 70), so the standby takes the shard over; 0 turns it off",
    )
    journal: bool = Field(
        default=True,
        description="record each unit of work in the shard's journal (a RabbitMQ stream) "
        "before publishing it, and continue the streams it holds on start: a kill -9 "
        "of the game costs players a pause, not a resync",
    )
    journal_read_seconds: float = Field(
        default=180.0,
        gt=0,
        description="on start, how far back the journal is read (at least a checkpoint "
        "period plus the history window)",
    )
    journal_max_age_seconds: float = Field(
        default=300.0, gt=0, description="the journal's retention (the stream's x-max-age)"
    )
    journal_max_bytes: int = Field(
        default=2_000_000_000, gt=0, description="the journal's size cap (x-max-length-bytes)"
    )
    zone_map_max_bytes: int = Field(
        default=10_000_000,
        gt=0,
        description="the zone map log's size cap (x-max-length-bytes; no age limit): one "
        "record per zone move, the oldest dropped past it",
    )
    journal_append_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how long a record may go unconfirmed before the game exits (its "
        "messages cannot go out, and the next game continues from the journal)",
    )
    journal_batch_max_bytes: int = Field(
        default=1_000_000,
        ge=0,
        description="the records of the units that end in one event-loop turn go to the "
        "stream as one message (one publish, one confirm) of up to this many bytes of "
        "records (a larger record goes alone); 0: one message per record",
    )
    journal_batches_in_flight: int = Field(
        default=1,
        ge=0,
        description="group commit: the units ending while this many journal messages are "
        "unconfirmed wait, their records and messages going with the first confirm; 0: none",
    )
    event_carrier_envelopes: int = Field(
        default=32,
        ge=1,
        description="the envelopes published in one event-loop turn go to the edges folded "
        "into messages of up to this many (each routed by every key of its envelopes; an "
        "edge reads each as if it arrived alone); 1: one message per envelope",
    )
    journal_confirm_first: bool = Field(
        default=False,
        description="publish a unit's messages only once its record is confirmed (two "
        "round trips per unit); false writes the record first and awaits both confirms "
        "together (one round trip), and the edges' check at a takeover covers a record "
        "the broker lost",
    )
    journal_checkpoint_ticks: int = Field(
        default=30, gt=0, description="every this many ticks, a record carries every stream"
    )
    save_fence_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="on start, how long to wait for persistence to handle the save fence "
        "before sending another (the game never loads before one is handled)",
    )

    # Chat limits, per player per minute (0 = unlimited); see docs/commands.md.
    chat_limits: bool | None = Field(
        default=None, description="rate-limit chat; unset: on, except in the 'bench' world"
    )
    chat_say_per_minute: int = Field(default=20, ge=0, description="say lines per minute")
    chat_emote_per_minute: int = Field(default=20, ge=0, description="emotes per minute")
    chat_pose_per_minute: int = Field(default=10, ge=0, description="poses set per minute")
    chat_local_per_minute: int = Field(default=15, ge=0, description="local lines per minute")
    chat_global_per_minute: int = Field(default=10, ge=0, description="global lines per minute")
    chat_whisper_per_minute: int = Field(
        default=10, ge=0, description="whispers (and replies) per minute to one recipient"
    )
    chat_max_chars: int = Field(default=1000, ge=1, description="longest chat line or pose")
    chat_history_lines: int = Field(
        default=50, ge=0, le=1000, description="local/global lines shown at login, per scope"
    )
    chat_history_timeout_seconds: float = Field(
        default=1.0, gt=0, description="how long to wait for the stored history at start"
    )
    alias_max_count: int = Field(default=50, ge=0, description="aliases per player")
    alias_max_name_chars: int = Field(default=20, ge=1, le=32, description="longest alias name")
    alias_max_expansion_chars: int = Field(
        default=200, ge=1, le=1000, description="longest command an alias stands for"
    )
    alias_max_depth: int = Field(
        default=3, ge=1, le=10, description="aliases an alias may go through, itself included"
    )
    mute_default_minutes: int = Field(
        default=10, ge=1, description="a mute without minutes lasts this long"
    )
    mute_max_minutes: int = Field(default=7 * 24 * 60, ge=1, description="longest mute")
    inventory_slots: int = Field(
        default=20, ge=1, le=1000, description="things a character may carry (worn ones apart)"
    )
    room_items_max: int = Field(
        default=50, ge=1, le=10000, description="things that may lie on one room's floor"
    )
    floor_item_hours: float = Field(
        default=24.0,
        ge=0,
        description="things players leave on a floor are gone after this many hours (0: never)",
    )
    spawn_period_scale: float = Field(
        default=1.0,
        gt=0,
        le=1000,
        description="multiplies every spawn and respawn period of the world's data files",
    )
    combat_round_ticks: int = Field(
        default=3, ge=1, le=600, description="ticks between two rounds of a fight"
    )
    flee_chance: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="a fixed chance for 'flee'; unset: 0.5 + 0.1 per usable exit - 0.1 per "
        "opponent targeting you, clamped to 0.1..0.95",
    )
    pvp: bool = Field(default=False, description="whether players may attack players")
    arrival_ward_seconds: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="after entering the world, hostile NPCs leave a character alone this long",
    )
    unarmed_damage: int = Field(
        default=2, ge=1, le=100, description="damage of an unarmed blow, before the damage bonus"
    )
    dp_regen_ticks: int = Field(
        default=30, ge=1, le=100000, description="out of combat, +1 DP every this many ticks"
    )
    mp_regen_ticks: int = Field(
        default=30, ge=1, le=100000, description="out of combat, +1 MP every this many ticks"
    )
    bleed_ticks: int = Field(
        default=5, ge=1, le=100000, description="a bleeding character loses 1 DP every N ticks"
    )
    auto_respawn_seconds: float = Field(
        default=300.0,
        ge=0,
        le=86400,
        description="the dead respawn by themselves after this long in the world",
    )

    # Characters (docs/commands.md, "Character").
    max_characters: int = Field(
        default=3, ge=1, le=20, description="characters an account may keep"
    )
    rolls_per_minute: int = Field(
        default=30, ge=0, description="'roll' commands per account per minute (0 = unlimited)"
    )

    # Lucidity (docs/commands.md, "Mind").
    lucidity_flux_ticks: int = Field(
        default=60,
        ge=1,
        le=100000,
        description="ticks in a game minute: place drains and anchors, catatonic drift",
    )
    lucidity_random_effects: RandomEffects = Field(
        default="on",
        description="on: chance-based lucidity effects fire by their chances; always: every "
        "time (for tests); never: none of them",
    )
    meditate_cooldown_seconds: float = Field(
        default=600.0, ge=0, le=86400, description="time between two 'meditate'"
    )
    pray_cooldown_seconds: float = Field(
        default=900.0, ge=0, le=86400, description="time between two 'pray'"
    )
    terror_flee_cooldown_seconds: float = Field(
        default=120.0, ge=0, le=86400, description="at most one flight in terror per this period"
    )

    def rules(self) -> Rules:
        limited = self.chat_limits if self.chat_limits is not None else self.world != "bench"
        rates = (
            ChatRates(
                say=self.chat_say_per_minute,
                emote=self.chat_emote_per_minute,
                pose=self.chat_pose_per_minute,
                local=self.chat_local_per_minute,
                global_=self.chat_global_per_minute,
                whisper=self.chat_whisper_per_minute,
            )
            if limited
            else ChatRates(say=0, emote=0, pose=0, local=0, global_=0, whisper=0)
        )
        return Rules(
            rates=rates,
            max_message_chars=self.chat_max_chars,
            max_aliases=self.alias_max_count,
            max_alias_name=self.alias_max_name_chars,
            max_alias_expansion=self.alias_max_expansion_chars,
            max_alias_depth=self.alias_max_depth,
            mute_default_minutes=self.mute_default_minutes,
            mute_max_minutes=max(self.mute_max_minutes, self.mute_default_minutes),
            inventory_slots=self.inventory_slots,
            room_items_max=self.room_items_max,
            spawn_period_scale=self.spawn_period_scale,
            floor_item_hours=self.floor_item_hours,
            combat_round_ticks=self.combat_round_ticks,
            flee_chance=self.flee_chance,
            pvp=self.pvp,
            arrival_ward_seconds=self.arrival_ward_seconds,
            unarmed_damage=self.unarmed_damage,
            dp_regen_ticks=self.dp_regen_ticks,
            mp_regen_ticks=self.mp_regen_ticks,
            bleed_ticks=self.bleed_ticks,
            auto_respawn_seconds=self.auto_respawn_seconds,
            max_characters=self.max_characters,
            rolls_per_minute=self.rolls_per_minute,
            lucidity_flux_ticks=self.lucidity_flux_ticks,
            lucidity_random_effects=self.lucidity_random_effects,
            meditate_cooldown_seconds=self.meditate_cooldown_seconds,
            pray_cooldown_seconds=self.pray_cooldown_seconds,
            terror_flee_cooldown_seconds=self.terror_flee_cooldown_seconds,
        )
