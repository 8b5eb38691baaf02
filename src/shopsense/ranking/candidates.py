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

from shopsense.retrieval.base import Retriever, UserContext, top_per_row


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


#: Users whose generator rows are stacked into one table (generators x users x items, float64):
#: bounds its memory on large batches.
_STACKED_USERS = 64


def generate_candidates(
    dense: Mapping[str, np.ndarray],
    specs: Sequence[GeneratorSpec],
    users: Sequence[UserContext],
    default_depth: int,
) -> Candidates:
    """Candidates and every generator's signals for a batch of users, from `score_generators`.

    The history of each user is never a candidate, and an item a generator scores 0 (the
    protocol's "knows nothing") is not proposed by it, whatever its popularity. The generators'
    rows are stacked into one table, so that each step (top lists, statistics, lookups) is one
    call for all of them: a request is a single user, and per-call overhead was most of its cost.
    """
    depths = np.array([_depth(spec, default_depth) for spec in specs], dtype=np.int64)
    if not (depths > 0).any():
        raise ValueError("no generator proposes candidates: give at least one a depth > 0")
    starts = range(0, max(len(users), 1), _STACKED_USERS)
    chunks = [
        _stacked_candidates(
            np.stack(
                [
                    np.asarray(dense[spec.key][start : start + _STACKED_USERS], np.float64)
                    for spec in specs
                ]
            ),
            users[start : start + _STACKED_USERS],
            depths,
        )
        for start in starts
    ]
    # Each field's generators x pairs arrays, the chunks' pairs one after the other.
    fields = [np.concatenate(parts, axis=1) for parts in zip(*(c[2] for c in chunks), strict=True)]
    return Candidates(
        n_users=len(users),
        rows=np.concatenate([c[0] + start for c, start in zip(chunks, starts, strict=True)]),
        items=np.concatenate([c[1] for c in chunks]),
        signals={
            spec.key: Signals(*(field[generator] for field in fields))
            for generator, spec in enumerate(specs)
        },
    )


def _depth(spec: GeneratorSpec, default_depth: int) -> int:
    return default_depth if spec.depth is None else spec.depth


def model_key_name(spec: GeneratorSpec) -> str:
    """The string under which the fitted retriever of `spec` is kept."""
    model, config = spec.model_key
    return model if config == "[]" else f"{model}{config}"


def _stacked_candidates(
    table: np.ndarray, users: Sequence[UserContext], depths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """(rows, items, signals) of one chunk of users; `table` holds each generator's scores
    (generators x users x items); `signals` are the `Signals` fields in order, each an array of
    generators x pairs."""
    n_generators, n_users, n_items = table.shape
    history_rows, history_items = _history_pairs(users)
    ranked = np.where(table == 0, -np.inf, table)
    ranked[:, history_rows, history_items] = -np.inf
    # Each generator's list is `cap` long (its depth, at least 1): the rank of items not in it.
    caps = np.minimum(np.maximum(depths, 1), n_items)
    top = _top_per_row(ranked.reshape(-1, n_items), int(caps.max(initial=0)))
    top = top.reshape(n_generators, n_users, top.shape[1])
    proposals = [np.empty(0, dtype=np.int64)]
    for generator, depth in enumerate(depths.tolist()):
        chosen = top[generator, :, :depth]
        proposals.append(np.nonzero(chosen >= 0)[0] * n_items + chosen[chosen >= 0])
    # Sorted and distinct; empty where a user has seen every item a generator knows.
    rows, items = np.divmod(np.unique(np.concatenate(proposals)), max(n_items, 1))
    scores = table[:, rows, items]
    ranks = _list_ranks(top, caps, rows, items, n_items)
    first = top[:, :, 0] if top.shape[2] else np.full((n_generators, n_users), -1)
    best = np.where(
        first >= 0, np.take_along_axis(table, np.maximum(first, 0)[:, :, None], axis=2)[:, :, 0], 0
    )[:, rows]
    relative = np.where(best > 0, scores / np.where(best > 0, best, 1.0), 0.0)
    mean, std = (values.reshape(n_generators, n_users) for values in _mean_std(table))
    zscore = (scores - mean[:, rows]) / np.where(std > 0, std, 1.0)[:, rows]
    signals = [
        scores.astype(np.float32),
        ranks.astype(np.int32),
        relative.astype(np.float32),
        zscore.astype(np.float32),
        ranks < depths[:, None],
    ]
    return rows, items, signals


def _list_ranks(
    top: np.ndarray, caps: np.ndarray, rows: np.ndarray, items: np.ndarray, n_items: int
) -> np.ndarray:
    """Generators x pairs: the 0-based position of each (row, item) pair in each generator's
    list (`top`, generators x users x positions, cut at the generator's `cap`); the cap where
    the item is not in it. Looked up through sorted keys: no users x items table needed."""
    n_generators, n_users, length = top.shape
    in_list = (top >= 0) & (np.arange(length) < caps[:, None, None])
    generator, user, position = np.nonzero(in_list)
    listed = (generator * n_users + user) * n_items + top[in_list]
    order = np.argsort(listed)
    listed, position = listed[order], position[order]
    wanted = (np.arange(n_generators)[:, None] * n_users + rows) * n_items + items
    if not len(listed):
        return np.broadcast_to(caps[:, None], wanted.shape).copy()
    found = np.minimum(np.searchsorted(listed, wanted), len(listed) - 1)
    return np.where(listed[found] == wanted, position[found], caps[:, None])


def _mean_std(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row (the last axis), `scores.mean(axis=-1, dtype=float64)` and
    `scores.std(axis=-1, dtype=float64)`, with the same operations numpy uses, but summing each
    row once for both."""
    n_items = scores.shape[-1]
    mean = np.add.reduce(scores, axis=-1, dtype=np.float64, keepdims=True) / n_items
    centred = scores - mean
    np.multiply(centred, centred, out=centred)
    std = np.sqrt(np.add.reduce(centred, axis=-1, dtype=np.float64) / n_items)
    return mean.reshape(-1), std.reshape(-1)


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
    top = top_per_row(scores, k)
    top[~np.isfinite(np.take_along_axis(scores, top, axis=1))] = -1
    return top
