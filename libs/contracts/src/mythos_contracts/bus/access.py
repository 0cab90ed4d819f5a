"""What each service may do on the broker, as RabbitMQ permissions.

Each service connects as its own RabbitMQ user. Its permissions (configure, write and
read regexes over exchange and queue names, plus topic permissions: write and read
regexes over the routing keys of a topic exchange) are built here from the names in
``mythos_contracts.routing``, so they cannot drift from what the code declares,
publishes and consumes. The launcher (``make run``) and the Kubernetes manifests apply
them; the bus contract tests check them against a real broker.

What RabbitMQ checks (its access-control table): declaring a queue needs *configure* on
it (and *write* on its dead-letter exchange); binding needs *write* on the queue,
*read* on the exchange and topic *read* on the binding key; publishing needs *write* on
the exchange and topic *write* on the routing key; consuming needs *read* on the queue.
Exchanges and the fixed durable queues are declared by the administrator
(``declare_topology``); a service declares only the queues it owns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from mythos_contracts.routing import (
    ACCOUNT_REQUEST_KEYS,
    ACCOUNTS_EXCHANGE,
    AUTH_REQUESTS_QUEUE,
    COMMAND_KEYS,
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    DIRECTORY_KEYS,
    EDGE_QUEUE_PREFIX,
    EVENTS_EXCHANGE,
    GAME_DIRECTORY_QUEUE_PREFIX,
    GAME_SYNC_QUEUE_PREFIX,
    GLOBAL_KEYS,
    HEALTH_KEYS,
    LEGACY_GAME_COMMANDS_QUEUE,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    PLAYER_KEYS,
    REPLY_QUEUE_PREFIX,
    REQUEST_KEYS,
    REVOCATION_KEYS,
    ROOM_KEYS,
    SAVE_KEYS,
    shard_inbox,
    shard_journal,
    zone_map_log,
)

# The resource RabbitMQ checks when a message is published to the default exchange
# (how ``Bus.reply`` answers a request).
DEFAULT_EXCHANGE = "amq.default"

NOTHING = "^$"
"""The regex that matches no name: RabbitMQ reads it as "no access"."""


@dataclass(frozen=True)
class TopicGrant:
    """Topic permissions on one topic exchange: regexes over routing keys."""

    exchange: str
    write: str
    read: str


@dataclass(frozen=True)
class ServiceAccess:
    """One service's RabbitMQ user: its permissions in the vhost and the durable
    queues it declares itself (the administrator declares the rest)."""

    service: str
    configure: str
    write: str
    read: str
    topics: tuple[TopicGrant, ...]
    owned_queues: tuple[str, ...] = ()

    def username(self, vhost: str) -> str:
        """The user's name for a run on ``vhost`` (users are broker-wide, so a name
        carries its vhost: ``mythos-edge`` for the vhost ``mythos``)."""
        return f"{vhost}-{self.service}"


def names(
    exact: Iterable[str] = (), prefixes: Iterable[str] = (), patterns: Iterable[str] = ()
) -> str:
    """An anchored regex matching exactly these names, any name after a prefix, or any
    name a (regex) pattern matches (RabbitMQ matches permission regexes unanchored, so
    the anchors matter)."""
    choices = [re.escape(n) for n in exact] + [re.escape(p) + ".+" for p in prefixes]
    choices += list(patterns)
    return f"^({'|'.join(choices)})$" if choices else NOTHING


_SHARD_MARK = "SHARDMARK"


def every_shard(name_of: Callable[[str], str]) -> str:
    """A regex matching ``name_of(shard)`` for every shard id (a routable word), e.g. every
    shard's inbox from ``routing.shard_inbox``: derived from the builder, so a game may use
    the queues of whichever shard it serves and no other name."""
    return re.escape(name_of(_SHARD_MARK)).replace(_SHARD_MARK, "[A-Za-z0-9-][A-Za-z0-9_-]*")


def key_families(*first_words: str) -> str:
    """A regex matching routing keys (and binding keys) whose first word is one of these."""
    return f"^({'|'.join(re.escape(w) for w in first_words)})\\." if first_words else NOTHING


EVENT_KEYS = (ROOM_KEYS, PLAYER_KEYS, GLOBAL_KEYS)

EDGE = ServiceAccess(
    service="edge",
    # Only its own exclusive queue; it cannot declare, bind or read any other.
    configure=names(prefixes=[EDGE_QUEUE_PREFIX]),
    write=names([COMMANDS_EXCHANGE], [EDGE_QUEUE_PREFIX]),
    read=names([EVENTS_EXCHANGE, ACCOUNTS_EXCHANGE], [EDGE_QUEUE_PREFIX]),
    topics=(
        # Commands only: it cannot speak for the game, persistence or auth.
        TopicGrant(COMMANDS_EXCHANGE, write=key_families(COMMAND_KEYS), read=NOTHING),
        TopicGrant(EVENTS_EXCHANGE, write=NOTHING, read=key_families(*EVENT_KEYS)),
        # Every edge hears every revocation (it may hold any account's sockets).
        TopicGrant(ACCOUNTS_EXCHANGE, write=NOTHING, read=key_families(REVOCATION_KEYS)),
    ),
)

# Every instance of every shard runs as the game's user: any shard's inbox and journal.
SHARD_QUEUES = (every_shard(shard_inbox), every_shard(shard_journal))

GAME = ServiceAccess(
    service="game",
    # The legacy inbox: a starting game deletes it when it is empty and unused.
    # The zone map log (a stream): appended through the default exchange, read at start.
    configure=names(
        [LEGACY_GAME_COMMANDS_QUEUE, zone_map_log()],
        [GAME_SYNC_QUEUE_PREFIX, REPLY_QUEUE_PREFIX, GAME_DIRECTORY_QUEUE_PREFIX],
        SHARD_QUEUES,
    ),
    # Its journal is appended through the default exchange, and read back on start.
    # Commands go to other shards' inboxes (player transfers, whisper relays).
    write=names(
        [
            COMMANDS_EXCHANGE,
            EVENTS_EXCHANGE,
            PERSISTENCE_EXCHANGE,
            ACCOUNTS_EXCHANGE,
            DEAD_LETTER_EXCHANGE,
            DEFAULT_EXCHANGE,
            zone_map_log(),
        ],
        [GAME_SYNC_QUEUE_PREFIX, GAME_DIRECTORY_QUEUE_PREFIX],
        SHARD_QUEUES,
    ),
    # Its directory replica hears every shard's ``directory.*`` on the events exchange.
    read=names(
        [COMMANDS_EXCHANGE, EVENTS_EXCHANGE, ACCOUNTS_EXCHANGE, zone_map_log()],
        [GAME_SYNC_QUEUE_PREFIX, REPLY_QUEUE_PREFIX, GAME_DIRECTORY_QUEUE_PREFIX],
        SHARD_QUEUES,
    ),
    topics=(
        TopicGrant(
            COMMANDS_EXCHANGE, write=key_families(COMMAND_KEYS), read=key_families(COMMAND_KEYS)
        ),
        TopicGrant(
            EVENTS_EXCHANGE,
            write=key_families(*EVENT_KEYS, DIRECTORY_KEYS),
            read=key_families(DIRECTORY_KEYS),
        ),
        TopicGrant(PERSISTENCE_EXCHANGE, write=key_families(REQUEST_KEYS, SAVE_KEYS), read=NOTHING),
        # Asks auth for bans; hears revocations on its command queue.
        TopicGrant(
            ACCOUNTS_EXCHANGE,
            write=key_families(ACCOUNT_REQUEST_KEYS),
            read=key_families(REVOCATION_KEYS),
        ),
    ),
    # Its shard's inbox, which the game declares itself as it starts (``shard_inbox``).
    owned_queues=(),
)

PERSISTENCE = ServiceAccess(
    service="persistence",
    configure=names([PERSISTENCE_REQUESTS_QUEUE, PERSISTENCE_SAVES_QUEUE]),
    # The default exchange carries its replies to the game's reply queues.
    write=names(
        [
            PERSISTENCE_REQUESTS_QUEUE,
            PERSISTENCE_SAVES_QUEUE,
            PERSISTENCE_EXCHANGE,
            DEAD_LETTER_EXCHANGE,
            DEFAULT_EXCHANGE,
        ]
    ),
    read=names([PERSISTENCE_EXCHANGE, PERSISTENCE_REQUESTS_QUEUE, PERSISTENCE_SAVES_QUEUE]),
    topics=(
        # Its readiness probe (``health_probe_key``) is its only publication there.
        TopicGrant(
            PERSISTENCE_EXCHANGE,
            write=key_families(HEALTH_KEYS),
            read=key_families(REQUEST_KEYS, SAVE_KEYS),
        ),
    ),
    owned_queues=(PERSISTENCE_REQUESTS_QUEUE, PERSISTENCE_SAVES_QUEUE),
)

AUTH = ServiceAccess(
    service="auth",
    configure=names([AUTH_REQUESTS_QUEUE]),
    write=names([ACCOUNTS_EXCHANGE, DEAD_LETTER_EXCHANGE, AUTH_REQUESTS_QUEUE]),
    read=names([ACCOUNTS_EXCHANGE, AUTH_REQUESTS_QUEUE]),
    topics=(
        # Publishes revocations; takes the game's account requests (bans).
        TopicGrant(
            ACCOUNTS_EXCHANGE,
            write=key_families(REVOCATION_KEYS),
            read=key_families(ACCOUNT_REQUEST_KEYS),
        ),
    ),
    owned_queues=(AUTH_REQUESTS_QUEUE,),
)

SERVICE_ACCESS: dict[str, ServiceAccess] = {a.service: a for a in (EDGE, GAME, PERSISTENCE, AUTH)}


Declare = Literal["all", "own"]
"""A service's ``<PREFIX>_AMQP_DECLARE`` setting. ``all`` (the default): declare every
exchange and fixed queue on connect, which needs a user that may configure them all
(development, the tests). ``own``: declare only the service's own queues and check that
the exchanges exist; for a service running as its own user (``make run`` in distributed
mode and the Kubernetes manifests set it)."""


def owned_queues(service: str, declare: Declare) -> tuple[str, ...] | None:
    """What to pass as ``AmqpBus(owned_queues=...)`` for ``service``."""
    return None if declare == "all" else SERVICE_ACCESS[service].owned_queues
