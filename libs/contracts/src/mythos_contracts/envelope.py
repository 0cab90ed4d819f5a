"""Envelopes: what travels on the bus, what a client sends, what a client receives.

Sequencing lives in the envelope. The game stamps, for every recipient of an
event, that recipient's next sequence number into ``EventEnvelope.recipients``.
A room event is therefore published once per room, and each edge turns it into
one ``ServerMessage`` per local recipient with that recipient's own number.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictStr, TypeAdapter

from mythos_contracts.events import EventType
from mythos_contracts.routing import DEFAULT_SHARD

MAX_COMMAND_LENGTH = 32
MAX_ARGS = 64
MAX_ARG_LENGTH = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


SINGLE_SHARD = DEFAULT_SHARD
"""The one shard while a single game holds the whole world (docs/design/shards.md)."""


def _fresh_delivery_ids() -> None:
    # 80 random bits drawn once per process (and again in a forked child, which would
    # otherwise repeat its parent's ids), then a counter: a uuid4 per id cost a
    # getrandom system call and about 1.5 µs on the edge's path of every command.
    global _ID_PREFIX, _ID_COUNTER
    _ID_PREFIX = os.urandom(10).hex()
    _ID_COUNTER = itertools.count()


_ID_PREFIX = ""
_ID_COUNTER = itertools.count()
_fresh_delivery_ids()
os.register_at_fork(after_in_child=_fresh_delivery_ids)


def new_delivery_id() -> str:
    """A fresh ``delivery_id``: the identity of one message an edge sends to the game.

    32 lowercase hex characters, like a uuid4's: a random prefix of the process, then a
    counter, so the ids one process makes are distinct and sort in the order they were
    made, and two processes' ids differ unless their 80-bit prefixes meet (the counter
    grows past 12 digits only after 2**48 ids, which the 64-character limit still takes).
    """
    return f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"


class ClientCommand(BaseModel):
    """What a client sends over the WebSocket."""

    model_config = ConfigDict(extra="ignore")

    command: Annotated[StrictStr, Field(min_length=1, max_length=MAX_COMMAND_LENGTH)]
    args: Annotated[
        list[Annotated[StrictStr, Field(max_length=MAX_ARG_LENGTH)]], Field(max_length=MAX_ARGS)
    ] = Field(default_factory=list)
    timestamp: StrictStr | None = None
    command_id: Annotated[StrictStr, Field(max_length=128)] | None = None


class ServerMessage(BaseModel):
    """What a client receives: one entry of that player's gapless stream."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    event_type: EventType
    timestamp: datetime
    sequence_number: int = Field(ge=0)
    player_id: str | None = None
    room_id: str | None = None
    data: dict[str, Any]


class EventEnvelope(BaseModel):
    """An event on the events exchange, stamped for every player it reaches."""

    model_config = ConfigDict(extra="forbid")

    event_type: EventType
    timestamp: datetime = Field(default_factory=utc_now)
    room_id: str | None = None
    data: dict[str, Any]
    recipients: dict[str, int] = Field(
        description="player id -> that player's sequence number for this event"
    )
    connection_id: str | None = Field(
        default=None,
        description="set on events for one connection only (game_state, replays, disconnect)",
    )
    epochs: dict[str, str] | None = Field(
        default=None,
        description="on heartbeats only, for the edge: each recipient's current epoch, so an "
        "edge that missed a game_state notices and asks for the stream from its start",
    )
    shard: str | None = Field(
        default=None,
        description="the shard whose game stamped this (``s1`` while one game holds the "
        "whole world); None from a game older than shards",
    )
    term: int | None = Field(
        default=None,
        ge=1,
        description="the term of the game that published this (each game taking a shard "
        "over raises it): an edge drops an envelope of an older term than the newest it "
        "has seen for the shard, so a stale owner's late publishes never reach a client; "
        "None (a game older than terms) is never dropped",
    )
    answers: str | None = Field(
        default=None,
        description="on a command_response or error, for the edge only (never rendered to "
        "the client): the delivery_id of the input it answers, so the edge knows every "
        "input it sent to a shard has arrived before it sends to another (its route)",
    )
    folded: list[EventEnvelope] = Field(
        default_factory=list,
        # Never written by a dump: it exists only on the wire (``fold``), so what history
        # keeps and replays is each envelope alone, as if it had travelled alone.
        exclude=True,
        description="envelopes that travel inside this one (a command's response riding on "
        "its room event); an edge delivers them after this one, as if each had arrived "
        "alone, in this order",
    )

    def carried(self) -> list[EventEnvelope]:
        """This envelope, then every envelope folded into it: what arrived, in the order
        an edge delivers it."""
        if not self.folded:
            return [self]
        return [self, *(e for f in self.folded for e in f.carried())]

    def for_recipient(self, player_id: str) -> ServerMessage | None:
        """The message ``player_id`` reads, or None when this event is not for them."""
        seq = self.recipients.get(player_id)
        if seq is None:
            return None
        return ServerMessage(
            event_type=self.event_type,
            timestamp=self.timestamp,
            sequence_number=seq,
            player_id=player_id,
            room_id=self.room_id,
            data=self.data,
        )

    def render_for(self, player_id: str) -> str | None:
        """``for_recipient(player_id)`` as JSON text, without building a model per recipient:
        the parts shared by every recipient are encoded once per envelope and the
        recipient's number and id are spliced in (the fan-out hot path of an edge)."""
        seq = self.recipients.get(player_id)
        if seq is None:
            return None
        if self._rendered is None:
            shared = ServerMessage(
                event_type=self.event_type,
                timestamp=self.timestamp,
                sequence_number=0,
                player_id="",
                room_id=self.room_id,
                data=self.data,
            ).model_dump_json()
            head, _, rest = shared.partition('"sequence_number":0,"player_id":""')
            self._rendered = (head + '"sequence_number":', rest)
        head, tail = self._rendered
        return f'{head}{seq},"player_id":{_JSON_STR.dump_json(player_id).decode()}{tail}'

    _rendered: tuple[str, str] | None = PrivateAttr(default=None)


