"""WebSocket close codes the server uses, and what each tells a client
(docs/protocol.md, "Close codes"). The edge and the game close with these; the
client's types are generated from them (``make protocol``)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    NORMAL = 1000
    INVALID_UTF8 = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    SESSION_REPLACED = 4001
    IDLE = 4002
    TOKEN_EXPIRED = 4003
    KICKED = 4004
    TOO_SLOW = 4008
    REVOKED = 4009


CLOSE_CODE_MEANINGS: dict[CloseCode, str] = {
    CloseCode.NORMAL: "normal close (quit)",
    CloseCode.INVALID_UTF8: "a text frame that is not valid UTF-8 (closed by the WebSocket layer)",
    CloseCode.POLICY_VIOLATION: "a sustained flood: too many frames refused for the rate; "
    "reconnect after a pause (refused handshakes are HTTP 403)",
    CloseCode.MESSAGE_TOO_BIG: "a frame over the size limit",
    CloseCode.SERVICE_RESTART: "this edge is shutting down: reconnect at once and resume",
    CloseCode.TRY_AGAIN_LATER: "the character could not be loaded: reconnect after a pause",
    CloseCode.SESSION_REPLACED: "the same player connected elsewhere: do not reconnect by itself",
    CloseCode.IDLE: "nothing (not even a ping) was received for too long",
    CloseCode.TOKEN_EXPIRED: "the access token expired without an in-band refresh",
    CloseCode.KICKED: "kicked by an administrator: do not reconnect by itself",
    CloseCode.TOO_SLOW: "too many messages were waiting for this connection",
    CloseCode.REVOKED: "its login was revoked (signed out, banned...): do not reconnect with this token",
}
