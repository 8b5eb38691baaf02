"""Candidate sets: per user, the union of several fitted generators' top lists, history left out.

Each generator scores every item (the retriever protocol gives dense scores); its `depth` best
items per user join the user's candidates. Every candidate then carries every generator's
signals, whether or not that generator proposed it: the raw score, the rank in that generator's
list, and two per-user normalisations (share of the user's top score, z-score over the
catalogue), so a ranker can compare generators whose score scales differ from user to user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shopsense.retrieval.base import Retriever, UserContext


class GeneratorSpec(BaseModel):
    """One candidate generator of a fusion: a registered retriever, its config and its role."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        description="Registered retriever name (see `shopsense.retrieval.registry`)."
    )
    alias: str | None = Field(
        None, description="Name of its features and of its explanations; default: `model`."
    )
    config: dict[str, Any] = Field(
        default_factory=dict, description="Overrides of the retriever's default config."
    )
    depth: int | None = Field(
        None,
        ge=0,
        description="Items it proposes per user; None: the fusion's default depth; 0: it only "
        "contributes features to candidates proposed by others.",
    )
    history_window: int | None = Field(
        None,
        ge=1,
        description="Score from only the latest this many history entries (1: 'next after the "
        "last item'); None: the whole history. Specs equal but for this share one fitted model.",
    )
    refit: bool = Field(
        True,
        description="Refit it with the events the ranker was trained on, after the ranker "
        "(`FusionConfig.refit_with_validation`); False keeps the model the ranker learned its "
        "signals from (for costly models: one training instead of two).",
    )

    @property
    def key(self) -> str:
        """The feature-name prefix of this generator."""
        return self.alias or self.model

    @property
    def model_key(self) -> tuple[str, str]:
        """Specs with equal model keys share one fitted retriever."""
        return self.model, repr(sorted(self.config.items()))


@dataclass(frozen=True)
class Signals:
    """One generator's view of each candidate (arrays aligned with `Candidates.items`)."""

    score: np.ndarray
    """The generator's raw score."""
    rank: np.ndarray
    """0-based rank in the generator's list (history and zero scores left out); the list's
    length (the generator's depth, at least 1) where the item is not in it."""
    relative: np.ndarray
    """Score divided by the user's top score from this generator (0 when that is not > 0)."""
    zscore: np.ndarray
    """(score - mean) / std over the user's whole catalogue row."""
    proposed: np.ndarray
    """True where this generator put the item into the candidate set."""


@dataclass(frozen=True)
class Candidates:
    """Candidate (user row, item) pairs of a batch of users, grouped by row in ascending order."""

    n_users: int
    rows: np.ndarray
    """Row of each pair in the batch of contexts."""
    items: np.ndarray
    """Item index of each pair."""
    signals: dict[str, Signals]
    """Per generator key, its signals for every pair."""

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def bounds(self) -> np.ndarray:
        """Pairs of row r are `bounds[r]:bounds[r + 1]`."""
        return np.searchsorted(self.rows, np.arange(self.n_users + 1))

    @property
    def sizes(self) -> np.ndarray:
        """Number of candidates per row."""
        return np.diff(self.bounds)


def truncated(users: Sequence[UserContext], window: int | None) -> list[UserContext]:
    """The contexts with only their latest `window` history entries (all of them for None)."""
    if window is None:
        return list(users)
    return [
        replace(
            user,
            history=user.history[-window:],
            timestamps=None if user.timestamps is None else user.timestamps[-window:],
        )
        for user in users
    ]


def score_generators(
    generators: Mapping[str, Retriever],
    specs: Sequence[GeneratorSpec],
    users: Sequence[UserContext],
) -> dict[str, np.ndarray]:
    """Each spec's dense scores (users x items) under its generator key.

    `generators` maps each spec's `model_key_name` to its fitted retriever.
    """
    return {
        spec.key: np.asarray(
            generators[model_key_name(spec)].score(truncated(users, spec.history_window))
        )
        for spec in specs
    }


def generate_candidates(
    dense: Mapping[str, np.ndarray],
    specs: Sequence[GeneratorSpec],
    users: Sequence[UserContext],
    default_depth: int,
) -> Candidates:
    """Candidates and every generator's signals for a batch of users, from `score_generators`.

    The history of each user is never a candidate, and an item a generator scores 0 (the
    protocol's "knows nothing") is not proposed by it, whatever its popularity.
    """
    n_users = len(users)
    history_rows, history_items = _history_pairs(users)
    tops: dict[str, np.ndarray] = {}
    proposals = []
    for spec in specs:
        ranked = np.where(dense[spec.key] == 0, -np.inf, dense[spec.key])
        n_items = ranked.shape[1]
        ranked[history_rows, history_items] = -np.inf
        depth = _depth(spec, default_depth)
        tops[spec.key] = _top_per_row(ranked, max(depth, 1))
        if depth > 0:
            chosen = tops[spec.key][:, :depth]
            rows = np.nonzero(chosen >= 0)[0]
            proposals.append(rows * n_items + chosen[chosen >= 0])
    if not proposals:
        raise ValueError("no generator proposes candidates: give at least one a depth > 0")
    # Sorted and distinct; empty where a user has seen every item a generator knows.
    keys = np.unique(np.concatenate(proposals))
    rows, items = np.divmod(keys, n_items)
    signals = {
        spec.key: _signals(
            dense[spec.key], tops[spec.key], rows, items, _depth(spec, default_depth)
        )
        for spec in specs
    }
    return Candidates(n_users=n_users, rows=rows, items=items, signals=signals)


