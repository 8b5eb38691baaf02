"""`LambdaRanker`: a LightGBM LambdaRank model over candidate features.

Each training query is one user's candidate set with the held-out next item labelled 1. A
seeded share of the queries is kept aside to stop boosting when NDCG on them stops improving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

#: Fewest rows predicted with `RankerConfig.threads` threads; smaller batches use one.
PARALLEL_PREDICT_ROWS = 10_000


class RankerConfig(BaseModel):
    """LightGBM LambdaRank settings; defaults chosen on Amazon Beauty validation cases."""

    model_config = ConfigDict(extra="forbid")

    learning_rate: float = Field(0.1, gt=0, description="Shrinkage per boosting round.")
    num_leaves: int = Field(31, ge=2, description="Leaves per tree.")
    min_data_in_leaf: int = Field(100, ge=1, description="Fewest examples in a leaf.")
    feature_fraction: float = Field(
        0.8, gt=0, le=1, description="Share of features each tree may split on."
    )
    bagging_fraction: float = Field(
        1.0, gt=0, le=1, description="Share of queries each bagged tree sees (1: no bagging)."
    )
    bagging_freq: int = Field(0, ge=0, description="Re-draw the bag every this many rounds.")
    lambda_l2: float = Field(1.0, ge=0, description="L2 penalty on leaf values.")
    max_bin: int = Field(
        63, ge=2, description="Histogram bins per feature (fewer: faster, coarser splits)."
    )
    max_rounds: int = Field(300, ge=1, description="Upper bound on boosting rounds.")
    early_stopping_rounds: int = Field(
        30, ge=1, description="Stop after this many rounds without better held-aside NDCG."
    )
    holdout_fraction: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="Share of queries kept aside for early stopping; 0 trains max_rounds on all.",
    )
    truncation_level: int = Field(
        20, ge=1, description="LambdaRank pairs only involve items above this position."
    )
    eval_at: int = Field(10, ge=1, description="NDCG cut-off watched for early stopping.")
    seed: int = Field(0, description="Seed of bagging, feature sampling and the held-aside split.")
    threads: int = Field(2, ge=1, description="LightGBM threads.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Further LightGBM parameters, passed as given."
    )


@dataclass(frozen=True)
class RankingExamples:
    """Queries of candidate features: rows grouped by query, `groups` = rows per query."""

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray

    def queries(self, chosen: np.ndarray) -> RankingExamples:
        """The examples of the queries whose positions are in `chosen` (in that order)."""
        starts = np.concatenate([[0], np.cumsum(self.groups)])
        rows = np.concatenate([np.arange(starts[q], starts[q + 1]) for q in chosen])
        return RankingExamples(self.features[rows], self.labels[rows], self.groups[chosen])


class LambdaRanker:
    """Learns to order each query's candidates so its labelled item comes first."""

    def __init__(self, config: RankerConfig | None = None) -> None:
        self.config = config or RankerConfig()
        self.booster: lgb.Booster | None = None
        self.feature_names: list[str] = []

    def fit(self, examples: RankingExamples, feature_names: Sequence[str]) -> LambdaRanker:
        """Train on `examples` (queries without a positive should already be left out)."""
        config = self.config
        if len(examples.groups) == 0:
            raise ValueError("no training query has its target among the candidates")
        self.feature_names = list(feature_names)
        order = np.random.default_rng(config.seed).permutation(len(examples.groups))
        n_aside = int(round(len(order) * config.holdout_fraction))
        aside = examples.queries(np.sort(order[:n_aside])) if n_aside else None
        train = examples.queries(np.sort(order[n_aside:])) if n_aside else examples
        train_set = self._dataset(train)
        valid_sets, callbacks = [], [lgb.log_evaluation(0)]
        if aside is not None:
            valid_sets = [self._dataset(aside, reference=train_set)]
            callbacks.append(lgb.early_stopping(config.early_stopping_rounds, verbose=False))
        self.booster = lgb.train(
            self._params(),
            train_set,
            num_boost_round=config.max_rounds,
            valid_sets=valid_sets,
            callbacks=callbacks,
        )
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Ranking scores (higher first) for rows of features."""
        if self.booster is None:
            raise RuntimeError("LambdaRanker is not fitted: call fit(examples, names) first")
        if len(features) == 0:
            return np.empty(0, dtype=np.float64)
        iteration = self.booster.best_iteration or None
        # A request's few hundred rows: starting and joining an OpenMP team for them costs
        # more than it saves (and far more on busy cores).
        threads = 1 if len(features) < PARALLEL_PREDICT_ROWS else self.config.threads
        return np.asarray(
            self.booster.predict(features, num_iteration=iteration, num_threads=threads)
        )

    def importance(self) -> dict[str, float]:
        """Total split gain per feature, largest first."""
        if self.booster is None:
            return {}
        gains = self.booster.feature_importance(importance_type="gain")
        pairs = sorted(zip(self.feature_names, gains.tolist(), strict=True), key=lambda p: -p[1])
        return dict(pairs)

    # ---- persistence -----------------------------------------------------------------------
    def to_text(self) -> str:
        """The LightGBM model as text (feature names included)."""
        if self.booster is None:
            raise RuntimeError("LambdaRanker is not fitted")
        return self.booster.model_to_string(num_iteration=self.booster.best_iteration or None)

    @classmethod
    def from_text(cls, text: str, config: RankerConfig | None = None) -> LambdaRanker:
        """A ranker from `to_text` output."""
        ranker = cls(config)
        ranker.booster = lgb.Booster(model_str=text)
        ranker.feature_names = ranker.booster.feature_name()
        return ranker

    # ---- internals -------------------------------------------------------------------------
    def _params(self) -> dict[str, Any]:
        config = self.config
        return {
            "objective": "lambdarank",
            "metric": "ndcg",
            "eval_at": [config.eval_at],
            "lambdarank_truncation_level": config.truncation_level,
            "learning_rate": config.learning_rate,
            "num_leaves": config.num_leaves,
            "min_data_in_leaf": config.min_data_in_leaf,
            "feature_fraction": config.feature_fraction,
            "bagging_fraction": config.bagging_fraction,
            "bagging_freq": config.bagging_freq,
            # Bag whole queries: a row bag would drop some queries' only positive.
            "bagging_by_query": True,
            "lambda_l2": config.lambda_l2,
            "max_bin": config.max_bin,
            "num_threads": config.threads,
            "seed": config.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            **config.params,
        }

    def _dataset(
        self, examples: RankingExamples, reference: lgb.Dataset | None = None
    ) -> lgb.Dataset:
        return lgb.Dataset(
            examples.features,
            label=examples.labels,
            group=examples.groups,
            feature_name=self.feature_names,
            reference=reference,
            free_raw_data=True,
        )
