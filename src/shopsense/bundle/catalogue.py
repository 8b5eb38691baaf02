"""The catalogue artifact: the shop's products, one row per item, in item-index order.

Every model of the bundle numbers items by their row here, and the API serves a product's
record from it (`GET /v1/items/{item_id}`). The catalogue's language (`Dataset.language`, which
the reasons of recommendations are worded in) is kept in the artifact's config; a bundle saved
before it was kept has it detected from the titles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.language import dominant_language

TABLE = "items.parquet"


class Catalogue:
    """The products of a bundle, looked up by id."""

    def __init__(self, items: pl.DataFrame, language: str | None = None) -> None:
        self.items = schema.conform(items, "items")
        """Row order is the item index every model uses."""
        self.language = language or dominant_language(
            title or "" for title in self.items["title"].head(5000).to_list()
        )
        """The shop's language ("en", "zh", ...); None given: the language most titles are in."""
        self._index = {item_id: row for row, item_id in enumerate(self.items["item_id"])}

    def __len__(self) -> int:
        return self.items.height

    def index_of(self, item_id: str) -> int | None:
        """The item index of `item_id`, or None for a product not in the catalogue."""
        return self._index.get(item_id)

    def record(self, item_id: str) -> dict[str, Any] | None:
        """A product's fields (`schema.ITEMS`, attributes as a dict), or None if unknown."""
        row = self.index_of(item_id)
        if row is None:
            return None
        record = self.items.row(row, named=True)
        record["attributes"] = json.loads(record["attributes"] or "{}")
        return record


class CatalogueArtifact(Artifact):
    name = "catalogue"
    version = 1
    optional = False

    def build(self, dataset: Dataset, context: BuildContext) -> Catalogue:
        context.step(f"writing the catalogue of {dataset.n_items:,} products")
        return Catalogue(dataset.items, dataset.language)

    def save(self, built: Catalogue, directory: Path) -> Saved:
        built.items.write_parquet(directory / TABLE)
        config = {"columns": built.items.columns, "language": built.language}
        return {"config": config, "metrics": {"items": len(built)}}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> Catalogue:
        return Catalogue(pl.read_parquet(directory / TABLE), entry["config"].get("language"))