def _depth(spec: GeneratorSpec, default_depth: int) -> int:
    return default_depth if spec.depth is None else spec.depth


def model_key_name(spec: GeneratorSpec) -> str:
    """The string under which the fitted retriever of `spec` is kept."""
    model, config = spec.model_key
    return model if config == "[]" else f"{model}{config}"


def _signals(
    scores: np.ndarray, top: np.ndarray, rows: np.ndarray, items: np.ndarray, depth: int
) -> Signals:
    n_users, n_items = scores.shape
    rank_cap = top.shape[1]
    # Rank lookup through sorted (row, item) keys: no users x items table needed.
    valid = top >= 0
    top_rows, top_ranks = np.nonzero(valid)
    top_keys = top_rows * n_items + top[valid]
    order = np.argsort(top_keys)
    top_keys, top_ranks = top_keys[order], top_ranks[order]
    pair_keys = rows * n_items + items
    found = np.minimum(np.searchsorted(top_keys, pair_keys), max(len(top_keys) - 1, 0))
    hit = top_keys[found] == pair_keys if len(top_keys) else np.zeros(len(rows), dtype=bool)
    pair_ranks = np.where(hit, top_ranks[found] if len(top_keys) else 0, rank_cap).astype(np.int32)
    pair_scores = scores[rows, items].astype(np.float64)
    best = np.where(valid[:, 0], scores[np.arange(n_users), np.maximum(top[:, 0], 0)], 0.0)
    row_best = best[rows]
    relative = np.where(row_best > 0, pair_scores / np.where(row_best > 0, row_best, 1.0), 0.0)
    mean, std = _mean_std(scores)
    zscore = (pair_scores - mean[rows]) / np.where(std > 0, std, 1.0)[rows]
    return Signals(
        score=pair_scores.astype(np.float32),
        rank=pair_ranks,
        relative=relative.astype(np.float32),
        zscore=zscore.astype(np.float32),
        proposed=pair_ranks < depth,
    )


def _mean_std(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, `scores.mean(axis=1, dtype=float64)` and `scores.std(axis=1, dtype=float64)`,
    with the same operations numpy uses, but summing each row once for both."""
    n_items = scores.shape[1]
    mean = np.add.reduce(scores, axis=1, dtype=np.float64, keepdims=True) / n_items
    centred = scores - mean
    np.multiply(centred, centred, out=centred)
    std = np.sqrt(np.add.reduce(centred, axis=1, dtype=np.float64) / n_items)
    return mean[:, 0], std


def _history_pairs(users: Sequence[UserContext]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(u.history) for u in users), dtype=np.int64, count=len(users))
    rows = np.repeat(np.arange(len(users)), lengths)
    items = (
        np.concatenate([np.asarray(u.history, dtype=np.int64) for u in users])
        if lengths.sum()
        else np.empty(0, dtype=np.int64)
    )
    return rows, items


def _top_per_row(scores: np.ndarray, k: int) -> np.ndarray:
    """Per row, the indices of the `k` best finite scores, best first; -1 past the finite ones
    (ties keep the lower index first)."""
    k = min(k, scores.shape[1])
    rows = np.arange(scores.shape[0])[:, None]
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = scores[rows, part]
    # argpartition keeps an arbitrary few of the items tied with the k-th score; rows where
    # ties were left outside take the lowest-index tied items instead, as a stable sort would.
    kth = part_scores.min(axis=1, keepdims=True)
    tied = scores == kth
    left_out = tied.sum(axis=1) > (part_scores == kth).sum(axis=1)
    for row in np.flatnonzero(left_out & np.isfinite(kth[:, 0])):
        above = np.flatnonzero(scores[row] > kth[row])
        part[row] = np.concatenate([above, np.flatnonzero(tied[row])[: k - len(above)]])
        part_scores[row] = scores[row, part[row]]
    order = np.lexsort((part, -part_scores), axis=1)
    top = part[rows, order]
    top[~np.isfinite(part_scores[rows, order])] = -1
    return top
