"""Personalised search: blend a shopper's interest vector into the ranking.

The interest vector is the user's profile from `shopsense.text.profiles` (time-decayed,
kind-weighted mean of the vectors of the products they interacted with, plus their reviews and
queries). Each candidate gains `weight x cosine(profile, product)`; anonymous users, and users
the shop knows nothing about, get no blend at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.dataset import Dataset
from shopsense.retrieval.base import UserContext
from shopsense.search.index import CatalogueIndex
from shopsense.text import Encoder, InterestProfiler

User = str | UserContext | None


class PersonalizationConfig(BaseModel):
    """How much a shopper's interests move the ranking."""

    model_config = ConfigDict(extra="forbid")

    weight: float = Field(
        0.3,
        ge=0,
        description="Added score per unit of cosine between profile and product, on a scale "
        "where the query's best candidate scores 1 and its worst 0; 0 turns it off.",
    )


class Personalizer:
    """Interest vectors of the shop's users over the vectors of one `CatalogueIndex`."""

    def __init__(
        self,
        index: CatalogueIndex,
        encoder: Encoder,
        dataset: Dataset | None,
        config: PersonalizationConfig | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.dataset = dataset
        self.config = config or PersonalizationConfig()
        self._profiler: InterestProfiler | None = None

    def vector(self, user: User) -> np.ndarray | None:
        """The user's unit interest vector, or None (anonymous, unknown, or nothing known)."""
        if user is None or self.config.weight == 0 or self.dataset is None:
            return None
        profiler = self._profiler_for(self.dataset)
        if isinstance(user, str):
            if user not in self.dataset.user_index:
                return None
            profile = profiler.profile_user(user)
        else:
            profile = profiler.profile_history(user.history, user.timestamps)
        return None if profile.is_empty else profile.vector

    def affinity(self, slots: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Cosine between the interest vector and each slot's product vector."""
        return self.index.vectors[slots] @ vector

    def save(self, directory: Path) -> None:
        """Write the catalogue the profiles are built over (`items.parquet`), if any. No
        shopper's data is written: a loaded personalizer profiles shoppers from the history
        each request passes, or by id from the dataset given to `load`."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.dataset is not None:
            self.dataset.items.write_parquet(directory / "items.parquet")

    @classmethod
    def load(
        cls,
        directory: Path,
        index: CatalogueIndex,
        encoder: Encoder,
        config: PersonalizationConfig | None = None,
        dataset: Dataset | None = None,
    ) -> Personalizer:
        """A personalizer over `index` with the catalogue `save` wrote, or over `dataset`."""
        if dataset is None and (directory / "items.parquet").is_file():
            dataset = Dataset(items=pl.read_parquet(directory / "items.parquet"))
        return cls(index, encoder, dataset, config)

    def _profiler_for(self, dataset: Dataset) -> InterestProfiler:
        if self._profiler is None:
            # The index was built from this dataset's items, so its first slots are item indices.
            vectors = self.index.vectors[: dataset.n_items]
            self._profiler = InterestProfiler(dataset, self.encoder, vectors=vectors)
        return self._profiler
