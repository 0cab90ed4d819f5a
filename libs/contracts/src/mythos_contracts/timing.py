"""Default timings of the links between the client, the edge and the game.

They come in pairs that must agree (a ping must arrive before the idle close, a
heartbeat before the other side gives up), so both sides take their defaults from
here. docs/protocol.md ("Heartbeats and liveness") states them in one table with
the client's own (client/src/timing.ts); a test checks that all three agree.
"""

from __future__ import annotations

EDGE_IDLE_TIMEOUT_SECONDS = 50.0
"""The edge closes (4002) a client that sent nothing, not even a ping, this long.
More than two client ping intervals (20 s), so one late ping is survived."""

GAME_HEARTBEAT_INTERVAL_SECONDS = 25.0
"""How often the game sends each player a ``heartbeat``. The client's silence timeout
is 2.4 of the interval the server announces, so one late heartbeat is survived."""

EDGE_HEARTBEAT_SECONDS = 10.0
"""How often an edge tells the game it is alive."""

GAME_EDGE_TIMEOUT_SECONDS = 30.0
"""The game presumes dead an edge it has not heard from this long: more than two
edge heartbeats, so one lost heartbeat is survived."""
