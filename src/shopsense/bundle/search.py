"""The search artifact: the product search index over the catalogue (`Searcher.save`: BM25
segments, faiss vectors, vocabularies, the search log and the products' review signals as
arrays and JSON).

It is built over the catalogue alone: the searcher personalises from the history each request
passes, so no shopper's data is stored in (or has to be erased from) the index. The review
signals are per product (counts, ratings, sentiment shares, praised aspects), from the reviews
artifact's analysed reviews where it was built, else from the shop's star ratings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.data.dataset import Dataset
from shopsense.reviews.signals import ItemReviewSignals

if TYPE_CHECKING:
    from shopsense.search.searcher import Searcher


def review_signals(dataset: Dataset, context: BuildContext) -> ItemReviewSignals:
    """The catalogue's review signals: from the reviews artifact's analysed reviews where it
    was built (`context.built["reviews"].analyzed`), else from the dataset's star ratings."""
    item_ids = dataset.items["item_id"].to_list()
    read = context.built.get("reviews")
    if read is not None:
        return ItemReviewSignals.from_analyzed(read.analyzed, item_ids)
    return ItemReviewSignals.from_ratings(dataset.reviews, item_ids)


class SearchArtifact(Artifact):
    name = "search"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> Searcher:
        # Imported here: search pulls in libraries a bundle without it never needs.
        from shopsense.search.searcher import Searcher

        context.step(f"indexing {dataset.n_items:,} products for search")
        return Searcher.build(
            Dataset(items=dataset.items), reviews=review_signals(dataset, context)
        )

    def save(self, built: Searcher, directory: Path) -> Saved:
        built.save(directory)
        metrics: dict[str, Any] = {"products": built.index.n_products, "fusion": built.fusion_used}
        if built.reviews is not None:
            metrics["reviewed_products"] = int((built.reviews.signals.reviews > 0).sum())
        return {"config": built.config.model_dump(mode="json"), "metrics": metrics}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> Searcher:
        from shopsense.search.searcher import Searcher

        return Searcher.load(directory)
