"""Fusion of the lexical and dense candidate lists into one ranking.

Two ways, both measured in `shopsense.evaluation.search`: reciprocal-rank fusion (no training,
`Candidates.rrf`) and `LearnedFusion`, a LambdaMART ranker (LightGBM) over the candidate
features of `candidates.FEATURES`, trained on judged queries.
"""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopsense.retrieval.search.candidates import FEATURES


class LearnedFusionConfig(BaseModel):
    """LambdaMART settings.

    The defaults (small trees, slow shrinkage, long patience) were chosen on a split inside
    the Home Depot dev queries, the test half untouched: with the search-log features they
    reach NDCG@10 0.4762 there against 0.4720 for 31 leaves at 0.05 with patience 40.
    """

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(2000, ge=1, description="Most boosting rounds.")
    learning_rate: float = Field(0.02, gt=0, description="Shrinkage per round.")
    num_leaves: int = Field(15, ge=2, description="Leaves per tree.")
    min_child_samples: int = Field(100, ge=1, description="Fewest candidates in a leaf.")
    early_stopping_rounds: int = Field(
        150, ge=1, description="Stop when NDCG@10 on the held-back queries has not improved."
    )
    validation_fraction: float = Field(
        0.2, gt=0, lt=1, description="Share of training queries held back for early stopping."
    )
    grades: int = Field(
        7, ge=2, description="Relevance 1..3 is binned into this many grades (+ 0 = unjudged)."
    )
    seed: int = Field(0, description="Seed of the held-back split and of LightGBM.")
    features: list[str] | None = Field(
        None,
        description="Names of the `candidates.FEATURES` the ranker reads (None: all of them). "
        "Leaving out `search_log.LOG_FEATURES` gives a ranker on text signals alone.",
    )

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
    """A LambdaMART ranker over candidate features; gains are graded relevance (0 = none)."""

    def __init__(self, config: LearnedFusionConfig | None = None) -> None:
        self.config = config or LearnedFusionConfig()
        self.booster: lgb.Booster | None = None
        self.best_iteration = 0
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
        rng = np.random.default_rng(self.config.seed)
        held = rng.random(len(useful)) < self.config.validation_fraction
        train = [q for q, h in zip(useful, held, strict=True) if not h]
        valid = [q for q, h in zip(useful, held, strict=True) if h] or train
        params = {
            "objective": "lambdarank",
            "metric": "ndcg",
            "ndcg_eval_at": [10],
            "label_gain": self._label_gain(),
            "lambdarank_truncation_level": 20,
            "learning_rate": self.config.learning_rate,
            "num_leaves": self.config.num_leaves,
            "min_data_in_leaf": self.config.min_child_samples,
            "seed": self.config.seed,
            "num_threads": 2,
            "verbosity": -1,
        }
        x_train, y_train, group_train = self._stack(features, gains, train)
        train_set = lgb.Dataset(x_train, y_train, group=group_train)
        x_valid, y_valid, group_valid = self._stack(features, gains, valid)
        valid_set = lgb.Dataset(x_valid, y_valid, group=group_valid, reference=train_set)
        self.booster = lgb.train(
            params,
            train_set,
            num_boost_round=self.config.n_estimators,
            valid_sets=[valid_set],
            callbacks=[lgb.early_stopping(self.config.early_stopping_rounds, verbose=False)],
        )
        self.best_iteration = int(self.booster.best_iteration or self.config.n_estimators)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        """Ranking score per candidate (higher is better)."""
        if self.booster is None:
            raise RuntimeError("LearnedFusion is not trained: call fit first")
        if len(features) == 0:
            return np.zeros(0)
        return self.booster.predict(features[:, self._columns], num_iteration=self.best_iteration)

    def importance(self) -> dict[str, float]:
        """Share of total split gain per feature."""
        if self.booster is None:
            return {}
        gain = self.booster.feature_importance(importance_type="gain")
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
    ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        x = np.vstack([features[q][:, self._columns] for q in queries])
        y = np.concatenate([self._grade(np.asarray(gains[q], dtype=np.float64)) for q in queries])
        return x, y, [len(gains[q]) for q in queries]
