"""Metric names every service shares, and the Prometheus exposition.

Service-specific metrics live in each service; these are the bus's, counted by both bus
adapters so that embedded mode and RabbitMQ report the same series.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, generate_latest

BUS_PUBLISHED = Counter(
    "mythos_bus_published",
    "Messages the broker confirmed, by exchange ('' is the default exchange: replies).",
    ["exchange"],
)
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

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The text format Prometheus scrapes."""
    return generate_latest(REGISTRY)
