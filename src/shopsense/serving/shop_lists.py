"""The shop-wide lists of a storefront's home page: trending products and new arrivals.

Trending: the products with the most events (views, carts, purchases...) in the last
`TRENDING_DAYS` days of the shop's activity, live events included. New arrivals: the products
added last, by the catalogue's `created_at`; where the catalogue has no dates, by the time of
each product's first event (when it first appeared in the shop's activity). Both are read from
the shoppers' events every server keeps in memory, at most once every `REFRESH_S` seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from shopsense.data.shoppers import UserEvent

#: Days of activity, back from the newest event, that make a product trending.
TRENDING_DAYS = 7.0
#: Seconds a computed list is reused before the events are read again.
REFRESH_S = 60.0
_DAY_S = 86_400.0


@dataclass(frozen=True)
class ItemActivity:
    """Per catalogue item: events in the trending window, and when it arrived (NaN unknown)."""

    recent: np.ndarray
    arrived: np.ndarray

    def trending(self, k: int) -> list[int]:
        """The `k` item indices with most recent events (ties: lower index first), none with
        no event."""
        order = np.lexsort((np.arange(len(self.recent)), -self.recent))
        return [int(i) for i in order[:k] if self.recent[i] > 0]

    def newest(self, k: int) -> list[int]:
        """The `k` item indices that arrived last (items with no known arrival left out)."""
        known = np.flatnonzero(~np.isnan(self.arrived))
        order = known[np.lexsort((known, -self.arrived[known]))]
        return [int(i) for i in order[:k]]


def item_activity(
    events: Mapping[str, Sequence[UserEvent]],
    item_index: Mapping[str, int],
    created_at: pl.Series,
    days: float = TRENDING_DAYS,
) -> ItemActivity:
    """Each item's events within `days` of the newest event, and its arrival time: the
    catalogue's `created_at` (seconds) where the catalogue has any, else its first event."""
    n_items = len(item_index)
    items = [item_index.get(e.item, -1) for history in events.values() for e in history]
    seconds = [e.timestamp for history in events.values() for e in history]
    rows = np.asarray(items, dtype=np.int64)
    times = np.asarray(seconds, dtype=np.float64)
    keep = (rows >= 0) & ~np.isnan(times)
    rows, times = rows[keep], times[keep]
    recent = np.zeros(n_items, dtype=np.int64)
    if len(times):
        window = times >= times.max() - days * _DAY_S
        recent = np.bincount(rows[window], minlength=n_items)
    if created_at.null_count() < len(created_at):
        arrived = created_at.dt.epoch("s").cast(pl.Float64).fill_null(math.nan).to_numpy()
    else:
        arrived = np.full(n_items, np.inf)
        np.minimum.at(arrived, rows, times)
        arrived[np.isinf(arrived)] = math.nan
    return ItemActivity(recent=recent, arrived=arrived)


class ShopLists:
    """The latest `item_activity` of the served catalogue, reused for `refresh_s` seconds."""

    def __init__(self, refresh_s: float = REFRESH_S) -> None:
        self.refresh_s = refresh_s
        self._key: object = None
        self._at = -math.inf
        self._activity: ItemActivity | None = None

    def fresh(self, catalogue: object) -> ItemActivity | None:
        """The cached activity of `catalogue`'s items, or None where it must be computed."""
        stale = time.monotonic() - self._at > self.refresh_s
        return None if stale or self._key is not catalogue else self._activity

    def keep(self, catalogue: object, activity: ItemActivity) -> ItemActivity:
        """Cache `activity` as `catalogue`'s, computed now."""
        self._key, self._at, self._activity = catalogue, time.monotonic(), activity
        return activity
