"""In-band token refresh: ``{"command": "auth", "args": [<new access token>]}``.

The new token must verify like any token, name the same player and belong to the same
login (``sid``) as the token the socket was opened with, and that login must not have been
revoked. Accepted: the
connection's deadline moves to the new token's expiry and the client gets an
``auth_ok`` control message. Refused: the reason, which the caller forwards to the game
as invalid input so it comes back as an in-stream ``error`` for that ``command_id``.
The token itself never leaves the edge.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mythos_contracts.envelope import ClientCommand
from mythos_contracts.events import AuthOkData

from mythos_edge.adapters.token_verifier import InvalidToken, TokenVerifier
from mythos_edge.service_layer.connections import Connection
from mythos_edge.service_layer.control_messages import send_control
from mythos_edge.service_layer.revocations import Revocations

USAGE = 'auth: send {"command": "auth", "args": ["<access token>"]}'
OTHER_LOGIN = (
    "token refused: it belongs to another login; a socket keeps the login it was opened "
    "with (refresh that login's token, or open a new socket)"
)
REVOKED = "token refused: its login has been revoked; log in again"


async def refresh(
    conn: Connection,
    command: ClientCommand,
    verifier: TokenVerifier,
    now: float,
    revocations: Revocations | None = None,
) -> str | None:
    """None when the token was accepted (``auth_ok`` is queued), else the refusal."""
    if len(command.args) != 1 or not command.args[0]:
        return USAGE
    try:
        identity = await verifier.verify(command.args[0])
    except InvalidToken as exc:
        return f"token refused: {exc}"
    if identity.player_id != conn.player_id:
        return "token refused: it belongs to another player"
    if identity.session_id != conn.session_id:
        return OTHER_LOGIN
    if revocations is not None and revocations.revoked(identity.session_id):
        return REVOKED
    conn.token_expires_at = identity.expires_at
    conn.role = identity.role
    expires_at = datetime.fromtimestamp(identity.expires_at, UTC)
    ok = AuthOkData(
        command_id=command.command_id,
        expires_at=expires_at.isoformat().replace("+00:00", "Z"),
        expires_in=max(int(identity.expires_at - now), 0),
    )
    send_control(conn, "auth_ok", ok.model_dump())
    return None
