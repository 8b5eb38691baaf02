"""Frequency caps: how often a shopper has seen a campaign within its sliding window."""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta

from shopsense.placement.campaigns import FrequencyCap

__all__ = ["ExposureCounter"]


class ExposureCounter:
    """Impression times per (shopper, campaign), kept for the longest window in use."""

    def __init__(self) -> None:
        self._seen: defaultdict[tuple[str, str], deque[datetime]] = defaultdict(deque)

    def allows(
        self, shopper_id: str, campaign_id: str, cap: FrequencyCap | None, at: datetime
    ) -> bool:
        """Whether one more impression at `at` stays within `cap` (no cap: always)."""
        if cap is None:
            return True
        times = self._seen.get((shopper_id, campaign_id))
        if not times:
            return True
        since = at - timedelta(hours=cap.window_hours)
        return sum(1 for seen in times if seen > since) < cap.impressions

    def record(
        self, shopper_id: str, campaign_id: str, at: datetime, cap: FrequencyCap | None
    ) -> None:
        """Count an impression (uncapped campaigns need no count); times older than the cap's
        window are dropped."""
        if cap is None:
            return
        times = self._seen[(shopper_id, campaign_id)]
        times.append(at)
        since = at - timedelta(hours=cap.window_hours)
        while times and times[0] <= since:
            times.popleft()

    def forget(self, shopper_id: str) -> None:
        """Drop everything counted for a shopper (erasure)."""
        for key in [key for key in self._seen if key[0] == shopper_id]:
            del self._seen[key]
