"""`LambdaMART`: the one LightGBM learning-to-rank wrapper, for recommendations and search.

A query is a group of candidate rows (a shopper's candidate items, a search's candidate
products) with integer relevance labels. A seeded share of the queries is kept aside and
boosting stops when NDCG on them has not improved for `early_stopping_rounds` rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

#: Fewest rows predicted with `LambdaMARTConfig.threads` threads; smaller batches use one.
PARALLEL_PREDICT_ROWS = 10_000
#: Labels LightGBM grades without a `label_gain` (its default gains are 2**label - 1).
DEFAULT_GAIN_LABELS = 31


class LambdaMARTConfig(BaseModel):
    """LightGBM LambdaRank settings; the defaults are the recommender's (chosen on Amazon
    Beauty validation cases), `shopsense.search.LearnedFusionConfig` holds search's."""

    model_config = ConfigDict(extra="forbid")

    learning_rate: float = Field(0.1, gt=0, description="Shrinkage per boosting round.")
    num_leaves: int = Field(31, ge=2, description="Leaves per tree.")
    min_data_in_leaf: int = Field(100, ge=1, description="Fewest rows (candidates) in a leaf.")
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
        description="Share of queries kept aside for early stopping (see `holdout_split`).",
    )
    holdout_split: Literal["exact", "draw"] = Field(
        "exact",
        description="How the held-aside queries are chosen, by `seed`. 'exact': "
        "round(queries x holdout_fraction) of them, by a permutation; when that is none, all "
        "max_rounds are trained on every query. 'draw': each query by itself with probability "
        "holdout_fraction; when the draw leaves either side empty, every query trains and "
        "early stopping watches them.",
    )
    truncation_level: int = Field(
        20, ge=1, description="LambdaRank pairs only involve items above this position."
    )
    eval_at: int = Field(10, ge=1, description="NDCG cut-off watched for early stopping.")
    seed: int = Field(0, description="Seed of bagging, feature sampling and the held-aside split.")
    threads: int = Field(2, ge=1, description="LightGBM threads.")
    deterministic: bool = Field(
        True,
        description="Row-wise histograms and LightGBM's deterministic mode: the same data and "
        "seed give the same model. False lets LightGBM time and pick its histogram layout.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Further LightGBM parameters, passed as given."
    )


@dataclass(frozen=True)
class RankingExamples:
    """Queries of candidate features: rows grouped by query, `groups` = rows per query.

    `labels` are relevance grades, whole numbers from 0 (not relevant) up.
    """

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray

    def __post_init__(self) -> None:
        if np.ndim(self.features) != 2:
            raise ValueError(f"features must be a 2-D array, got shape {np.shape(self.features)}")
        if np.ndim(self.labels) != 1 or np.ndim(self.groups) != 1:
            raise ValueError("labels and groups must be 1-D arrays")
        if len(self.labels) != len(self.features):
            raise ValueError(f"{len(self.labels)} labels for {len(self.features)} feature rows")
        if np.any(np.asarray(self.groups) < 1):
            raise ValueError("every query (group) needs at least one row")
        if int(np.sum(self.groups)) != len(self.features):
            raise ValueError(
                f"groups add up to {int(np.sum(self.groups))} rows, features have "
                f"{len(self.features)}"
            )
        labels = np.asarray(self.labels)
        if not np.all((labels >= 0) & (labels == np.floor(labels))):
            raise ValueError("labels must be whole numbers >= 0 (relevance grades)")

    def queries(self, chosen: np.ndarray) -> RankingExamples:
        """The examples of the queries whose positions are in `chosen` (in that order)."""
        starts = np.concatenate([[0], np.cumsum(self.groups)])
        rows = np.concatenate([np.arange(starts[q], starts[q + 1]) for q in chosen])
        return RankingExamples(self.features[rows], self.labels[rows], self.groups[chosen])


