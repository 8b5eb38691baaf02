"""The search artifact: the product search index over the catalogue (`Searcher.save`: BM25
segments, faiss vectors, vocabularies and the search log as arrays and JSON).

It is built over the catalogue alone: the searcher personalises from the history each request
passes, so no shopper's data is stored in (or has to be erased from) the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.data.dataset import Dataset

if TYPE_CHECKING:
    from shopsense.search.searcher import Searcher


class SearchArtifact(Artifact):
    name = "search"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> Searcher:
        # Imported here: search pulls in libraries a bundle without it never needs.
        from shopsense.search.searcher import Searcher

        context.step(f"indexing {dataset.n_items:,} products for search")
        return Searcher.build(Dataset(items=dataset.items))

    def save(self, built: Searcher, directory: Path) -> Saved:
        built.save(directory)
        metrics = {"products": built.index.n_products, "fusion": built.fusion_used}
        return {"config": built.config.model_dump(mode="json"), "metrics": metrics}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> Searcher:
        from shopsense.search.searcher import Searcher

        return Searcher.load(directory)
