"""Which client a request comes from, for throttling.

The TCP peer, unless the peer is a trusted proxy (``AUTH_TRUSTED_PROXIES``, used only while
``AUTH_TRUST_FORWARDED_FOR`` is true): then ``X-Forwarded-For`` is read from the right,
skipping trusted proxies, and the first address that is not one is the client. Entries left
of that are whatever the client sent and are never believed.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence

from mythos_auth.settings import IpNetwork

log = logging.getLogger(__name__)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def _parse(text: str) -> IpAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:1234"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:1234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, proxies: Sequence[IpNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: Sequence[IpNetwork]
) -> IpAddress | None:
    """The client's address, or None if the peer is unknown or unparsable."""
    current = _parse(peer) if peer else None
    if current is None or not proxies:
        return current
    forwarded_for = list(forwarded_for)
    if forwarded_for and not _trusted(current, proxies):
        _note_untrusted_proxy(current)
    hops = [item for header in forwarded_for for item in header.split(",") if item.strip()]
    for hop in reversed(hops):
        if not _trusted(current, proxies):
            break
        previous = _parse(hop)
        if previous is None:
            break  # garbage in the header: stop at the last proxy we trust
        current = previous
    return current


_noted: set[IpAddress] = set()


def _note_untrusted_proxy(peer: IpAddress) -> None:
    """Say once per peer (for the first 100) that its X-Forwarded-For was ignored."""
    if peer in _noted or len(_noted) >= 100:
        return
    _noted.add(peer)
    log.warning(
        "ignoring X-Forwarded-For from %s, which is not in AUTH_TRUSTED_PROXIES; if it is "
        "your proxy, add it, or every client behind it shares one throttle",
        peer,
    )


def throttle_key(address: IpAddress | None) -> str:
    """IPv4 addresses count one by one; IPv6 by /64, since one subscriber gets a whole /64."""
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
