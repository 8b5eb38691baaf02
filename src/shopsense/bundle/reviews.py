"""The reviews artifact: the shop's review analyzer and every review it read (sentiment,
aspects), from which summaries, trends and alerts are derived when loaded.

The analyzer is the one `shopsense reviews train` wrote when training is given one
(`BuildContext.reviews_model`), otherwise one fitted on the shop's own rated reviews; a shop
with too few rated reviews of a kind gets none and its reviews are read off their ratings. Files:
`analyzed.parquet` (one row per review, texts PII-masked) and `analyzer/` (plain arrays and
JSON as the analyzer saves them). Erasing a shopper removes their rows.
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
    from shopsense.reviews.analyzer import ReviewAnalyzer
    from shopsense.reviews.insights import ShopReviews

ANALYZED_FILE = "analyzed.parquet"
ANALYZER_DIR = "analyzer"


@dataclass(frozen=True)
class ReadReviews:
    """What the artifact holds: the analyzer and the reviews it read."""

    analyzed: pl.DataFrame
    """One row per review, `shopsense.reviews.analysis.ANALYZED` columns."""
    analyzer: ReviewAnalyzer | None
    """None: the shop's reviews were too few to fit one; readings come from ratings."""

    def shop_reviews(self, items: pl.DataFrame, language: str) -> ShopReviews:
        """The reviews with their summaries, trends and alerts over catalogue `items`."""
        from shopsense.reviews.insights import ShopReviews

        return ShopReviews(self.analyzed, items, self.analyzer, language)


class ReviewsArtifact(Artifact):
    name = "reviews"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> ReadReviews:
        # Imported here, as the other artifacts do: review models pull in their own libraries.
        from shopsense.reviews.analysis import empty_analyzed

        analyzer, how = _analyzer(dataset, context)
        context.step(f"reading {dataset.reviews.height:,} reviews ({how})")
        empty = ReadReviews(empty_analyzed(), analyzer)
        reader = empty.shop_reviews(dataset.items, dataset.language or "en")
        return ReadReviews(reader.read(dataset.reviews), analyzer)

    def save(self, built: ReadReviews, directory: Path) -> Saved:
        built.analyzed.write_parquet(directory / ANALYZED_FILE)
        if built.analyzer is not None:
            built.analyzer.save(directory / ANALYZER_DIR)
        counts = built.analyzed["sentiment"].value_counts(sort=True).iter_rows()
        return {
            "config": {"analyzer": built.analyzer is not None},
            "metrics": {"reviews": built.analyzed.height, "sentiment": dict(counts)},
        }

    def load(self, directory: Path, entry: Mapping[str, Any]) -> ReadReviews:
        from shopsense.reviews.analyzer import ReviewAnalyzer

        analyzer_dir = directory / ANALYZER_DIR
        analyzer = ReviewAnalyzer.load(analyzer_dir) if analyzer_dir.is_dir() else None
        return ReadReviews(pl.read_parquet(directory / ANALYZED_FILE), analyzer)

    def erase(self, directory: Path, user_id: str) -> list[StagedFile]:
        staged = erase_rows(directory / ANALYZED_FILE, user_id)
        return [staged] if staged is not None else []


def _analyzer(dataset: Dataset, context: BuildContext) -> tuple[ReviewAnalyzer | None, str]:
    """The analyzer to read the shop's reviews with, and how it was obtained."""
    from shopsense.reviews.analyzer import ReviewAnalyzer

    if context.reviews_model is not None:
        return ReviewAnalyzer.load(context.reviews_model), f"model {context.reviews_model}"
    try:
        return ReviewAnalyzer.fit_for_shop(dataset.reviews), "analyzer fitted on its ratings"
    except ValueError as problem:
        return None, f"sentiment from star ratings: {problem}"
