"""The precomputed artifact: every known shopper's recommendations, computed at training time
exactly as the server computes them (`shopsense.ranking.precomputed`).

The lists hold shopper ids, so they are read only when the server asks (`PrecomputedLists.read`)
and a shopper's rows are erased with them. Batches of shoppers run on the training's engine
(`BuildContext.engine`): its workers load the models from the folders they were just saved to
(`ScoreWithBundleFiles`), never a pickle of them, so they need the filesystem the bundle is
written to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopsense.bundle.artifact import Artifact, BuildContext, Saved, StagedFile, erase_rows
from shopsense.bundle.catalogue import TABLE, Catalogue
from shopsense.data.dataset import Dataset
from shopsense.ranking.precomputed import ScoreShoppers
from shopsense.retrieval.base import Retriever

if TYPE_CHECKING:
    from shopsense.ranking.cascade import Precomputed, Recommender

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


@dataclass(frozen=True)
class ScoreWithBundleFiles(ScoreShoppers):
    """Scores shoppers with the cascade of a bundle's saved models, loaded where it runs."""

    models: dict[str, Path]
    """Each model's folder (as `Retriever.save` wrote it), in cascade order."""
    items: Path
    """The catalogue table."""
    language: str
    k: int

    @classmethod
    def of_bundle(
        cls, folders: Mapping[str, Path], models: Iterable[str], language: str, k: int
    ) -> ScoreWithBundleFiles:
        """The job over a bundle's artifact `folders` (by artifact name) and its `models`."""
        return cls(
            {name: folders["recommender"] / name for name in models},
            folders["catalogue"] / TABLE,
            language,
            k,
        )

    def open(self) -> Recommender:
        from shopsense.ranking.cascade import Recommender

        models = {name: Retriever.load(folder) for name, folder in self.models.items()}
        items = Catalogue(pl.read_parquet(self.items), self.language).items
        return Recommender(models, items, language=self.language)


class PrecomputedArtifact(Artifact):
    name = "precomputed"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> pl.DataFrame:
        from shopsense.ranking.cascade import Recommender
        from shopsense.ranking.precomputed import PRECOMPUTED_K, precompute

        context.step(
            f"computing recommendations ahead for {dataset.n_users:,} shoppers "
            f"({context.engine.name} engine, {context.engine.workers} workers)"
        )
        # Workers load the models just saved; this process scores with those it fitted.
        catalogue = context.built["catalogue"]
        job = ScoreWithBundleFiles.of_bundle(
            context.folders, context.built["recommender"].models, catalogue.language, PRECOMPUTED_K
        )
        recommender = Recommender(
            context.built["recommender"].models, catalogue.items, language=catalogue.language
        )
        return precompute(job, dataset, context.engine, recommender)

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
