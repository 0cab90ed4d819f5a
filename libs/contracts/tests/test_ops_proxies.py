"""Which trusted-proxy networks are too wide to be one ingress controller."""

from __future__ import annotations

from mythos_contracts.ops.proxies import wide_networks


def test_networks_wider_than_a_16_or_an_ipv6_48_are_wide() -> None:
    listed = "10.0.0.0/8, 172.16.0.0/12,192.168.0.0/16,10.244.0.0/15,fc00::/7,fd00:1::/48,*"
    assert wide_networks(listed) == [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "10.244.0.0/15",
        "fc00::/7",
        "*",
    ]


def test_addresses_narrow_networks_and_garbage_are_not() -> None:
    assert wide_networks("127.0.0.1,::1,10.244.3.0/24,fd00:10::/56,nonsense,,") == []