_JSON_STR: TypeAdapter[str] = TypeAdapter(str)


def fold(carrier: bytes, folded: Sequence[bytes]) -> bytes:
    """One message for the bus: ``carrier`` (an ``EventEnvelope``'s JSON) with the envelopes
    ``folded`` (their JSON, in delivery order) riding in it, so their recipients' edges
    get them without a publish of their own. Each part stays byte for byte what it was:
    a part's recipients must be reachable by one of the keys the carrier is published
    with. A carrier that carries already (made by ``fold``: an envelope alone ends with
    its ``answers``, a string or null, so only a fold ends with ``]}``) takes the new
    parts after its own."""
    if not folded:
        return carrier
    if carrier.endswith(_FOLD_END):
        return b"".join((carrier[:-2], b",", b",".join(folded), _FOLD_END))
    if not carrier.endswith(b"}"):
        raise ValueError("the carrier is not a JSON object")
    return b"".join((carrier[:-1], b',"folded":[', b",".join(folded), _FOLD_END))


_FOLD_END = b"]}"


# --- edge -> game -------------------------------------------------------------


class _FromEdge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    player_id: str
    player_name: str
    player_role: str = Field(default="player", description="the token's role claim")
    connection_id: str = Field(description="one WebSocket connection; stale ones are ignored")
    edge_id: str
    sent_at: datetime = Field(default_factory=utc_now)
    delivery_id: Annotated[StrictStr, Field(min_length=1, max_length=64)] = Field(
        default_factory=new_delivery_id,
        description="stamped by the edge on every message it sends (a client's command_id "
        "stays as it is, and is what a response echoes): the game handles each id at most "
        "once, so a message the broker delivers again (its ack lost with a connection) or "
        "a publish the edge retried does not run twice",
    )

    def held(self) -> HeldConnection:
        """The connection this message speaks for."""
        return HeldConnection(
            player_id=self.player_id,
            player_name=self.player_name,
            player_role=self.player_role,
            connection_id=self.connection_id,
        )


class ResumeFrom(BaseModel):
    """What a reconnecting client presented: its stream and the last number it holds."""

    model_config = ConfigDict(extra="forbid")

    session_id: str
    epoch: str
    last_seq: int = Field(ge=0)


class SessionOpened(_FromEdge):
    """A player connected; the edge has already bound ``player.<id>.#`` to its queue."""

    kind: Literal["session_open"] = "session_open"
    resume: ResumeFrom | None = None


class SessionClosed(_FromEdge):
    """The socket is gone. ``quit`` is False for a drop: the player turns link-dead."""

    kind: Literal["session_close"] = "session_close"
    quit: bool = False


class PlayerCommand(_FromEdge):
    kind: Literal["command"] = "command"
    command: str
    args: list[str] = Field(default_factory=list)
    command_id: str | None = None


class InvalidInput(_FromEdge):
    """A frame the edge could not turn into a command; the game answers it in-stream."""

    kind: Literal["invalid"] = "invalid"
    reason: str
    command_id: str | None = None


class CommandRefused(_FromEdge):
    """A command the edge did not forward because its sender is over the frame rate; the
    game answers it in-stream as a ``command_response`` with ``success: false``, the reason
    and ``retry_after`` (only the game numbers messages). It is not remembered under its
    ``command_id``: sent again later, the command runs."""

    kind: Literal["refused"] = "refused"
    command: str
    command_id: str | None = None
    reason: str
    retry_after: float = Field(ge=0, description="seconds until a frame is accepted again")


class RoomBound(_FromEdge):
    """The edge's queue now receives ``room.<room_id>.#``: room events may use the room key."""

    kind: Literal["room_bound"] = "room_bound"
    room_id: str


class ReplayRequest(_FromEdge):
    """The edge saw a gap in a connection's stream: send again from ``from_seq`` on."""

    kind: Literal["replay"] = "replay"
    epoch: str
    from_seq: int = Field(ge=1)


class HeldConnection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    player_id: str
    player_name: str
    player_role: str = "player"
    connection_id: str
    epoch: str | None = Field(
        default=None, description="the stream the edge follows for it (None: none yet)"
    )
    delivered: int | None = Field(
        default=None,
        ge=0,
        description="the last number of that stream the edge delivered: a game taking "
        "the shard over checks it against the stream it continues",
    )


class EdgeHeartbeat(BaseModel):
    """An edge is alive and holds these connections (the game adopts any it does not know)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["edge_heartbeat"] = "edge_heartbeat"
    edge_id: str
    connections: list[HeldConnection] = Field(default_factory=list)
    sent_at: datetime = Field(default_factory=utc_now)


EdgeMessage = Annotated[
    SessionOpened
    | SessionClosed
    | PlayerCommand
    | InvalidInput
    | CommandRefused
    | RoomBound
    | ReplayRequest
    | EdgeHeartbeat,
    Field(discriminator="kind"),
]
EDGE_MESSAGE: TypeAdapter[EdgeMessage] = TypeAdapter(EdgeMessage)
