"""The precomputed artifact: every known shopper's recommendations, computed at training time
exactly as the server computes them (`shopsense.ranking.precomputed`).

The lists hold shopper ids, so they are read only when the server asks (`PrecomputedLists.read`)
and a shopper's rows are erased with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopsense.bundle.artifact import Artifact, BuildContext, Saved, StagedFile, erase_rows
from shopsense.data.dataset import Dataset

if TYPE_CHECKING:
    from shopsense.ranking.cascade import Precomputed

#: The table of shoppers' lists, `<PRECOMPUTED>.parquet` in the artifact's folder.
PRECOMPUTED = "recommendations"


@dataclass(frozen=True)
class PrecomputedLists:
    """Where a bundle's lists are, and their length."""

    path: Path
    k: int

    def read(self) -> dict[str, Precomputed]:
        """The lists by shopper."""
        from shopsense.ranking.precomputed import read_precomputed

        return read_precomputed(self.path)


class PrecomputedArtifact(Artifact):
    name = "precomputed"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> pl.DataFrame:
        # The cascade the server answers with, built over the models just fitted.
        from shopsense.ranking.cascade import Recommender
        from shopsense.ranking.precomputed import PRECOMPUTED_K, precompute

        context.step(f"computing recommendations ahead for {dataset.n_users:,} shoppers")
        models = context.built["recommender"].models
        catalogue = context.built["catalogue"]
        recommender = Recommender(models, catalogue.items, language=catalogue.language)
        return precompute(recommender, dataset, PRECOMPUTED_K)

    def save(self, built: pl.DataFrame, directory: Path) -> Saved:
        from shopsense.ranking.precomputed import PRECOMPUTED_K

        built.write_parquet(directory / f"{PRECOMPUTED}.parquet")
        shoppers = built["user_id"].n_unique()
        return {"config": {"k": PRECOMPUTED_K}, "metrics": {"shoppers": shoppers}}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> PrecomputedLists:
        return PrecomputedLists(directory / f"{PRECOMPUTED}.parquet", int(entry["config"]["k"]))

    def erase(self, directory: Path, user_id: str) -> list[StagedFile]:
        staged = erase_rows(directory / f"{PRECOMPUTED}.parquet", user_id)
        return [] if staged is None else [staged]
