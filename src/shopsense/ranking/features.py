"""Features of (user, candidate) pairs for the learned ranker.

Three kinds, all computed for a whole batch of candidates at once:
- generator signals: each generator's score, rank and per-user normalised scores
  (`shopsense.ranking.candidates.Signals`), and how many generators proposed the item;
- item statistics from the training interactions: log popularity, how often the item was a
  user's latest item, its mean relative position in users' sequences, days since its last
  interaction (NaN without timestamps), and user statistics: history length, the mean log
  popularity of the history (how mainstream the user is) and the candidate's popularity against it;
- text: cosine of the candidate's text vector to the latest history item, to the two before it
  and to a recency-weighted profile of the history (when item text vectors exist);
- reviews: the item's shrunk (Bayesian average) star rating and positive share and its log
  review count (`shopsense.reviews.signals`), when the shop has reviews. Only reviews that
  cannot reveal a held-out event are read (`training_reviews`), and a shop without reviews
  gets no review columns at all, so its ranker is the one it always was.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import ThreadpoolController

from shopsense.data.dataset import Dataset
from shopsense.ranking.candidates import Candidates
from shopsense.retrieval.base import UserContext
from shopsense.reviews.signals import ItemReviewSignals

SignalName = Literal["score", "rank", "relative", "zscore"]
_SECONDS_PER_DAY = 86_400.0
#: History entries (latest first) whose individual text similarity is a feature.
_TEXT_LAGS = 3


class FeatureConfig(BaseModel):
    """Which features the ranker sees."""

    model_config = ConfigDict(extra="forbid")

    signals: list[SignalName] = Field(
        default_factory=lambda: ["score", "rank", "relative", "zscore"],
        description="Per-generator signals turned into features.",
    )
    text: bool = Field(
        True, description="Text-similarity features (used only when item text vectors exist)."
    )
    catalogue: bool = Field(
        True,
        description="Brand and leaf-category match features (where the catalogue fills them in).",
    )
    profile_half_life: float = Field(
        3.0,
        gt=0,
        description="In the text profile of the history, an entry this many positions back "
        "from the latest counts half.",
    )
    profile_length: int = Field(
        20, ge=1, description="Latest history entries that make up the text profile."
    )
    reviews: bool = Field(
        True,
        description="Review features (shrunk rating, shrunk positive share, log review "
        "count), used only when the shop has reviews.",
    )


class FeatureBuilder:
    """Turns `Candidates` of a batch of users into a float32 feature matrix."""

    def __init__(
        self,
        config: FeatureConfig,
        generator_keys: Sequence[str],
        item_vectors: np.ndarray | None = None,
    ) -> None:
        self.config = config
        self.generator_keys = list(generator_keys)
        use_text = config.text and item_vectors is not None and bool(np.any(item_vectors))
        self.item_vectors = (
            np.ascontiguousarray(item_vectors, dtype=np.float32) if use_text else None
        )
        self.item_table = np.empty((0, 0), dtype=np.float32)
        self.item_groups: dict[str, np.ndarray] = {}
        self.review_table: np.ndarray | None = None
        """Per item, the `REVIEW_FEATURES` (None: the shop has no reviews to read)."""

    # ---- fitting ---------------------------------------------------------------------------
    def fit(self, dataset: Dataset, reviews: pl.DataFrame | None = None) -> FeatureBuilder:
        """Item statistics from `dataset`'s (training) interactions, the catalogue's brands
        and leaf categories (where it has them) and review features from `reviews` (analysed
        reviews, `shopsense.reviews.analysis.ANALYZED` columns; default: the dataset's star
        ratings)."""
        self.item_table = item_statistics(dataset)
        self.item_groups = item_groups(dataset.items) if self.config.catalogue else {}
        self.review_table = review_table(dataset, reviews) if self.config.reviews else None
        return self

    def state(self) -> dict[str, np.ndarray]:
        """The fitted arrays, for saving."""
        vectors = self.item_vectors
        reviews = {} if self.review_table is None else {"review_table": self.review_table}
        return {
            "item_table": self.item_table,
            "item_vectors": np.empty((0, 0), np.float32) if vectors is None else vectors,
            **{f"group_{name}": codes for name, codes in self.item_groups.items()},
            **reviews,
        }

    def restore(self, state: dict[str, np.ndarray]) -> FeatureBuilder:
        """Set the fitted arrays from `state()` output (a ranker saved before review features
        has no review table, and its feature names have no review columns)."""
        self.item_table = state["item_table"]
        self.review_table = state.get("review_table")
        vectors = state["item_vectors"]
        self.item_vectors = vectors if vectors.size and self.config.text else None
        self.item_groups = {
            key.removeprefix("group_"): value
            for key, value in state.items()
            if key.startswith("group_")
        }
        return self

    @property
    def names(self) -> list[str]:
        """Feature names, in column order."""
        names = [f"{key}.{signal}" for key in self.generator_keys for signal in self.config.signals]
        names += ["proposers", *ITEM_FEATURES, *USER_FEATURES, "popularity_vs_user"]
        for group in self.item_groups:
            names += [f"{group}_share", f"{group}_same_as_last"]
        if self.item_vectors is not None:
            names += [f"text_last_{lag}" for lag in range(_TEXT_LAGS)] + ["text_profile"]
        if self.review_table is not None:
            names += list(REVIEW_FEATURES)
        return names

    # ---- building --------------------------------------------------------------------------
    def build(self, candidates: Candidates, users: Sequence[UserContext]) -> np.ndarray:
        """Features of every candidate pair, shape (len(candidates), len(names))."""
        columns: list[np.ndarray] = []
        for key in self.generator_keys:
            signals = candidates.signals[key]
            columns += [getattr(signals, name).astype(np.float32) for name in self.config.signals]
        columns.append(
            np.sum([s.proposed for s in candidates.signals.values()], axis=0, dtype=np.float32)
        )
        item_part = self.item_table[candidates.items]
        columns += list(item_part.T)
        user_part = self._user_table(users)[candidates.rows]
        columns += list(user_part.T)
        columns.append(item_part[:, 0] - user_part[:, 1])
        for codes in self.item_groups.values():
            columns += _group_columns(codes, candidates, users)
        if self.item_vectors is not None:
            columns += self._text_columns(candidates, users)
        if self.review_table is not None:
            columns += list(self.review_table[candidates.items].T)
        return np.column_stack(columns).astype(np.float32, copy=False)

    def _user_table(self, users: Sequence[UserContext]) -> np.ndarray:
        log_popularity = self.item_table[:, 0]
        table = np.zeros((len(users), len(USER_FEATURES)), dtype=np.float32)
        for row, user in enumerate(users):
            history = np.asarray(user.history, dtype=np.int64)
            table[row, 0] = np.log1p(len(history))
            if len(history):
                table[row, 1] = log_popularity[history].mean()
                table[row, 2] = log_popularity[history[-1]]
        return table

    def _text_columns(
        self, candidates: Candidates, users: Sequence[UserContext]
    ) -> list[np.ndarray]:
        similarities = np.zeros((len(candidates), _TEXT_LAGS + 1), dtype=np.float32)
        # Many small products: BLAS threads would cost more in start-up than they save.
        with _blas_controller().limit(limits=1, user_api="blas"):
            self._fill_similarities(similarities, candidates, users)
        return list(similarities.T)

    def _fill_similarities(
        self, similarities: np.ndarray, candidates: Candidates, users: Sequence[UserContext]
    ) -> None:
        vectors = self.item_vectors
        assert vectors is not None
        bounds = candidates.bounds
        for row, user in enumerate(users):
            pairs = slice(bounds[row], bounds[row + 1])
            if bounds[row] == bounds[row + 1]:
                continue
            history = np.asarray(user.history, dtype=np.int64)
            queries = np.zeros((_TEXT_LAGS + 1, vectors.shape[1]), dtype=np.float32)
            lags = min(_TEXT_LAGS, len(history))
            queries[:lags] = vectors[history[::-1][:lags]]
            queries[_TEXT_LAGS] = self._profile(history)
            # Per user a small product over its own candidates: far cheaper than scoring the
            # whole catalogue for every user.
            similarities[pairs] = vectors[candidates.items[pairs]] @ queries.T

    def _profile(self, history: np.ndarray) -> np.ndarray:
        assert self.item_vectors is not None
        recent = history[-self.config.profile_length :]
        if len(recent) == 0:
            return np.zeros(self.item_vectors.shape[1], dtype=np.float32)
        ages = np.arange(len(recent))[::-1]
        weights = 0.5 ** (ages / self.config.profile_half_life)
        profile = weights @ self.item_vectors[recent]
        norm = np.linalg.norm(profile)
        return profile / norm if norm > 0 else profile


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The thread pools loaded in this process, found once: looking them up again on every
    call (what `threadpool_limits` does) cost more than the features of one request."""
    return ThreadpoolController()


