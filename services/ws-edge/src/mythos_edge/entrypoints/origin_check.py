"""Which web pages may open the game socket: the ``Origin`` header against an allow-list.

Browsers always send ``Origin`` on a WebSocket handshake and scripts cannot forge it,
so this stops other sites' pages from opening sockets in a player's browser. A request
without ``Origin`` is not from a browser page (a bot, a terminal client, a test) and is
let through: such clients can send any header they like, so refusing them would protect
nothing; they still need a valid token.

Allowed: every origin in the list, and (unless turned off) an origin naming the same
host and port as the request's ``Host`` header, i.e. the page was served by the server
it connects to (whatever name or address it was reached by).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` lower-cased, default port dropped; None when not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    if parts.username is not None or parts.query or parts.fragment:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class OriginPolicy:
    def __init__(self, allowed: Iterable[str], *, same_host: bool) -> None:
        self._allowed = {n for n in (normalise_origin(o) for o in allowed) if n is not None}
        self._same_host = same_host

    def refusal(self, origin: str | None, host: str | None) -> str | None:
        """None when the handshake may go on, else the reason it may not."""
        if origin is None:
            return None
        normal = normalise_origin(origin)
        if normal is not None and normal in self._allowed:
            return None
        if normal is not None and self._same_host and host and _same_host(normal, host):
            return None
        return "origin not allowed: this page may not open the game's socket"


def _same_host(origin: str, host_header: str) -> bool:
    scheme = origin.split("://", 1)[0]
    served = normalise_origin(f"{scheme}://{host_header.strip()}")
    return served is not None and served == origin
