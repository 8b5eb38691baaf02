"""Prometheus metrics of one app, in its own registry (several apps can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Buckets sized for a recommender: most requests take a few milliseconds.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class Metrics:
    """Request counts and latencies by route template, events, shoppers and the bundle."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shopsense_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shopsense_request_seconds",
            "Request latency by route template.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.lists = Counter(
            "shopsense_recommendation_lists",
            "Recommendation lists by path: computed ahead at training (`precomputed`, the "
            "shopper's history unchanged since) or scored for the request (`live`).",
            ["path"],
            registry=self.registry,
        )
        self.live_batch = Histogram(
            "shopsense_live_batch_size",
            "Shoppers scored together in one batch of live lists (requests that waited for a "
            "free compute thread are batched).",
            buckets=(1, 2, 4, 8, 16, 32),
            registry=self.registry,
        )
        self.refresh_pending = Gauge(
            "shopsense_refresh_pending",
            "Shoppers with new events waiting for their list to be scored again.",
            registry=self.registry,
        )
        self.events = Counter("shopsense_events", "Events stored durably.", registry=self.registry)
        self.erasures = Counter("shopsense_erasures", "Shoppers erased.", registry=self.registry)
        self.shoppers = Gauge(
            "shopsense_shoppers", "Shoppers with at least one event.", registry=self.registry
        )
        self.bundle = Gauge(
            "shopsense_bundle_info",
            "The served bundle (value 1 on the current version).",
            ["version"],
            registry=self.registry,
        )
        self.swaps = Counter(
            "shopsense_bundle_swaps", "Bundles swapped in while serving.", registry=self.registry
        )

    def serve_bundle(self, version: str) -> None:
        """Mark `version` as the served bundle."""
        self.bundle.clear()
        self.bundle.labels(version=version).set(1)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
