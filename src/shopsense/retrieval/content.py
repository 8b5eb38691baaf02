"""Content retriever: items whose text is closest to the user's interests, by ANN over text vectors.

Item vectors come from the catalogue text (`shopsense.text.item_text`), never from
interactions, so a product listed today is recommendable today. A user is the time-decayed
mean of the vectors of their history, plus their sentence or query (`UserContext.text`)
encoded as a query. Dense scores (for evaluation and fusion) are one matrix product; single
requests on large catalogues go through a faiss HNSW index instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
from pydantic import Field

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.capabilities import ReadsText
from shopsense.retrieval.dot_products import catalogue_scores
from shopsense.text.encoder import Encoder, EncoderConfig
from shopsense.text.item_text import ItemTextRecipe, item_vectors
from shopsense.text.profiles import DecayConfig, history_vector


class ContentConfig(RetrieverConfig):
    """Text, profile and index settings of the content retriever."""

    encoder: EncoderConfig = Field(default_factory=EncoderConfig, description="Text encoder.")
    recipe: ItemTextRecipe = Field(
        default_factory=ItemTextRecipe, description="Which item fields make up the item text."
    )
    decay: DecayConfig = Field(
        default_factory=DecayConfig, description="Time decay of the history profile."
    )
    text_weight: float = Field(
        1.0,
        ge=0,
        description="Weight of the context's sentence or query against the history profile "
        "(both unit vectors) when a user has both.",
    )
    exact_up_to: int = Field(
        50_000,
        ge=0,
        description="Catalogues up to this many items use an exact index (IndexFlatIP); larger "
        "ones an HNSW graph for single requests.",
    )
    hnsw_neighbours: int = Field(32, ge=4, description="HNSW links per node (M).")
    hnsw_ef_search: int = Field(
        128, ge=1, description="HNSW search breadth: higher is more exact and slower."
    )


class ContentRetriever(Retriever, ReadsText):
    """Nearest items by text to a user's decayed history profile and/or their sentence."""

    name = "content"
    config_class = ContentConfig
    config: ContentConfig

    @property
    def text_encoder(self) -> EncoderConfig:
        return self.config.encoder

    @property
    def text_recipe(self) -> ItemTextRecipe:
        return self.config.recipe

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        self._encoder = Encoder(self.config.encoder, dataset.languages)
        # Saved with the model, so that a loaded model encodes queries with the same encoder.
        self.config = self.config.model_copy(update={"encoder": self._encoder.config})
        self.item_vectors = item_vectors(
            dataset, self._encoder, self.config.recipe, show_progress=True
        )
        self.index = self._build_index(self.item_vectors)

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        vectors = self.user_vectors(users)
        scores = np.zeros((len(users), self.n_items), dtype=np.float32)
        # A user with neither history nor text scores 0 everywhere: skip their product over
        # the catalogue (what a new visitor's request would otherwise pay for nothing).
        known = np.flatnonzero(vectors.any(axis=1))
        if len(known):
            scores[known] = catalogue_scores(vectors[known], self.item_vectors)
        return scores

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        return self.user_vectors(users) @ self.item_vectors[items].T

    # ---- user vectors ----------------------------------------------------------------------
    def user_vectors(self, users: Sequence[UserContext]) -> np.ndarray:
        """One unit vector per user (zeros when neither history nor text says anything)."""
        vectors = (
            np.stack(
                [
                    history_vector(self.item_vectors, u.history, u.timestamps, self.config.decay)
                    for u in users
                ]
            )
            if users
            else np.zeros((0, self.item_vectors.shape[1]), dtype=np.float32)
        )
        with_text = [row for row, user in enumerate(users) if user.text and user.text.strip()]
        if with_text:
            texts = [str(users[row].text) for row in with_text]
            # A shopper's own words: never kept in the on-disk cache.
            encoded = self._encoder.encode(texts, "query", remember=False)
            vectors[with_text] += self.config.text_weight * encoded
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    # ---- ANN requests ----------------------------------------------------------------------
    def recommend(
        self, user: UserContext, k: int = 10, exclude: np.ndarray | Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` items for one user; through the HNSW index on large catalogues."""
        self._check_fitted()
        vector = self.user_vectors([user])[0]
        if self._is_exact or not vector.any():
            # Exact scores are one matrix product here; an empty profile falls back to the
            # base class's popularity order.
            return super().recommend(user, k, exclude)
        excluded = set(np.asarray(exclude if exclude is not None else [], dtype=np.int64).tolist())
        ids, scores = self.search_vector(vector, k + len(excluded))
        keep = np.array([item not in excluded for item in ids.tolist()], dtype=bool)
        return ids[keep][:k], scores[keep][:k]

    def search_vector(self, vector: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The `k` items nearest to `vector` (inner product on unit vectors = cosine)."""
        self._check_fitted()
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(query, min(k, self.n_items))
        found = ids[0] >= 0
        return ids[0][found].astype(np.int64), scores[0][found]

    def similar_items(self, item: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The `k` items whose text is closest to item `item`'s (the item itself left out);
        empty for an item without text."""
        self._check_fitted()
        vector = self.item_vectors[item]
        if not vector.any():
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        ids, scores = self.search_vector(vector, k + 1)
        keep = ids != item
        return ids[keep][:k], scores[keep][:k]

    # ---- index and persistence -------------------------------------------------------------
    @property
    def _is_exact(self) -> bool:
        return self.n_items <= self.config.exact_up_to

    def _build_index(self, vectors: np.ndarray) -> faiss.Index:
        dimension = vectors.shape[1]
        if self._is_exact:
            index = faiss.IndexFlatIP(dimension)
        else:
            index = faiss.IndexHNSWFlat(
                dimension, self.config.hnsw_neighbours, faiss.METRIC_INNER_PRODUCT
            )
            index.hnsw.efSearch = self.config.hnsw_ef_search
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return index

    def _save_state(self, path: Path) -> None:
        faiss.write_index(self.index, str(path / "items.faiss"))
        np.savez(
            path / "content.npz", item_vectors=self.item_vectors, tie_breaker=self._tie_breaker
        )

    def _load_state(self, path: Path) -> None:
        with np.load(path / "content.npz") as state:
            self.item_vectors = state["item_vectors"]
            self._tie_breaker = state["tie_breaker"]
        self.n_items = len(self.item_vectors)
        self.index = faiss.read_index(str(path / "items.faiss"))
        if isinstance(self.index, faiss.IndexHNSWFlat):
            self.index.hnsw.efSearch = self.config.hnsw_ef_search
        self._encoder = Encoder(self.config.encoder)
