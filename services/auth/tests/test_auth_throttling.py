"""Throttles: the pure limiters, client addresses, and the 429s over HTTP.

Time is a fake clock the tests move; nothing sleeps.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from mythos_auth.domain.throttling import (
    ExponentialLockout,
    SlidingWindowLimit,
    retry_after_seconds,
)
from mythos_auth.entrypoints import client_address as client_address_module
from mythos_auth.entrypoints.client_address import client_address, throttle_key
from mythos_auth.settings import AuthSettings, parse_networks


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


# --- the pure limiters ---------------------------------------------------------------


def test_sliding_window_allows_the_limit_then_names_the_wait() -> None:
    now = Ticker()
    limit = SlidingWindowLimit(3, 60.0, now)
    for _ in range(3):
        assert limit.acquire("a") is None
        now.t += 10
    assert limit.acquire("a") == pytest.approx(30.0)  # the first event leaves the window at 160
    assert limit.acquire("b") is None  # other keys are independent
    now.t = 160.0
    assert limit.acquire("a") is None
    assert limit.retry_after("a") == pytest.approx(10.0)


def test_refused_attempts_do_not_extend_the_wait() -> None:
    now = Ticker()
    limit = SlidingWindowLimit(1, 60.0, now)
    limit.acquire("a")
    for _ in range(50):
        now.t += 1
        limit.acquire("a")
    now.t = 160.0
    assert limit.acquire("a") is None


def test_zero_turns_a_limit_off() -> None:
    limit = SlidingWindowLimit(0, 60.0, Ticker())
    assert all(limit.acquire("a") is None for _ in range(1000))
    lockout = ExponentialLockout(0, 1.0, 900.0, Ticker())
    for _ in range(100):
        lockout.begin("a")
    assert lockout.retry_after("a") is None


def test_the_limiters_forget_the_oldest_keys_beyond_their_bound() -> None:
    limit = SlidingWindowLimit(1, 60.0, Ticker(), max_keys=3)
    for key in "abcd":
        limit.acquire(key)
    assert limit.retry_after("a") is None  # evicted
    assert limit.retry_after("d") is not None


def test_lockout_doubles_from_the_threshold_and_is_capped() -> None:
    lockout = ExponentialLockout(5, 1.0, 900.0, Ticker())
    assert [lockout.lock_seconds(n) for n in range(1, 9)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert lockout.lock_seconds(14) == 512
    assert lockout.lock_seconds(15) == 900
    assert lockout.lock_seconds(10_000) == 900


def test_lockout_locks_counts_and_resets_on_success() -> None:
    now = Ticker()
    lockout = ExponentialLockout(3, 1.0, 900.0, now)
    for _ in range(2):
        lockout.begin("armitage")
    assert lockout.retry_after("armitage") is None
    lockout.begin("armitage")  # third failure: locked 1 s
    assert lockout.retry_after("armitage") == pytest.approx(1.0)
    now.t += 1
    assert lockout.retry_after("armitage") is None
    lockout.begin("armitage")  # fourth: 2 s
    assert lockout.retry_after("armitage") == pytest.approx(2.0)
    lockout.succeeded("armitage")
    assert lockout.failures("armitage") == 0 and lockout.retry_after("armitage") is None


def test_a_streak_is_forgotten_after_a_quiet_day() -> None:
    now = Ticker()
    lockout = ExponentialLockout(2, 1.0, 900.0, now, forget=86400)
    lockout.begin("x")
    now.t += 86399
    assert lockout.failures("x") == 1
    now.t += 1
    assert lockout.failures("x") == 0


def test_retry_after_is_whole_seconds_rounded_up_and_never_zero() -> None:
    assert [retry_after_seconds(d) for d in (0.0, 0.2, 1.0, 1.01, 59.5)] == [1, 1, 1, 2, 60]


# --- which client ----------------------------------------------------------------------

LOCAL = parse_networks("127.0.0.1,::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        # No proxy trusted: the peer, whatever the header says.
        ("203.0.113.9", ["198.51.100.1"], (), "203.0.113.9"),
        # An untrusted peer cannot speak for anyone else.
        ("203.0.113.9", ["198.51.100.1"], LOCAL, "203.0.113.9"),
        # The trusted local proxy (Caddy) appended the real client.
        ("127.0.0.1", ["198.51.100.1"], LOCAL, "198.51.100.1"),
        # A client-sent entry left of the real one is never believed.
        ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], LOCAL, "198.51.100.1"),
        ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], LOCAL, "198.51.100.1"),
        # Chains of trusted proxies are walked from the right.
        (
            "10.0.0.2",
            ["198.51.100.1, 10.0.0.1"],
            parse_networks("10.0.0.0/8"),
            "198.51.100.1",
        ),
        # Garbage stops the walk at the last trusted hop.
        ("127.0.0.1", ["not-an-ip"], LOCAL, "127.0.0.1"),
        # No header: the proxy itself.
        ("127.0.0.1", [], LOCAL, "127.0.0.1"),
        ("::1", ["2001:db8::7"], LOCAL, "2001:db8::7"),
        ("127.0.0.1", ["[2001:db8::7]:4711"], LOCAL, "2001:db8::7"),
        ("127.0.0.1", ["198.51.100.1:4711"], LOCAL, "198.51.100.1"),
        ("::ffff:127.0.0.1", ["198.51.100.1"], LOCAL, "198.51.100.1"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], proxies: Any, expected: str) -> None:
    assert client_address(peer, forwarded, proxies) == ipaddress.ip_address(expected)


def test_unknown_peers_and_ipv6_prefixes() -> None:
    assert client_address(None, ["1.2.3.4"], LOCAL) is None
    assert throttle_key(None) == "unknown"
    assert throttle_key(ipaddress.ip_address("198.51.100.1")) == "198.51.100.1"
    # One subscriber owns a whole /64.
    a = throttle_key(ipaddress.ip_address("2001:db8:1:2::1"))
    b = throttle_key(ipaddress.ip_address("2001:db8:1:2:ffff::9"))
    assert a == b == "2001:db8:1:2::/64"


def test_trusted_proxies_setting_parses_and_can_be_switched_off() -> None:
    settings = AuthSettings(trusted_proxies="127.0.0.1, 10.0.0.0/8 ,::1")
    assert [str(n) for n in settings.trusted_proxy_networks] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    assert AuthSettings(trust_forwarded_for=False).trusted_proxy_networks == ()
    with pytest.raises(ValueError, match="AUTH_TRUSTED_PROXIES"):
        AuthSettings(trusted_proxies="127.0.0.1,nonsense")


# --- over HTTP -------------------------------------------------------------------------


async def test_login_is_limited_per_address(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    settings = configure(auth_settings, login_per_ip_per_minute=3)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        await api.register("Armitage")
        for _ in range(3):
            clock.advance(5)
            assert (await api.login("Armitage", address="198.51.100.1")).status_code == 200
        refused = await api.login("Armitage", address="198.51.100.1")
        assert refused.status_code == 429
        # The first attempt (5 s in) leaves the minute's window 50 s from now (15 s in).
        assert refused.headers["retry-after"] == "50"
        assert refused.json() == {
            "detail": "too many login attempts from your address; try again in 50 s",
            "retry_after": 50,
        }
        # Another address is not affected.
        assert (await api.login("Armitage", address="198.51.100.2")).status_code == 200
        clock.advance(49)
        assert (await api.login("Armitage", address="198.51.100.1")).status_code == 429
        clock.advance(1)
        assert (await api.login("Armitage", address="198.51.100.1")).status_code == 200


async def test_failed_logins_lock_the_username_exponentially(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    settings = configure(auth_settings, login_per_ip_per_minute=0, login_lockout_threshold=3)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        await api.register("Armitage")
        for _ in range(3):
            assert (await api.login("Armitage", "wrong password")).status_code == 401
        # The third failure locked the name for 1 s; even the right password must wait.
        locked = await api.login("armitage")
        assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
        assert locked.json()["detail"] == (
            "too many failed logins for this username; try again in 1 s"
        )
        for expected in (2, 4, 8):
            clock.advance(float(locked.headers["retry-after"]))
            assert (await api.login("Armitage", "wrong password")).status_code == 401
            locked = await api.login("Armitage")
            assert locked.status_code == 429
            assert locked.headers["retry-after"] == str(expected)
        # Other usernames are not affected, and the right password after the wait clears it.
        assert (await api.tokens("Wilbur"))["access_token"]
        clock.advance(8)
        assert (await api.login("Armitage")).status_code == 200
        assert (await api.login("Armitage", "wrong password")).status_code == 401
        assert (await api.login("Armitage")).status_code == 200


async def test_lockout_is_capped(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    settings = configure(
        auth_settings,
        login_per_ip_per_minute=0,
        login_lockout_threshold=1,
        login_lockout_max_seconds=5.0,
    )
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        waits = []
        for _ in range(6):
            assert (await api.login("Armitage", "wrong password")).status_code == 401
            locked = await api.login("Armitage", "wrong password")
            waits.append(int(locked.headers["retry-after"]))
            clock.advance(waits[-1])
        assert waits == [1, 2, 4, 5, 5, 5]


async def test_unknown_usernames_lock_exactly_like_real_ones(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    """Otherwise the lockout would tell an attacker which usernames exist."""
    settings = configure(auth_settings, login_per_ip_per_minute=0, login_lockout_threshold=2)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        await api.register("Armitage")
        answers = {}
        for name in ("Armitage", "Nobody"):
            for _ in range(2):
                await api.login(name, "wrong password")
            locked = await api.login(name, "wrong password")
            answers[name] = (locked.status_code, locked.headers["retry-after"], locked.json())
        assert answers["Armitage"] == answers["Nobody"]
        assert answers["Nobody"][0] == 429


async def test_registration_is_limited_per_address_counting_only_plausible_attempts(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    settings = configure(auth_settings, register_per_ip_per_minute=2)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        here = "198.51.100.7"
        # Rule breakers are answered without touching the database and are not counted.
        for _ in range(5):
            assert (await api.register("x", address=here)).status_code == 422
        assert (await api.register("Armitage", address=here)).status_code == 201
        assert (await api.register("armitage", address=here)).status_code == 409
        refused = await api.register("Wilbur", address=here)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "60"
        assert refused.json()["detail"] == (
            "too many registrations from your address; try again in 60 s"
        )
        assert (await api.register("Wilbur", address="198.51.100.8")).status_code == 201
        clock.advance(60)
        assert (await api.register("Lavinia", address=here)).status_code == 201


async def test_forwarded_for_is_ignored_unless_the_peer_is_trusted(
    auth_settings: AuthSettings, serve: Any, api_for: Any, configure: Any
) -> None:
    # The test transport's peer is 127.0.0.1; trusting no proxy means the header is ignored
    # and every "address" below is the same client.
    settings = configure(auth_settings, login_per_ip_per_minute=2, trust_forwarded_for=False)
    async with serve(settings) as (_, client):
        api = api_for(client)
        assert (await api.login("Nobody", address="198.51.100.1")).status_code == 401
        assert (await api.login("Nobody", address="198.51.100.2")).status_code == 401
        assert (await api.login("Nobody", address="198.51.100.3")).status_code == 429


async def test_an_untrusted_forwarding_peer_is_reported_once(
    auth_settings: AuthSettings,
    serve: Any,
    api_for: Any,
    configure: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_address_module, "_noted", set())
    settings = configure(auth_settings, trusted_proxies="192.0.2.1")
    async with serve(settings) as (_, client):
        api = api_for(client)
        for _ in range(2):
            await api.login("Nobody", address="198.51.100.1")
    warnings = [r for r in caplog.records if "AUTH_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1
    assert "ignoring X-Forwarded-For from 127.0.0.1" in warnings[0].getMessage()


async def test_a_lockout_held_from_one_network_does_not_lock_the_owner_out_elsewhere(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    """One wrong guess every 15 minutes used to keep a username locked for everybody."""
    settings = configure(auth_settings, login_per_ip_per_minute=0)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        await api.register("Armitage")
        attacker, owner = "198.51.100.66", "203.0.113.5"
        for _ in range(settings.login_lockout_threshold - 1):
            assert (await api.login("Armitage", "wrong", address=attacker)).status_code == 401
        for _ in range(8):
            # One guess every 15 minutes renews the attacker's lock on the name...
            assert (await api.login("Armitage", "wrong", address=attacker)).status_code == 401
            locked = await api.login("Armitage", address=attacker)
            # ...for the attacker's network, which is refused even the right password...
            assert locked.status_code == 429, locked.text
            assert locked.json()["detail"].startswith("too many failed logins for this username")
            # ...while the owner, elsewhere, logs in.
            assert (await api.login("Armitage", address=owner)).status_code == 200
            clock.advance(15 * 60)
        # IPv6 clients are one network per /64: another address of the same /64 is locked too.
        for _ in range(5):
            await api.login("Armitage", "wrong", address="2001:db8:1:2::1")
        assert (await api.login("Armitage", address="2001:db8:1:2::99")).status_code == 429
        assert (await api.login("Armitage", address="2001:db8:1:3::1")).status_code == 200


async def test_a_much_higher_ceiling_bounds_attempts_at_one_username_from_all_networks(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any, configure: Any
) -> None:
    settings = configure(auth_settings, login_per_ip_per_minute=0, login_per_username_per_hour=6)
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        await api.register("Armitage")
        for n in range(6):
            clock.advance(60)
            wrong = await api.login("Armitage", "wrong", address=f"198.51.100.{n}")
            assert wrong.status_code == 401
        refused = await api.login("Armitage", address="203.0.113.5")
        assert refused.status_code == 429
        # The first attempt (60 s in) leaves the hour's window 55 minutes from now.
        assert refused.headers["retry-after"] == str(3600 - 5 * 60)
        assert refused.json()["detail"] == (
            "too many login attempts for this username from all addresses; try again in 3300 s"
        )
        # Other usernames are not affected; refused attempts did not count.
        assert (await api.tokens("Wilbur"))["access_token"]
        clock.advance(3300)
        assert (await api.login("Armitage", address="203.0.113.5")).status_code == 200
