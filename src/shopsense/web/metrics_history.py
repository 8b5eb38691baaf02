"""The last hour of the server's own metrics, for the console's live charts.

Prometheus counters only grow; a `MetricsHistory` reads them every few seconds and keeps, per
interval, what changed: requests and 5xx answers of the API (the console and static files left
out, so the console does not watch itself), latency percentiles from the latency histogram's
bucket counts (estimated as Prometheus' `histogram_quantile` does: linearly within a bucket),
and recommendation lists answered precomputed or live.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

#: Seconds between samples.
INTERVAL_S = 5.0
#: Samples kept (an hour of them).
KEEP = int(3600 / INTERVAL_S)
#: Routes not counted: the console's pages and the static files.
_OWN_ROUTES = ("/console", "/static")
QUANTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class Totals:
    """The counters at one moment."""

    requests: float
    errors: float
    #: Cumulative latency bucket counts: upper bound (seconds) -> requests at most that long.
    buckets: dict[float, float]
    lists: dict[str, float]


@dataclass(frozen=True)
class Sample:
    """What happened in one interval, ending at `at`."""

    at: datetime
    seconds: float
    requests: float
    errors: float
    #: Latency quantile (0.5, 0.95, 0.99) -> milliseconds; None without requests.
    latency_ms: dict[float, float | None]
    precomputed: float
    live: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


class MetricsHistory:
    """Samples of a metrics registry, newest last, at most `KEEP` of them."""

    def __init__(self, registry: CollectorRegistry, interval_s: float = INTERVAL_S) -> None:
        self.registry = registry
        self.interval_s = interval_s
        self.samples: deque[Sample] = deque(maxlen=KEEP)
        self._last: tuple[datetime, Totals] | None = None

    def sample(self) -> Sample | None:
        """Read the registry and record what changed since the last read (None: first read)."""
        now, totals = datetime.now(UTC), read_totals(self.registry)
        last, self._last = self._last, (now, totals)
        if last is None:
            return None
        then, before = last
        changed = {
            bound: totals.buckets[bound] - before.buckets.get(bound, 0.0)
            for bound in totals.buckets
        }
        sample = Sample(
            at=now,
            seconds=(now - then).total_seconds(),
            requests=totals.requests - before.requests,
            errors=totals.errors - before.errors,
            latency_ms={q: _quantile(q, changed) for q in QUANTILES},
            precomputed=totals.lists.get("precomputed", 0.0) - before.lists.get("precomputed", 0.0),
            live=totals.lists.get("live", 0.0) - before.lists.get("live", 0.0),
        )
        self.samples.append(sample)
        return sample

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Sample every `interval_s` seconds while the context is open."""
        task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval_s)


def read_totals(registry: CollectorRegistry) -> Totals:
    """The API's request, error, latency-bucket and list counters as they stand."""
    requests = errors = 0.0
    buckets: dict[float, float] = {}
    lists: dict[str, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            labels = sample.labels
            if _own(labels.get("route", "")):
                continue
            if sample.name == "shopsense_requests_total":
                requests += sample.value
                errors += sample.value if labels["status"].startswith("5") else 0.0
            elif sample.name == "shopsense_request_seconds_bucket":
                bound = float(labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
            elif sample.name == "shopsense_recommendation_lists_total":
                lists[labels["path"]] = sample.value
    return Totals(requests, errors, buckets, lists)


def _own(route: str) -> bool:
    return route.startswith(_OWN_ROUTES)


def _quantile(q: float, buckets: dict[float, float]) -> float | None:
    """The `q` quantile in milliseconds of cumulative bucket counts (None: no observations);
    beyond the last finite bound it is that bound."""
    ordered = sorted(buckets.items())
    total = ordered[-1][1] if ordered else 0.0
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound * 1000
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return (lower_bound + (bound - lower_bound) * share) * 1000
        lower_bound, lower_count = bound, count
    return lower_bound * 1000