def _group_columns(
    codes: np.ndarray, candidates: Candidates, users: Sequence[UserContext]
) -> list[np.ndarray]:
    """Share of the history in the candidate's group, and whether the latest history item is
    in it (NaN where the candidate has no group)."""
    lengths = np.array([len(u.history) for u in users], dtype=np.int64)
    history = (
        np.concatenate([np.asarray(u.history, dtype=np.int64) for u in users])
        if lengths.sum()
        else np.empty(0, dtype=np.int64)
    )
    history_rows = np.repeat(np.arange(len(users)), lengths)
    n_codes = int(codes.max(initial=-1)) + 2
    # (row, group) keys; group -1 (unknown) shifts to 0 and never matches a candidate's group.
    keys, counts = np.unique(history_rows * n_codes + codes[history] + 1, return_counts=True)
    candidate_codes = codes[candidates.items]
    pair_keys = candidates.rows * n_codes + candidate_codes + 1
    found = np.minimum(np.searchsorted(keys, pair_keys), max(len(keys) - 1, 0))
    matched = keys[found] == pair_keys if len(keys) else np.zeros(len(pair_keys), dtype=bool)
    share = np.where(matched, counts[found] if len(keys) else 0, 0) / np.maximum(
        lengths[candidates.rows], 1
    )
    last = np.array([u.history[-1] if len(u.history) else -1 for u in users], dtype=np.int64)
    last_codes = np.where(last >= 0, codes[np.maximum(last, 0)], -1)[candidates.rows]
    same = (last_codes == candidate_codes) & (candidate_codes >= 0)
    unknown = candidate_codes < 0
    return [
        np.where(unknown, np.nan, share).astype(np.float32),
        np.where(unknown, np.nan, same).astype(np.float32),
    ]


