"""Exchange, queue and routing-key names. Build keys only through these helpers.

Topic routing splits keys on ``.``, so every id placed in a key is checked to be
a single word (no dots, no wildcards); a bad id fails loudly here instead of
silently routing to the wrong place.
"""

from __future__ import annotations

import re
import uuid

# Exchanges (all durable topic exchanges).
COMMANDS_EXCHANGE = "mythos.commands"
EVENTS_EXCHANGE = "mythos.events"
PERSISTENCE_EXCHANGE = "mythos.persistence"
# Account revocations (auth -> edges, game) and requests to auth (game -> auth).
ACCOUNTS_EXCHANGE = "mythos.accounts"
DEAD_LETTER_EXCHANGE = "mythos.dead"

# Shards (docs/design/shards.md): each has a durable inbox (a single-active quorum
# queue) and a journal (a stream), named by ``shard_inbox`` and ``shard_journal``.
SHARD_QUEUE_PREFIX = "mythos.shard."
DEFAULT_SHARD = "s1"
"""The shard of the built-in map (every zone), and the one that hosts the lobby's inputs
until the lobby exists (``shard_inbox_bindings``)."""
LOBBY_SHARD = "lobby"
"""The shard with no zones that owns what spans the world; an edge sends a player's
inputs there while it does not know the player's shard."""
LEGACY_GAME_COMMANDS_QUEUE = "mythos.game.commands"
"""The single game's inbox before inboxes were named by shard; a game deletes it at start
when it is empty and unused (docs/operations.md, the upgrade to per-shard inboxes)."""

# Durable queues with a fixed owner.
PERSISTENCE_REQUESTS_QUEUE = "mythos.persistence.requests"
PERSISTENCE_SAVES_QUEUE = "mythos.persistence.saves"
DEAD_LETTER_QUEUE = "mythos.dead-letters"
AUTH_REQUESTS_QUEUE = "mythos.auth.requests"

# Queues a running instance declares for itself (exclusive), by name prefix.
EDGE_QUEUE_PREFIX = "mythos.edge."
REPLY_QUEUE_PREFIX = "mythos.reply."
GAME_SYNC_QUEUE_PREFIX = "mythos.game.sync."
GAME_DIRECTORY_QUEUE_PREFIX = "mythos.game.directory."

# The first word of each family of routing keys. The builders below use them, and the
# broker permissions (``mythos_contracts.bus.access``) are derived from them.
COMMAND_KEYS = "command"
ROOM_KEYS = "room"
PLAYER_KEYS = "player"
GLOBAL_KEYS = "global"
REQUEST_KEYS = "request"
SAVE_KEYS = "save"
HEALTH_KEYS = "health"
REVOCATION_KEYS = "revoked"
ACCOUNT_REQUEST_KEYS = "account_request"
DIRECTORY_KEYS = "directory"

# Patterns the fixed queues bind with.
LOAD_REQUESTS_PATTERN = f"{REQUEST_KEYS}.#"
SAVES_PATTERN = f"{SAVE_KEYS}.#"
GLOBAL_PATTERN = f"{GLOBAL_KEYS}.#"
REVOCATIONS_PATTERN = f"{REVOCATION_KEYS}.#"
ACCOUNT_REQUESTS_PATTERN = f"{ACCOUNT_REQUEST_KEYS}.#"
# The world directory (docs/architecture.md): every game instance's replica binds this
# on the events exchange; edges never do.
DIRECTORY_PATTERN = f"{DIRECTORY_KEYS}.#"
DIRECTORY_DELTA_KEY = f"{DIRECTORY_KEYS}.delta"
"""``directory.delta``: one player's presence changed on a shard (``DirectoryDelta``)."""
DIRECTORY_SNAPSHOT_KEY = f"{DIRECTORY_KEYS}.shard"
"""``directory.shard``: an active shard's periodic full list of its players (``ShardSnapshot``)."""
# Reserved second words of command keys: no shard id starts with ``_``, so they never
# collide with ``command.<shard>.<player>``.
EDGE_COMMANDS_WORD = "_edge"
ALL_SHARDS_WORD = "_all"
# Third word of a command batch's key (``command_batch_key``): player ids are auth's
# UUIDs, so it never names a player (and a body that is no batch is read as one message).
COMMAND_BATCH_WORD = "_batch"
# Every edge's heartbeat (``edge_key``).
EDGE_HEARTBEATS_PATTERN = f"{COMMAND_KEYS}.{EDGE_COMMANDS_WORD}.*"
# What is sent to every shard at once (``all_shards_key``), e.g. world-wide relays.
ALL_SHARDS_PATTERN = f"{COMMAND_KEYS}.{ALL_SHARDS_WORD}.#"
# The game, on start, asks every edge (on this key) which players it holds; each edge
# answers with a heartbeat on its ``edge_key``.
GAME_SYNC_KEY = f"{GLOBAL_KEYS}.game_sync"

