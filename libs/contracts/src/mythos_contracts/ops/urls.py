"""What a service URL points at, for the production checks of every service's settings.

The checks parse URLs; they never look for substrings. ``"guest:guest@" in url`` misses
``amqp://rabbit/`` (the AMQP clients log in as guest/guest when a URL names no account)
and ``"127.0.0.1" in url`` misses ``http://localhost/`` and ``http://[::1]/``, while
both would flag a harmless path or password that happens to contain the text.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import unquote, urlsplit

# The account aio-pika and aiormq use when the URL names none.
AMQP_DEFAULT_USER = "guest"


def amqp_user(url: str) -> str:
    """The account an AMQP URL logs in with (percent-decoded; ``guest`` if none is given)."""
    user = urlsplit(url).username
    return unquote(user) if user else AMQP_DEFAULT_USER


def uses_default_amqp_account(url: str) -> bool:
    """True when the URL logs in as RabbitMQ's default ``guest`` account."""
    return amqp_user(url) == AMQP_DEFAULT_USER


def is_local_url(url: str) -> bool:
    """True when the URL's host is this machine: ``localhost`` (and ``*.localhost``), a
    loopback address in any spelling a resolver accepts (``127.1``, ``2130706433``,
    ``[::1]``, ``[::ffff:127.0.0.1]``) or the unspecified address."""
    host = urlsplit(url).hostname  # lower-cased, without brackets or port
    if not host:
        return False
    host = host.rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        try:
            # The legacy IPv4 forms resolvers still accept: 127.1, 0x7f.0.0.1, 2130706433.
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified
