"""Concurrent sockets per client address and per account, on this edge.

A slot is taken synchronously at the handshake (no await between the check and the
count, so concurrent handshakes cannot all slip under the cap) and given back when the
socket ends. IPv6 addresses count per /64, the block one subscriber usually holds.
"""

from __future__ import annotations

import ipaddress
from collections import Counter


def address_key(host: str | None) -> str:
    """What counts as one client address: the IPv4 address, or the IPv6 /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class CapReached(Exception):
    """The reason is readable by the client."""


class EdgeFull(CapReached):
    """This edge holds all it may: not the client's fault, another edge may take it (503)."""


class ConnectionCaps:
    """``0`` turns a cap off."""

    def __init__(self, *, per_address: int, per_account: int, per_edge: int = 0) -> None:
        self.per_address = per_address
        self.per_account = per_account
        self.per_edge = per_edge
        self._addresses: Counter[str] = Counter()
        self._accounts: Counter[str] = Counter()
        self._edge = 0

    def take_edge(self) -> None:
        if self.per_edge and self._edge >= self.per_edge:
            raise EdgeFull("this server is full: try again shortly")
        self._edge += 1

    def give_edge(self) -> None:
        self._edge = max(self._edge - 1, 0)

    def take_address(self, key: str) -> None:
        if self.per_address and self._addresses[key] >= self.per_address:
            raise CapReached(
                f"too many connections from your address (at most {self.per_address} per server)"
            )
        self._addresses[key] += 1

    def take_account(self, player_id: str) -> None:
        if self.per_account and self._accounts[player_id] >= self.per_account:
            raise CapReached(
                f"too many connections for this account (at most {self.per_account} per server)"
            )
        self._accounts[player_id] += 1

    def give_address(self, key: str) -> None:
        _decrement(self._addresses, key)

    def give_account(self, player_id: str) -> None:
        _decrement(self._accounts, player_id)

    def counts(self) -> tuple[int, int]:
        """(addresses, accounts) currently holding a slot."""
        return len(self._addresses), len(self._accounts)


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
