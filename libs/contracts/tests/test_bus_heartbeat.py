"""The AMQP adapters' heartbeat and their report of a lost connection, on the real
RabbitMQ: the broker runs each connection on the heartbeat its client asked for, drops a
client that went silent for a few heartbeats (a frozen process), and a connection the
broker closes is reported before the robust connection comes back; a close never is."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import pytest
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.amqp_journal import AmqpJournal
from mythos_local.broker_drops import close_connection_named

JOURNAL = "mythos.test.journal"


async def _timeouts(amqp_url: str) -> dict[str, int]:
    """Each connection's negotiated heartbeat timeout, by the name its client gave."""
    vhost = unquote(urlsplit(amqp_url).path[1:])
    # list_connections lists every vhost's (it takes no -p): filtered here.
    listed = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_connections", "vhost", "client_properties", "timeout",
        "--formatter", "json", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await listed.communicate()
    named: dict[str, int] = {}
    for connection in json.loads(out):
        if connection["vhost"] != vhost:
            continue
        for key, _type, value in connection["client_properties"]:
            if key == "connection_name":
                named[value] = connection["timeout"]
    return named


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (polled: a callback's effect)
            await asyncio.sleep(0.05)


def test_a_heartbeat_the_broker_cannot_take_is_refused() -> None:
    # aiormq would read either as 0: heartbeats silently off.
    for seconds in (-1, 65535):
        with pytest.raises(ValueError, match="heartbeat"):
            AmqpBus("amqp://guest:guest@127.0.0.1/", heartbeat=seconds)
        with pytest.raises(ValueError, match="heartbeat"):
            AmqpJournal("amqp://guest:guest@127.0.0.1/", JOURNAL, heartbeat=seconds)


@pytest.mark.services
async def test_the_broker_runs_each_connection_on_the_heartbeat_it_asked_for(
    amqp_url: str,
) -> None:
    bus = AmqpBus(amqp_url, connection_name="hb-bus", heartbeat=2)
    journal = AmqpJournal(amqp_url, JOURNAL, connection_name="hb-journal", heartbeat=3)
    default = AmqpBus(amqp_url, connection_name="hb-default")
    await bus.connect()
    await journal.open()
    await default.connect()
    try:
        timeouts = await _timeouts(amqp_url)
    finally:
        await bus.close()
        await journal.close()
        await default.close()
    assert timeouts == {"hb-bus": 2, "hb-journal": 3, "hb-default": 60}, timeouts


@pytest.mark.services
async def test_a_lost_connection_is_reported_before_the_reconnect_and_a_close_is_not(
    amqp_url: str,
) -> None:
    seen: list[str] = []
    bus = AmqpBus(amqp_url, connection_name="lost-bus")
    await bus.connect()
    bus.on_connection_lost(lambda: seen.append("bus lost"))
    bus.on_reconnect(lambda: seen.append("bus back"))
    journal = AmqpJournal(amqp_url, JOURNAL, connection_name="lost-journal", timeout=2.0)
    journal.on_connection_lost(lambda: seen.append("journal lost"))
    await journal.open()

    await close_connection_named(amqp_url, "lost-bus")
    await _until(lambda: "bus back" in seen)
    assert seen == ["bus lost", "bus back"]
    await close_connection_named(amqp_url, "lost-journal")
    await _until(lambda: "journal lost" in seen)

    await bus.close()
    await journal.close()
    await journal.open()  # a journal opened again still reports (a takeover may reopen it)
    await journal.close()
    await asyncio.sleep(0.3)
    assert seen == ["bus lost", "bus back", "journal lost"], "a close is not a loss"


@pytest.mark.services
async def test_a_client_silent_for_a_few_heartbeats_is_dropped_by_the_broker(
    amqp_url: str,
) -> None:
    """What a frozen game goes through: its loop sends nothing (blocked here, as SIGSTOP
    would), the broker closes the connection, and once it runs again the adapter reports
    the loss. A connection on aio-pika's default 60 s rides the same silence out."""
    lost: list[str] = []
    short = AmqpBus(amqp_url, connection_name="hb-short", heartbeat=1)
    default = AmqpBus(amqp_url, connection_name="hb-long")
    for bus, name in ((short, "short"), (default, "long")):
        await bus.connect()
        bus.on_connection_lost(lambda name=name: lost.append(name))

    time.sleep(5)  # the whole loop frozen: no heartbeat goes out  # noqa: ASYNC251
    await _until(lambda: lost == ["short"], timeout=10)
    await asyncio.sleep(0.5)
    assert lost == ["short"]
    await short.close()
    await default.close()
