"""Trusted proxy networks that are too wide to be one ingress controller.

A service that reads the client's address from ``X-Forwarded-For`` trusts it only from
the listed proxies. Every address in a trusted network may claim to be any client, so
the list should name the ingress controller's pods and nothing more. Behind a load
balancer that rewrites source addresses (SNAT), a wide list also hides that every
client arrives from the same few addresses. Services warn at start (they do not
refuse: a small cluster may legitimately run its ingress on a wide pod network).
"""

from __future__ import annotations

import ipaddress
import logging

WIDEST_IPV4_PREFIX = 16
"""An IPv4 network wider than this (a /15, a /8...) draws a warning."""
WIDEST_IPV6_PREFIX = 48
"""An IPv6 network wider than this (a site's /48) draws a warning."""


def wide_networks(text: str) -> list[str]:
    """Entries of a comma-separated list of addresses and networks (``"*"`` included)
    wider than /16 (IPv4) or /48 (IPv6). Entries that do not parse are left to the
    setting's own validation."""
    wide = []
    for item in (part.strip() for part in text.split(",")):
        if item == "*":
            wide.append(item)
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            continue
        widest = WIDEST_IPV4_PREFIX if network.version == 4 else WIDEST_IPV6_PREFIX
        if network.prefixlen < widest:
            wide.append(str(network))
    return wide


def warn_if_wide(setting: str, text: str, logger: logging.Logger) -> list[str]:
    """Log one warning naming the networks of ``setting`` that are too wide; returns them."""
    wide = wide_networks(text)
    if wide:
        logger.warning(
            "%s trusts %s as proxies: wider than /%d (IPv4) or /%d (IPv6), so addresses "
            "there may claim to be any client; list only the ingress controller's pods "
            "(docs/operations.md, 'Client addresses')",
            setting,
            ", ".join(wide),
            WIDEST_IPV4_PREFIX,
            WIDEST_IPV6_PREFIX,
        )
    return wide
