"""Item-to-item co-occurrence in user sequences ("bought together", "next after a view").

Fitting counts, for every ordered pair of items, how often the second follows the first within
`window` positions of one user's sequence, closer pairs counting more. Pairs in the other order
count `backward_weight` as much (0 = strictly "what comes after", 1 = symmetric). Counts are
divided by popularity^`alpha` of the candidate (so hits are not just bestsellers) and
popularity^`beta` of the history item (so one bestseller in a history does not drown the rest).
A user's score for an item is the sum over their history of these weights, recent history
entries weighing more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field
from scipy import sparse

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.history import history_matrix, history_scores, single_item_histories


class CooccurrenceConfig(RetrieverConfig):
    """Defaults tuned on Amazon Beauty validation cases (leave-one-out)."""

    window: int = Field(
        default=20, ge=1, description="Largest distance in a sequence at which a pair counts."
    )
    distance_decay: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="A pair d positions apart counts distance_decay^(d-1): neighbours count most.",
    )
    backward_weight: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Weight of pairs where the candidate came before the history item "
        "(0: only items that came after count; 1: order does not matter).",
    )
    history_decay: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Each step back from the user's latest history entry multiplies its "
        "weight by this (1: all history entries weigh the same).",
    )
    max_history: int | None = Field(
        default=None, ge=1, description="Use only this many latest history entries (None: all)."
    )
    alpha: float = Field(
        default=0.1, ge=0, description="Divide by candidate popularity^alpha (0: raw counts)."
    )
    beta: float = Field(
        default=0.25, ge=0, description="Divide by history-item popularity^beta (0: raw counts)."
    )


class CooccurrenceRetriever(Retriever):
    """Recency-weighted, optionally directional item co-occurrence."""

    name = "cooccurrence"
    config_class = CooccurrenceConfig
    config: CooccurrenceConfig

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        config = self.config
        counts = pair_counts(
            dataset.sequences, dataset.n_items, config.window, config.distance_decay
        )
        counts = (counts + config.backward_weight * counts.T).tocsr()
        counts.setdiag(0.0)
        counts.eliminate_zeros()
        popularity = dataset.item_popularity
        self.item_item = (
            (
                sparse.diags(_inverse_power(popularity, config.beta))
                @ counts
                @ sparse.diags(_inverse_power(popularity, config.alpha))
            )
            .astype(np.float32)
            .tocsr()
        )

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return history_scores(self.history_weights(users), self.item_item)

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        return history_scores(self.history_weights(users), self.item_item, items)

    def _score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        alone = single_item_histories(history_items, self.n_items)
        return history_scores(alone, self.item_item, items)

    def history_weights(self, users: Sequence[UserContext]) -> sparse.csr_matrix:
        """Users x items: each history entry's recency weight (what the item rows are summed by)."""
        return history_matrix(
            users,
            self.n_items,
            decay=self.config.history_decay,
            max_length=self.config.max_history,
        )


def pair_counts(
    sequences: Sequence[np.ndarray], n_items: int, window: int, distance_decay: float
) -> sparse.csr_matrix:
    """Items x items matrix: entry (i, j) sums distance_decay^(d-1) over every time j came d
    positions (1 <= d <= window) after i in one sequence."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    items = np.concatenate(sequences).astype(np.int64) if len(sequences) else np.empty(0, np.int64)
    owner = np.repeat(np.arange(len(sequences)), lengths)
    counts = sparse.csr_matrix((n_items, n_items), dtype=np.float64)
    # One offset at a time keeps memory at one pass over the events, whatever the window.
    for distance in range(1, min(window, max(1, len(items) - 1)) + 1):
        same_user = owner[:-distance] == owner[distance:]
        if not same_user.any():
            break
        source = items[:-distance][same_user]
        target = items[distance:][same_user]
        weight = np.full(len(source), distance_decay ** (distance - 1))
        counts = counts + sparse.csr_matrix((weight, (source, target)), shape=(n_items, n_items))
    return counts


def _inverse_power(popularity: np.ndarray, exponent: float) -> np.ndarray:
    """popularity^-exponent, 0 where the item was never seen (its row/column is empty anyway)."""
    safe = np.where(popularity > 0, popularity, 1.0)
    return np.where(popularity > 0, safe**-exponent, 0.0)
