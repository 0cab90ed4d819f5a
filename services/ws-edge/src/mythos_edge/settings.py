"""Edge settings, read once from the environment (prefix ``EDGE_``)."""

from __future__ import annotations

import uuid

from mythos_contracts.ops.urls import is_local_url
from mythos_contracts.settings import BusServiceSettings, GraceSeconds
from mythos_contracts.timing import EDGE_HEARTBEAT_SECONDS, EDGE_IDLE_TIMEOUT_SECONDS
from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict


class EdgeSettings(BusServiceSettings):
    """The shared fields (environment, broker, log lines, grace) come from the contract's
    ``BusServiceSettings``, read as ``EDGE_<NAME>`` or their shared ``MYTHOS_*`` name."""

    model_config = SettingsConfigDict(env_prefix="EDGE_")

    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("FORWARDED_ALLOW_IPS"),
        description="uvicorn's own variable: peers whose X-Forwarded-For is believed (the "
        "client address behind EDGE_MAX_CONNECTIONS_PER_IP); a network wider than /16 draws "
        "a warning at start",
    )
    host: str = "127.0.0.1"
    port: int = 54733
    instance_id: str = Field(
        default_factory=lambda: uuid.uuid4().hex[:12],
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="names this edge's queue; unique per running edge",
    )
    jwks_url: str = "http://127.0.0.1:54732/auth/.well-known/jwks.json"
    token_issuer: str = "mythos-auth"
    token_audience: str = "mythos"
    send_queue_limit: int = Field(
        default=1000, ge=1, description="messages buffered per connection before it is closed"
    )
    send_queue_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="UTF-8 bytes buffered per connection before it is closed (4008)",
    )
    event_queue_max_length: int = Field(
        default=100_000,
        ge=1,
        description="messages waiting in this edge's queue on the broker; past it the "
        "oldest are dropped (the gap is healed by replay)",
    )
    max_frame_bytes: int = Field(
        default=8192, ge=256, description="largest client frame; a bigger one closes with 1009"
    )
    event_prefetch: int = Field(default=200, ge=1)
    max_pending: int = Field(
        default=1000, ge=1, description="messages held ahead of a gap before the client is closed"
    )
    idle_timeout_seconds: float = Field(
        default=EDGE_IDLE_TIMEOUT_SECONDS,
        gt=0,
        description="close a client that sent nothing (not even ping) this long",
    )
    edge_heartbeat_seconds: float = Field(
        default=EDGE_HEARTBEAT_SECONDS,
        gt=0,
        description="how often this edge tells the game it is alive",
    )
    allowed_origins: str = Field(
        default="http://127.0.0.1:54731,http://localhost:54731",
        description="comma-separated origins whose pages may connect (besides the same host)",
    )
    allow_same_host_origin: bool = Field(
        default=True,
        description="also allow an Origin naming the host:port of the request's Host header",
    )
    commands_per_second: float = Field(
        default=10.0,
        gt=0,
        description="sustained frames (commands, pings, anything) per connection; more are refused",
    )
    command_burst: int = Field(default=20, ge=1, description="frames allowed at once")
    command_linger_seconds: float = Field(
        default=0.0,
        ge=0,
        le=0.1,
        description="how long a message of players' commands waits for more before it "
        "leaves for the game (fewer, larger messages; each command waits at most this "
        "longer); 0, the default: at the end of the event loop's turn",
    )
    max_refused_per_minute: int = Field(
        default=500,
        ge=1,
        description="frames refused for the rate within 60 s before the connection is "
        "closed with 1008",
    )
    handshake_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="a new TCP connection must send its request headers within this time",
    )
    jwks_refetch_seconds: float = Field(
        default=10.0,
        gt=0,
        description="least time between two fetches of the signing keys, failed or not",
    )
    ws_compression: bool = Field(
        default=False, description="offer permessage-deflate (memory and CPU per client)"
    )
    max_connections_per_ip: int = Field(
        default=20, ge=0, description="concurrent sockets per client address on this edge; 0: off"
    )
    max_connections_per_account: int = Field(
        default=3, ge=0, description="concurrent sockets per account on this edge; 0: off"
    )
    max_connections: int = Field(
        default=20000,
        ge=0,
        description="concurrent sockets on this edge, all clients together (503 past it); 0: off",
    )
    revoked_login_memory_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="how long a revoked login's tokens are refused here (at least the "
        "access-token lifetime)",
    )
    revoked_login_memory_max: int = Field(
        default=100_000, ge=1, description="revoked logins remembered, oldest forgotten first"
    )
    memory_trim_after_closes: int = Field(
        default=1000,
        ge=0,
        description="once this many fewer sessions are open than at the most since the last "
        "time, give the memory they held back to the system (a full collection and glibc's "
        "malloc_trim), memory_trim_delay_seconds after the drop settles; 0: never",
    )
    memory_trim_delay_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how long the number of sessions must have stopped falling before that",
    )
    shutdown_grace_seconds: GraceSeconds = Field(
        default=10.0,
        description="on SIGTERM, how long clients have to leave (1012) before the edge stops",
    )

    def origin_list(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    def extra_production_problems(self) -> list[str]:
        if is_local_url(self.jwks_url):
            return [f"{self.variable('jwks_url')} points at this machine (the local default)"]
        return []