_WORD = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _word(value: str, what: str) -> str:
    if not _WORD.match(value):
        raise ValueError(
            f"{what} {value!r} cannot be used in a routing key (allowed: A-Z a-z 0-9 _ -)"
        )
    return value


def edge_queue(instance_id: str) -> str:
    """The one queue an edge instance owns; it lives and dies with that instance."""
    return EDGE_QUEUE_PREFIX + _word(instance_id, "edge instance id")


def reply_queue() -> str:
    """A fresh name for the private queue a bus receives its request replies on."""
    return REPLY_QUEUE_PREFIX + uuid.uuid4().hex


def game_sync_queue() -> str:
    """A fresh name for the private queue a starting game collects the edges' answers on."""
    return GAME_SYNC_QUEUE_PREFIX + uuid.uuid4().hex


def game_directory_queue(instance_id: str) -> str:
    """The exclusive queue a game instance keeps its directory replica from."""
    return GAME_DIRECTORY_QUEUE_PREFIX + _word(instance_id, "game instance id")


def _shard(shard: str) -> str:
    if _word(shard, "shard id").startswith("_"):
        raise ValueError(f"shard id {shard!r} cannot start with '_' (reserved command keys)")
    return shard


def shard_inbox(shard: str) -> str:
    """The durable inbox of ``shard`` (every instance of it consumes; one is active)."""
    return f"{SHARD_QUEUE_PREFIX}{_shard(shard)}.inbox"


def shard_journal(shard: str) -> str:
    """The journal (a stream) of ``shard``: each unit of work, recorded before it is published."""
    return f"{SHARD_QUEUE_PREFIX}{_shard(shard)}.journal"


def zone_map_log() -> str:
    """The zone map log (a stream, one for the world): one record per live zone move, kept
    by size, never by age, so a game down for any time still learns what it gave away."""
    return "mythos.zone-map"


def command_key(shard: str, player_id: str) -> str:
    """Key of a command (or session message) for ``player_id``, sent to ``shard``'s inbox
    (``LOBBY_SHARD`` when the sender does not know the player's shard)."""
    return f"{COMMAND_KEYS}.{_shard(shard)}.{_word(player_id, 'player id')}"


def command_batch_key(shard: str) -> str:
    """Key of a ``PlayerCommandBatch`` (several players' commands in one message) sent to
    ``shard``'s inbox; ``shard_commands_pattern`` takes it with the single commands."""
    return f"{COMMAND_KEYS}.{_shard(shard)}.{COMMAND_BATCH_WORD}"


def is_command_batch_key(routing_key: str) -> bool:
    """True for a key built by ``command_batch_key``: its body is a batch, not one message."""
    return routing_key.endswith(f".{COMMAND_BATCH_WORD}") and routing_key.startswith(
        f"{COMMAND_KEYS}."
    )


def shard_commands_pattern(shard: str) -> str:
    """Binding of ``shard``'s inbox that receives every ``command_key(shard, ...)``."""
    return f"{COMMAND_KEYS}.{_shard(shard)}.#"


def all_shards_key(kind: str) -> str:
    """Key of a message every shard's inbox receives (``ALL_SHARDS_PATTERN``)."""
    return f"{COMMAND_KEYS}.{ALL_SHARDS_WORD}.{_word(kind, 'message kind')}"


def shard_inbox_bindings(shard: str) -> tuple[tuple[str, str], ...]:
    """``(exchange, pattern)`` of each binding of ``shard``'s inbox: its own commands,
    what goes to every shard, the edges' heartbeats, and revocations (in order with the
    commands, waiting while the shard is down). Until the lobby runs, ``DEFAULT_SHARD``
    hosts it: its inbox also takes ``command.lobby.#`` (docs/architecture.md)."""
    patterns = [shard_commands_pattern(shard)]
    if shard == DEFAULT_SHARD:
        patterns.append(shard_commands_pattern(LOBBY_SHARD))
    patterns += [ALL_SHARDS_PATTERN, EDGE_HEARTBEATS_PATTERN]
    return (
        *((COMMANDS_EXCHANGE, pattern) for pattern in patterns),
        (ACCOUNTS_EXCHANGE, REVOCATIONS_PATTERN),
    )


def edge_key(edge_id: str) -> str:
    """Key of a message about an edge itself (its heartbeat)."""
    return f"{COMMAND_KEYS}.{EDGE_COMMANDS_WORD}.{_word(edge_id, 'edge instance id')}"


def room_key(room_id: str, event_type: str) -> str:
    """Key of an event published once for everyone in a room."""
    return f"{ROOM_KEYS}.{_word(room_id, 'room id')}.{_word(event_type, 'event type')}"


def player_key(player_id: str, event_type: str) -> str:
    """Key of an event for one player."""
    return f"{PLAYER_KEYS}.{_word(player_id, 'player id')}.{_word(event_type, 'event type')}"


def global_key(event_type: str) -> str:
    """Key of an event for every player online."""
    return f"{GLOBAL_KEYS}.{_word(event_type, 'event type')}"


