"""Most-popular items: the same list for every user, the baseline every model must beat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from shopsense.data.dataset import KIND_WEIGHTS, Dataset
from shopsense.data.errors import DataError
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext

_SECONDS_PER_DAY = 86_400.0


class PopularityConfig(RetrieverConfig):
    """How interactions are counted."""

    weighting: Literal["count", "kind"] = Field(
        default="count",
        description="`count`: every interaction counts 1; `kind`: weighted by interaction kind "
        "(purchase > cart > click > view, see `shopsense.data.dataset.KIND_WEIGHTS`).",
    )
    half_life_days: float | None = Field(
        default=None,
        gt=0,
        description="If set, an interaction this many days older than the newest one counts "
        "half as much (exponential decay); needs timestamps. None: no recency weighting.",
    )


class PopularityRetriever(Retriever):
    """Scores each item by its (optionally kind- and recency-weighted) interaction count."""

    name = "popularity"
    config_class = PopularityConfig
    config: PopularityConfig

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        events = dataset.events
        weights = np.ones(events.height)
        if self.config.weighting == "kind":
            weights = events["kind"].replace_strict(KIND_WEIGHTS, default=1.0).to_numpy()
        if self.config.half_life_days is not None:
            weights = weights * _recency_weights(events, self.config.half_life_days, dataset)
        counts = np.bincount(events["item"].to_numpy(), weights=weights, minlength=dataset.n_items)
        self.popularity = counts.astype(np.float32)

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return np.broadcast_to(self.popularity, (len(users), self.n_items)).copy()

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity[items], (len(users), len(items))).copy()


def _recency_weights(events: pl.DataFrame, half_life_days: float, dataset: Dataset) -> np.ndarray:
    if events.height == 0:
        return np.empty(0)
    if events["timestamp"].null_count() > 0:
        raise DataError(
            "half_life_days needs a timestamp on every interaction; set it to None for data "
            "without times",
            source=dataset.source or dataset.name,
            field="timestamp",
        )
    seconds = events["timestamp"].dt.epoch("us").to_numpy() / 1e6
    age_days = (seconds.max() - seconds) / _SECONDS_PER_DAY
    return np.exp2(-age_days / half_life_days)
