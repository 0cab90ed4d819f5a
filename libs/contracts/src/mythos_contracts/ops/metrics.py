"""Metric names every service shares, and the Prometheus exposition.

Service-specific metrics live in each service; these are the bus's, counted by both bus
adapters so that embedded mode and RabbitMQ report the same series.
"""

from __future__ import annotations

import functools
import gc
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

BUS_PUBLISHED = Counter(
    "mythos_bus_published",
    "Messages the broker confirmed, by exchange ('' is the default exchange: replies and "
    "journal records).",
    ["exchange"],
)


@functools.cache
def bus_published(exchange: str) -> Counter:
    """``BUS_PUBLISHED``'s child for ``exchange``, bound once: ``labels()`` per publish
    validates and locks every time. Exchanges are a fixed set, so the cache is bounded."""
    return BUS_PUBLISHED.labels(exchange)


BUS_PUBLISH_RETRIES = Counter(
    "mythos_bus_publish_retries",
    "Publishes retried because the broker connection was re-opening.",
)
BUS_DELIVERED = Counter(
    "mythos_bus_delivered",
    "Deliveries handled by this process's consumers, by queue and outcome (ack|dead_letter).",
    ["queue", "outcome"],
)
BUS_RECONNECTS = Counter(
    "mythos_bus_reconnects",
    "Times the broker connection was lost and re-established.",
)
BUS_CONNECTED = Gauge(
    "mythos_bus_connected",
    "1 while the broker connection is open, 0 while it is lost or re-opening.",
)
BUS_QUEUE_DEPTH = Gauge(
    "mythos_bus_queue_depth",
    "Ready messages last seen in each queue this process consumes (sampled at scrape).",
    ["queue"],
)

# A full collection stops the whole event loop: every message waits behind it, so its
# length bounds the tail latency. Fine buckets around the 20 ms that matter for p99.
GC_PAUSE = Histogram(
    "mythos_gc_pause_seconds",
    "Time each garbage collection stopped this process, by generation (0, 1, 2).",
    ["generation"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0),
)
_GC_PAUSE_BY_GENERATION = [GC_PAUSE.labels(str(generation)) for generation in range(3)]
_gc_started = 0.0


def _time_gc(phase: str, info: dict[str, Any]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    else:
        _GC_PAUSE_BY_GENERATION[info["generation"]].observe(time.perf_counter() - _gc_started)


if _time_gc not in gc.callbacks:
    gc.callbacks.append(_time_gc)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    return generate_latest(REGISTRY)