def room_pattern(room_id: str) -> str:
    """Binding that receives every event of one room."""
    return f"{ROOM_KEYS}.{_word(room_id, 'room id')}.#"


def player_pattern(player_id: str) -> str:
    """Binding that receives every event of one player."""
    return f"{PLAYER_KEYS}.{_word(player_id, 'player id')}.#"


def load_request_key(entity: str) -> str:
    """Key of a request/reply call to the persistence service, e.g. ``request.load_player``."""
    return f"{REQUEST_KEYS}.{_word(entity, 'request name')}"


def save_key(entity: str) -> str:
    """Key of a durable state change for the persistence service, e.g. ``save.player``."""
    return f"{SAVE_KEYS}.{_word(entity, 'entity')}"


ITEM_SAVE_KEY = save_key("item")
"""``save.item``: where one item is now (``ItemStateChanged``)."""
LOAD_FLOOR_ITEMS_KEY = load_request_key("load_floor_items")
"""``request.load_floor_items``: every item on a floor (``LoadFloorItemsRequest``)."""
RAISE_TERM_KEY = load_request_key("raise_term")
"""``request.raise_term``: a game taking a shard over raises its term (``RaiseTermRequest``)."""
SAVE_FENCE_KEY = save_key("fence")
"""``save.fence``: a starting game's ``SaveFence``, sent with ``request`` on the saves
queue and answered (``FenceHandled``) once every save queued before it is written."""


def revocation_key(account_id: str) -> str:
    """Key of an ``AccountRevoked`` on the accounts exchange (every edge and the game get it)."""
    return f"{REVOCATION_KEYS}.{_word(account_id, 'account id')}"


def is_revocation_key(routing_key: str) -> bool:
    """True for a key built by ``revocation_key``."""
    return routing_key.startswith(f"{REVOCATION_KEYS}.")


def account_request_key(action: str) -> str:
    """Key of a request to the auth service on the accounts exchange, e.g. ``ban``."""
    return f"{ACCOUNT_REQUEST_KEYS}.{_word(action, 'account request')}"


def is_routable_id(value: str) -> bool:
    """True when ``value`` may be used as a room or player id inside a routing key."""
    return bool(_WORD.match(value))


# Durable queues every service may rely on existing, with their bindings. Each
# bus declares them on connect, so a publisher never races its consumer's first
# start: a command sent before the game ever ran waits in its queue.
# The default shard's inbox is here too (every binding of ``shard_inbox_bindings``); a
# game of another shard declares its own inbox and bindings as it starts.
DEFAULT_SHARD_INBOX = shard_inbox(DEFAULT_SHARD)
DURABLE_TOPOLOGY: tuple[tuple[str, str, str], ...] = (
    *(
        (DEFAULT_SHARD_INBOX, exchange, pattern)
        for exchange, pattern in shard_inbox_bindings(DEFAULT_SHARD)
    ),
    (PERSISTENCE_REQUESTS_QUEUE, PERSISTENCE_EXCHANGE, LOAD_REQUESTS_PATTERN),
    (PERSISTENCE_SAVES_QUEUE, PERSISTENCE_EXCHANGE, SAVES_PATTERN),
    # An in-game ban waits here while auth is down.
    (AUTH_REQUESTS_QUEUE, ACCOUNTS_EXCHANGE, ACCOUNT_REQUESTS_PATTERN),
)
# Queues with a single active consumer: the broker delivers to one consumer at a time
# (the active game) while the others wait as standbys, and hands the queue over, its
# unacked deliveries included and in their order, when the active one's connection
# dies. Always quorum queues, whatever ``MYTHOS_AMQP_QUEUE_TYPE`` says: the failover
# relied on is the quorum queues' (docs/design/shards.md §4). A delivery handed over
# this many times (an input that crashes every game it reaches) is dead-lettered.
# Every shard's inbox is one; this lists those of the fixed topology.
SINGLE_ACTIVE_QUEUES: frozenset[str] = frozenset({DEFAULT_SHARD_INBOX})
SINGLE_ACTIVE_DELIVERY_LIMIT = 5
TOPIC_EXCHANGES: tuple[str, ...] = (
    COMMANDS_EXCHANGE,
    EVENTS_EXCHANGE,
    PERSISTENCE_EXCHANGE,
    ACCOUNTS_EXCHANGE,
)


def health_probe_key(service: str) -> str:
    """Key of a broker liveness probe: bound to no queue, so only the publisher confirm matters."""
    return f"{HEALTH_KEYS}.{_word(service, 'service name')}"


# The persistence calls and saves of characters (docs/architecture.md, the table).
SAVE_CHARACTER_KEY = save_key("character")
"""``save.character``: a ``CharacterStateChanged``."""
CHARACTER_NAMES_REQUEST_KEY = load_request_key("character_names")
"""``request.character_names``: a ``CharacterNamesRequest``, answered by ``CharacterNamesReply``."""
