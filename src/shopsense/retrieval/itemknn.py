"""Item-based k-nearest neighbours: items liked by the same users are similar.

Similarity is the cosine of two items' user columns with a shrinkage term in the denominator,
sim(i, j) = <x_i, x_j> / (|x_i| |x_j| + shrinkage), so pairs supported by few users count less.
Each item keeps its `neighbours` most similar items; a user's score for an item is the sum of
its similarities to the items in their history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from implicit.nearest_neighbours import bm25_weight
from pydantic import Field
from scipy import sparse

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.history import history_matrix, history_scores, single_item_histories

#: Items whose similarity rows are computed at once; bounds memory to chunk x items.
_ITEM_CHUNK = 2048


class ItemKNNConfig(RetrieverConfig):
    """Defaults tuned on Amazon Beauty validation cases (leave-one-out)."""

    neighbours: int = Field(default=200, ge=1, description="Most similar items kept per item.")
    shrinkage: float = Field(
        default=30.0,
        ge=0,
        description="Added to the cosine denominator: damps similarities from few co-users.",
    )
    weighting: Literal["binary", "bm25"] = Field(
        default="binary",
        description="User-item matrix weighting before the cosine: `binary` (1 per pair) or "
        "`bm25` (down-weights very active users, as in implicit's BM25Recommender).",
    )


class ItemKNNRetriever(Retriever):
    """Cosine item-item similarity with shrinkage and top-k neighbours per item."""

    name = "itemknn"
    config_class = ItemKNNConfig
    config: ItemKNNConfig

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        item_users = dataset.user_item_matrix("binary").T.tocsr().astype(np.float64)
        if self.config.weighting == "bm25":
            # Parameters of implicit's BM25Recommender; idf runs over users.
            item_users = bm25_weight(item_users, K1=1.2, B=0.75).tocsr()
        self.similarity = cosine_neighbours(
            item_users, self.config.neighbours, self.config.shrinkage
        )

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return history_scores(history_matrix(users, self.n_items, binary=True), self.similarity)

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        histories = history_matrix(users, self.n_items, binary=True)
        return history_scores(histories, self.similarity, items)

    def _score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        alone = single_item_histories(history_items, self.n_items)
        return history_scores(alone, self.similarity, items)


def cosine_neighbours(
    item_users: sparse.csr_matrix, neighbours: int, shrinkage: float
) -> sparse.csr_matrix:
    """Items x items float32 matrix holding each row's `neighbours` largest shrunk cosines
    (self-similarity excluded)."""
    n_items = item_users.shape[0]
    norms = np.sqrt(np.asarray(item_users.multiply(item_users).sum(axis=1)).ravel())
    users_items = item_users.T.tocsr()
    blocks = []
    for start in range(0, n_items, _ITEM_CHUNK):
        stop = min(start + _ITEM_CHUNK, n_items)
        dots = (item_users[start:stop] @ users_items).tocoo()
        rows, cols = dots.row + start, dots.col
        keep = rows != cols
        rows, cols, dots_data = rows[keep], cols[keep], dots.data[keep]
        sims = dots_data / (norms[rows] * norms[cols] + shrinkage + 1e-12)
        rows, cols, sims = _top_per_row(rows, cols, sims, neighbours)
        blocks.append(
            sparse.csr_matrix((sims, (rows - start, cols)), shape=(stop - start, n_items))
        )
    if not blocks:
        return sparse.csr_matrix((0, 0), dtype=np.float32)
    return sparse.vstack(blocks, format="csr").astype(np.float32)


def _top_per_row(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The `k` largest entries of each row (ties by lower column)."""
    order = np.lexsort((cols, -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    first_of_row = np.searchsorted(rows, rows, side="left")
    keep = np.arange(len(rows)) - first_of_row < k
    return rows[keep], cols[keep], values[keep]
