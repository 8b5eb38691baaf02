"""Fusion of the lexical and dense candidate lists into one ranking.

Two ways, both measured in `shopsense.evaluation.search`: reciprocal-rank fusion (no training,
`SearchCandidates.rrf`) and `LearnedFusion`, the shared LambdaMART ranker
(`shopsense.learning`) over the candidate features of `candidates.FEATURES`, trained on judged
queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from shopsense.learning import LambdaMART, LambdaMARTConfig, RankingExamples
from shopsense.search.candidates import FEATURES

#: Names this config had before it shared `LambdaMARTConfig`'s, and the name each has now.
RENAMED = {
    "n_estimators": "max_rounds",
    "min_child_samples": "min_data_in_leaf",
    "validation_fraction": "holdout_fraction",
}


class LearnedFusionConfig(LambdaMARTConfig):
    """LambdaMART settings with search's defaults, the features read and the grading of gains.

    The defaults (small trees, slow shrinkage, long patience) were chosen on a split inside
    the Home Depot dev queries, the test half untouched: with the search-log features they
    reach NDCG@10 0.4762 there against 0.4720 for 31 leaves at 0.05 with patience 40. The
    settings not tuned for search are LightGBM's own defaults.
    """

    max_rounds: int = Field(2000, ge=1, description="Most boosting rounds.")
    learning_rate: float = Field(0.02, gt=0, description="Shrinkage per round.")
    num_leaves: int = Field(15, ge=2, description="Leaves per tree.")
    early_stopping_rounds: int = Field(
        150, ge=1, description="Stop when NDCG@10 on the held-back queries has not improved."
    )
    holdout_fraction: float = Field(
        0.2, ge=0, lt=1, description="Share of training queries held back for early stopping."
    )
    holdout_split: Literal["exact", "draw"] = Field(
        "draw",
        description="Each query is held back by a seeded draw (see `LambdaMARTConfig`); if "
        "none or all are, early stopping watches the training queries.",
    )
    feature_fraction: float = Field(
        1.0, gt=0, le=1, description="Share of features each tree may split on."
    )
    lambda_l2: float = Field(0.0, ge=0, description="L2 penalty on leaf values.")
    max_bin: int = Field(255, ge=2, description="Histogram bins per feature.")
    deterministic: bool = Field(
        False, description="Row-wise histograms and LightGBM's deterministic mode (see base)."
    )
    grades: int = Field(
        7, ge=2, description="Relevance 1..3 is binned into this many grades (+ 0 = unjudged)."
    )
    features: list[str] | None = Field(
        None,
        description="Names of the `candidates.FEATURES` the ranker reads (None: all of them). "
        "Leaving out `search_log.LOG_FEATURES` gives a ranker on text signals alone.",
    )

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, values: Any) -> Any:
        old = sorted(set(values) & set(RENAMED)) if isinstance(values, dict) else []
        if old:
            raise ValueError(", ".join(f"{name} is now {RENAMED[name]}" for name in old))
        return values

    @field_validator("features")
    @classmethod
    def _known(cls, names: list[str] | None) -> list[str] | None:
        unknown = sorted(set(names or ()) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown features {unknown}; known: {list(FEATURES)}")
        if names is not None and not names:
            raise ValueError("features: give at least one, or None for all")
        return names


class LearnedFusion:
    """A LambdaMART ranker over candidate features; gains are graded relevance (0 = none).

    It chooses the feature columns, grades relevance into integer labels and stacks the
    queries; `shopsense.learning.LambdaMART` trains and scores.
    """

    def __init__(self, config: LearnedFusionConfig | None = None) -> None:
        self.config = config or LearnedFusionConfig()
        self.model = LambdaMART(self.config)
        names = self.config.features or list(FEATURES)
        self.feature_names = [name for name in FEATURES if name in names]
        self._columns = np.array([FEATURES.index(name) for name in self.feature_names])

    def fit(self, features: Sequence[np.ndarray], gains: Sequence[np.ndarray]) -> LearnedFusion:
        """Train on one feature matrix and one gain vector (relevance, 0 if unjudged) per query.

        Queries whose candidates hold no relevant product teach nothing and are skipped.
        """
        useful = [i for i, gain in enumerate(gains) if len(gain) and np.max(gain) > 0]
        if not useful:
            raise ValueError("no training query has a relevant product among its candidates")
        self.model = LambdaMART(self.config).fit(
            self._stack(features, gains, useful), self.feature_names, self._label_gain()
        )
        return self

    @property
    def best_iteration(self) -> int:
        """Boosting rounds the scores use (the best on the held-back queries)."""
        return self.model.best_iteration

    def score(self, features: np.ndarray) -> np.ndarray:
        """Ranking score per candidate (higher is better)."""
        if self.model.booster is None:
            raise RuntimeError("LearnedFusion is not trained: call fit first")
        if len(features) == 0:
            return np.zeros(0)
        return self.model.predict(features[:, self._columns])

    def importance(self) -> dict[str, float]:
        """Share of total split gain per feature."""
        gains = self.model.importance()
        if not gains:
            return {}
        gain = np.array([gains[name] for name in self.feature_names])
        total = float(gain.sum()) or 1.0
        return {
            name: float(value / total) for name, value in zip(self.feature_names, gain, strict=True)
        }

    def _grade(self, gains: np.ndarray) -> np.ndarray:
        # Relevance 1..3 onto grades 1..n, so that LightGBM's integer labels keep the scale.
        steps = self.config.grades - 1
        graded = np.rint((np.clip(gains, 1.0, 3.0) - 1.0) / 2.0 * steps).astype(np.int64) + 1
        return np.where(gains > 0, graded, 0)

    def _label_gain(self) -> list[float]:
        steps = max(self.config.grades - 1, 1)
        return [0.0] + [1.0 + 2.0 * g / steps for g in range(self.config.grades)]

    def _stack(
        self, features: Sequence[np.ndarray], gains: Sequence[np.ndarray], queries: list[int]
    ) -> RankingExamples:
        x = np.vstack([features[q][:, self._columns] for q in queries])
        y = np.concatenate([self._grade(np.asarray(gains[q], dtype=np.float64)) for q in queries])
        return RankingExamples(x, y, np.array([len(gains[q]) for q in queries]))
