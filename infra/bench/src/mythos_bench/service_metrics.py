"""What the services say about themselves on ``/metrics`` during a run: their garbage
collection pauses (``mythos_gc_pause_seconds``) and the broker messages they published
and consumed (``mythos_bus_published_total``, ``mythos_bus_delivered_total``), from the
contract's ops metrics."""

from __future__ import annotations

import math
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

GC_METRIC = "mythos_gc_pause_seconds"
BUS_COUNTERS = {
    "mythos_bus_published_total": "publishes",
    "mythos_bus_delivered_total": "deliveries",
}
LONG_PAUSE_SECONDS = 0.02  # a pause longer than this shows in a 50 ms p99


def metrics_urls(internal_base: int, edges: int) -> dict[str, list[str]]:
    """Each Python service's /metrics (the launcher's port layout: auth, game,
    persistence, then the edges)."""
    host = "http://127.0.0.1"
    return {
        "auth": [f"{host}:{internal_base}/metrics"],
        "game": [f"{host}:{internal_base + 1}/metrics"],
        "persistence": [f"{host}:{internal_base + 2}/metrics"],
        "edge": [f"{host}:{internal_base + 3 + i}/metrics" for i in range(edges)],
    }


GcBuckets = dict[float, float]  # upper bound (s) -> cumulative count, every generation


def gc_buckets(url: str) -> GcBuckets:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    buckets: GcBuckets = {}
    for family in text_string_to_metric_families(text):
        if family.name != GC_METRIC:
            continue
        for sample in family.samples:
            if sample.name == GC_METRIC + "_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return buckets


def scrape(urls: dict[str, list[str]]) -> dict[str, GcBuckets]:
    out: dict[str, GcBuckets] = {}
    for name, addresses in urls.items():
        total: GcBuckets = {}
        for url in addresses:
            try:
                for bound, count in gc_buckets(url).items():
                    total[bound] = total.get(bound, 0.0) + count
            except OSError:
                continue  # a service that is down reports nothing for this step
        out[name] = total
    return out


def bus_messages(urls: dict[str, list[str]]) -> dict[str, float]:
    """Every service's publishes the broker confirmed and deliveries it consumed, summed:
    each message crosses the broker once as a publish and once per queue it reaches.
    Beside the two sums, each service's share: ``"game publishes mythos.events"`` (by
    exchange; ``""`` is the default one: the journal and replies) and ``"edge delivered
    mythos.edge"`` (by queue, its name's first two words: queues named per instance)."""
    total = dict.fromkeys(BUS_COUNTERS.values(), 0.0)
    for service, addresses in urls.items():
        for url in addresses:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    text = response.read().decode()
            except OSError:
                continue  # a service that is down reports nothing for this step
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    kind = BUS_COUNTERS.get(sample.name)
                    if kind is None:
                        continue
                    total[kind] += sample.value
                    key = f"{service} {kind} {_bus_label(sample.labels)}"
                    total[key] = total.get(key, 0.0) + sample.value
    return total


def _bus_label(labels: dict[str, str]) -> str:
    if "exchange" in labels:
        return labels["exchange"] or '""'
    return ".".join(labels.get("queue", "?").split(".")[:2])


def pauses(before: GcBuckets, after: GcBuckets) -> dict[str, int | str]:
    """Between two scrapes: how many collections, how many over 20 ms, and the longest
    as the histogram knows it: "<= B ms", B the upper bound of its bucket."""
    delta = {bound: after[bound] - before.get(bound, 0.0) for bound in after}
    total = delta.get(math.inf, 0.0)
    if not total:
        return {"collections": 0, "over_20ms": 0, "longest": "-"}
    under = max((n for bound, n in delta.items() if bound <= LONG_PAUSE_SECONDS), default=0.0)
    longest = min(bound for bound, n in delta.items() if n >= total)
    finite = max(bound for bound in delta if bound != math.inf)
    return {
        "collections": int(total),
        "over_20ms": int(total - under),
        "longest": f"<= {longest * 1000:g} ms"
        if longest != math.inf
        else f"> {finite * 1000:g} ms",
    }