def item_groups(items: pl.DataFrame) -> dict[str, np.ndarray]:
    """Integer codes (-1: unknown) of each item's brand and leaf category, for the groups the
    catalogue actually fills in."""
    values = {
        "brand": items["brand"].to_list(),
        "category": [levels[-1] if levels else None for levels in items["categories"].to_list()],
    }
    groups = {}
    for name, column in values.items():
        known = [v.strip().lower() if isinstance(v, str) and v.strip() else None for v in column]
        if not any(known):
            continue
        vocabulary = {v: code for code, v in enumerate(sorted({v for v in known if v}))}
        groups[name] = np.array([vocabulary.get(v, -1) if v else -1 for v in known], np.int64)
    return groups


ITEM_FEATURES = ("item_log_popularity", "item_log_latest", "item_mean_position", "item_age_days")
REVIEW_FEATURES = ("item_review_rating", "item_review_positive", "item_log_reviews")
USER_FEATURES = ("user_log_history", "user_mean_log_popularity", "user_last_log_popularity")


def item_statistics(dataset: Dataset) -> np.ndarray:
    """Per item, the `ITEM_FEATURES` from the dataset's interactions, shape (n_items, 4).

    Items without interactions have popularity 0 and NaN position and age (LightGBM routes
    NaN on its own), so a ranker can tell a cold item from an unpopular one.
    """
    n_items = dataset.n_items
    events = dataset.events
    items = events["item"].to_numpy()
    users = events["user"].to_numpy()
    table = np.full((n_items, len(ITEM_FEATURES)), np.nan, dtype=np.float32)
    table[:, 0] = np.log1p(np.bincount(items, minlength=n_items))
    if len(items) == 0:
        table[:, 1] = 0.0
        return table
    is_last = np.append(users[1:] != users[:-1], True)
    table[:, 1] = np.log1p(np.bincount(items[is_last], minlength=n_items))
    starts = np.searchsorted(users, users, side="left")
    ends = np.searchsorted(users, users, side="right")
    span = np.maximum(ends - starts - 1, 1)
    position = np.where(ends - starts > 1, (np.arange(len(items)) - starts) / span, 0.5)
    counts = np.bincount(items, minlength=n_items)
    seen = counts > 0
    table[seen, 2] = np.bincount(items, weights=position, minlength=n_items)[seen] / counts[seen]
    table[:, 3] = _age_days(events, items, n_items)
    return table


def _age_days(events: pl.DataFrame, items: np.ndarray, n_items: int) -> np.ndarray:
    """Days from each item's latest interaction to the newest one overall (NaN where unknown)."""
    age = np.full(n_items, np.nan, dtype=np.float32)
    if events["timestamp"].null_count() == events.height:
        return age
    seconds = events["timestamp"].dt.epoch("us").to_numpy().astype(np.float64) / 1e6
    known = np.isfinite(seconds)
    latest = np.full(n_items, -np.inf)
    np.maximum.at(latest, items[known], seconds[known])
    has = np.isfinite(latest)
    age[has] = (seconds[known].max() - latest[has]) / _SECONDS_PER_DAY
    return age


def training_reviews(reviews: pl.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """The reviews a model fitted on `dataset` may read: those whose (user, item) pair is among
    its interactions, and those of reviewers with no interactions at all. A review of an event
    held out from `dataset` (a validation or test target) would tell the ranker the answer."""
    pairs = dataset.interactions.select("user_id", "item_id").unique()
    users = pairs.select("user_id").unique()
    paired = reviews.join(pairs, on=["user_id", "item_id"], how="semi")
    strangers = reviews.join(users, on="user_id", how="anti")
    return pl.concat([paired, strangers])


def review_table(dataset: Dataset, reviews: pl.DataFrame | None = None) -> np.ndarray | None:
    """Per item, the `REVIEW_FEATURES` from `reviews` (analysed; default: the dataset's star
    ratings) as far as `training_reviews` allows; None where no review is left to read."""
    frame = training_reviews(dataset.reviews if reviews is None else reviews, dataset)
    if frame.height == 0:
        return None
    item_ids = dataset.item_ids.tolist()
    if "positive" in frame.columns:
        signals = ItemReviewSignals.from_analyzed(frame, item_ids)
    else:
        signals = ItemReviewSignals.from_ratings(frame, item_ids)
    table = np.column_stack(
        [signals.shrunk_rating, signals.shrunk_positive, np.log1p(signals.reviews)]
    )
    return table.astype(np.float32)
