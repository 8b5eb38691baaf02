"""`TextBridgeRetriever` ("bridge"): items nobody has interacted with yet borrow the
co-occurrence evidence of the catalogue items whose text is closest to theirs.

A new product has no co-occurrence row of its own, but its text says what it is like: "OPI nail
lacquer, a new shade" reads like the other OPI lacquers, and shoppers who would buy those are
the likely buyers of the new one. Fitting finds, for every item without training interactions,
its `neighbours` nearest items by text among those with interactions (faiss, inner product of
unit vectors) and gives it the cosine-weighted sum of their co-occurrence columns. A user's
score for a new item is then what co-occurrence would give it had it been bought like its
neighbours. Items with interactions score 0 ("knows nothing" in the retriever protocol): the
co-occurrence retriever itself covers them, and a fusion ranks both.
"""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np
from pydantic import Field
from scipy import sparse

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.cooccurrence import CooccurrenceConfig, CooccurrenceRetriever
from shopsense.retrieval.history import history_scores, single_item_histories
from shopsense.text.encoder import Encoder, EncoderConfig
from shopsense.text.item_text import ItemTextRecipe, item_vectors


class TextBridgeConfig(RetrieverConfig):
    """How new items are tied to the items they read like."""

    neighbours: int = Field(
        10,
        ge=1,
        description="Nearest items by text (with interactions) each new item borrows from.",
    )
    cooccurrence: CooccurrenceConfig = Field(
        default_factory=CooccurrenceConfig, description="The co-occurrence model borrowed from."
    )
    encoder: EncoderConfig = Field(default_factory=EncoderConfig, description="Text encoder.")
    recipe: ItemTextRecipe = Field(
        default_factory=ItemTextRecipe, description="Which item fields make up the item text."
    )


class TextBridgeRetriever(Retriever):
    """Co-occurrence for items without interactions, through their text neighbours."""

    name = "bridge"
    config_class = TextBridgeConfig
    config: TextBridgeConfig

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        encoder = Encoder(self.config.encoder, dataset.languages)
        self.config = self.config.model_copy(update={"encoder": encoder.config})
        self.item_vectors = item_vectors(dataset, encoder, self.config.recipe)
        self.cooccurrence = CooccurrenceRetriever(self.config.cooccurrence).fit(dataset)
        borrowed = text_neighbours(
            self.item_vectors, dataset.item_popularity > 0, self.config.neighbours
        )
        # Column i of the bridge = the weighted co-occurrence columns of new item i's neighbours.
        self.bridge = (self.cooccurrence.item_item @ borrowed.T).astype(np.float32).tocsr()

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return history_scores(self.cooccurrence.history_weights(users), self.bridge)

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        return history_scores(self.cooccurrence.history_weights(users), self.bridge, items)

    def _score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        alone = single_item_histories(history_items, self.n_items)
        return history_scores(alone, self.bridge, items)


def text_neighbours(vectors: np.ndarray, known: np.ndarray, k: int) -> sparse.csr_matrix:
    """Items x items: row i holds the cosines (clipped at 0) of the `k` nearest `known` items to
    each item that is not `known` and has a text vector; every other row is empty."""
    n_items = len(vectors)
    sources = np.flatnonzero(known)
    new = np.flatnonzero(~known & np.any(vectors != 0, axis=1))
    if len(sources) == 0 or len(new) == 0:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors[sources], dtype=np.float32))
    k = min(k, len(sources))
    cosines, found = index.search(np.ascontiguousarray(vectors[new], dtype=np.float32), k)
    rows = np.repeat(new, k)
    keep = found.ravel() >= 0
    weights = np.maximum(cosines.ravel(), 0.0)[keep]
    return sparse.csr_matrix(
        (weights, (rows[keep], sources[found.ravel()[keep]])), shape=(n_items, n_items)
    )
