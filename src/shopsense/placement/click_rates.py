"""Serving-time click-through estimates: smoothed item click rates times a position factor.

The auction needs a pCTR for every sponsored candidate within a request's time budget, so at
serving time the estimate is a table lookup: per item, its clicks and impressions in the
impression log shrunk towards the overall rate (`prior_impressions` pseudo-impressions), times
the click rate of the position relative to the first one. The LightGBM click model
(`shopsense.placement.click_model`) is what trains on richer features offline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ClickRates", "ClickRatesConfig"]


class ClickRatesConfig(BaseModel):
    """Smoothing of the click-rate table."""

    model_config = ConfigDict(extra="forbid")

    default_rate: float = Field(
        0.005, gt=0, lt=1, description="Click rate assumed before any impression is logged."
    )
    prior_impressions: float = Field(
        200.0, gt=0, description="Pseudo-impressions at the overall rate added to every item."
    )


class ClickRates:
    """pCTR(item, position) = smoothed item rate x position factor."""

    def __init__(self, config: ClickRatesConfig | None = None) -> None:
        self.config = config or ClickRatesConfig()
        self._overall = self.config.default_rate
        self._items: dict[str, float] = {}
        self._positions = np.ones(1)

    def fit(self, log: pl.DataFrame) -> ClickRates:
        """Estimate from an impression log with `item_id`, `position` and `clicked` columns
        (`PlacementStore.impression_log()`)."""
        if log.height == 0:
            return self
        clicked = log["clicked"].cast(pl.Float64)
        self._overall = float(clicked.mean()) or self.config.default_rate
        prior = self.config.prior_impressions
        per_item = log.group_by("item_id").agg(
            pl.col("clicked").cast(pl.Float64).sum().alias("clicks"), pl.len().alias("shows")
        )
        self._items = {
            item: (clicks + prior * self._overall) / (shows + prior)
            for item, clicks, shows in per_item.iter_rows()
        }
        per_position = log.group_by("position").agg(
            pl.col("clicked").cast(pl.Float64).sum().alias("clicks"), pl.len().alias("shows")
        )
        n_positions = int(log["position"].max()) + 1
        rates = np.full(n_positions, self._overall)
        for position, clicks, shows in per_position.iter_rows():
            rates[position] = (clicks + prior * self._overall) / (shows + prior)
        self._positions = rates / rates[0]
        return self

    def predict(self, items: Sequence[str], position: int) -> np.ndarray:
        """Estimated click probability of each item shown at `position`."""
        factor = self._positions[min(position, len(self._positions) - 1)]
        rates = np.array([self._items.get(item, self._overall) for item in items])
        return np.clip(rates * factor, 0.0, 1.0)