class LambdaMART:
    """Learns to order each query's candidates by their relevance labels."""

    def __init__(self, config: LambdaMARTConfig | None = None) -> None:
        self.config = config or LambdaMARTConfig()
        self.booster: lgb.Booster | None = None
        self.feature_names: list[str] = []

    def fit(
        self,
        examples: RankingExamples,
        feature_names: Sequence[str],
        label_gain: Sequence[float] | None = None,
    ) -> LambdaMART:
        """Train on `examples` (queries without a relevant row should already be left out).

        `label_gain[g]` is the NDCG gain of label g (None: LightGBM's 2**g - 1).
        """
        if len(examples.groups) == 0:
            raise ValueError("no training query has its target among the candidates")
        if len(feature_names) != examples.features.shape[1]:
            raise ValueError(
                f"{len(feature_names)} feature names for {examples.features.shape[1]} columns"
            )
        _check_labels(examples.labels, label_gain)
        self.feature_names = list(feature_names)
        train, aside = self._split(examples)
        train_set = self._dataset(train)
        valid_sets, callbacks = [], [lgb.log_evaluation(0)]
        if aside is not None:
            valid_sets = [self._dataset(aside, reference=train_set)]
            callbacks.append(lgb.early_stopping(self.config.early_stopping_rounds, verbose=False))
        params = self._params()
        if label_gain is not None:
            params["label_gain"] = [float(gain) for gain in label_gain]
        self.booster = lgb.train(
            params,
            train_set,
            num_boost_round=self.config.max_rounds,
            valid_sets=valid_sets,
            callbacks=callbacks,
        )
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Ranking scores (higher first) for rows of features."""
        booster = self._fitted()
        if len(features) == 0:
            return np.empty(0, dtype=np.float64)
        if np.ndim(features) != 2 or features.shape[1] != booster.num_feature():
            raise ValueError(
                f"features of shape {np.shape(features)}: the model reads "
                f"{booster.num_feature()} columns ({', '.join(self.feature_names)})"
            )
        # A request's few hundred rows: starting and joining an OpenMP team for them costs
        # more than it saves (and far more on busy cores).
        threads = 1 if len(features) < PARALLEL_PREDICT_ROWS else self.config.threads
        return np.asarray(
            booster.predict(
                features, num_iteration=booster.best_iteration or None, num_threads=threads
            )
        )

    @property
    def best_iteration(self) -> int:
        """Boosting rounds the predictions use: the best on held-aside queries, else all."""
        booster = self._fitted()
        # LightGBM keeps only the best rounds of an early-stopped model; a loaded one says -1.
        best = booster.best_iteration
        return int(best) if best > 0 else booster.current_iteration()

    def importance(self) -> dict[str, float]:
        """Total split gain per feature, largest first."""
        if self.booster is None:
            return {}
        gains = self.booster.feature_importance(importance_type="gain")
        pairs = sorted(zip(self.feature_names, gains.tolist(), strict=True), key=lambda p: -p[1])
        return dict(pairs)

    # ---- persistence -----------------------------------------------------------------------
    def to_text(self) -> str:
        """The LightGBM model as text (feature names included, rounds after the best left out)."""
        booster = self._fitted()
        return booster.model_to_string(num_iteration=booster.best_iteration or None)

    @classmethod
    def from_text(cls, text: str, config: LambdaMARTConfig | None = None) -> LambdaMART:
        """A model from `to_text` output."""
        model = cls(config)
        model.booster = lgb.Booster(model_str=text)
        model.feature_names = model.booster.feature_name()
        return model

    # ---- internals -------------------------------------------------------------------------
    def _fitted(self) -> lgb.Booster:
        if self.booster is None:
            raise RuntimeError("LambdaMART is not fitted: call fit(examples, feature_names) first")
        return self.booster

    def _split(self, examples: RankingExamples) -> tuple[RankingExamples, RankingExamples | None]:
        """The training queries and the held-aside ones (None: no early stopping)."""
        config = self.config
        n_queries = len(examples.groups)
        rng = np.random.default_rng(config.seed)
        if config.holdout_split == "draw":
            held = rng.random(n_queries) < config.holdout_fraction
            if held.all() or not held.any():
                return examples, examples
            return examples.queries(np.flatnonzero(~held)), examples.queries(np.flatnonzero(held))
        order = rng.permutation(n_queries)
        n_aside = min(int(round(n_queries * config.holdout_fraction)), n_queries - 1)
        if n_aside == 0:
            return examples, None
        return (
            examples.queries(np.sort(order[n_aside:])),
            examples.queries(np.sort(order[:n_aside])),
        )

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
            "deterministic": config.deterministic,
            "force_row_wise": config.deterministic,
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


def _check_labels(labels: np.ndarray, label_gain: Sequence[float] | None) -> None:
    top = int(np.max(labels)) if len(labels) else 0
    graded = DEFAULT_GAIN_LABELS if label_gain is None else len(label_gain)
    if top >= graded:
        source = "LightGBM's default label_gain" if label_gain is None else "label_gain"
        raise ValueError(f"label {top} has no gain: {source} covers labels 0..{graded - 1}")
