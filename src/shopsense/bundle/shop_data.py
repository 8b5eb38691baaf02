"""The data artifact: the shop's tables besides the catalogue (users, interactions, reviews,
queries), as trained on.

A new store is seeded from them (`Bundle.dataset`), so they are read only when asked for: a
server holds no shopper's data it did not ask for. Erasing a shopper removes their rows here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from shopsense.bundle.artifact import Artifact, BuildContext, Saved, StagedFile, erase_rows
from shopsense.data import schema
from shopsense.data.dataset import Dataset

#: The tables of this artifact: every table of a dataset but the catalogue.
TABLES = tuple(table for table in schema.TABLES if table != "items")


class ShopTables:
    """The tables on disk, read on demand."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def read(self) -> dict[str, pl.DataFrame]:
        """Every table, by name."""
        return {table: pl.read_parquet(self.directory / f"{table}.parquet") for table in TABLES}


class DataArtifact(Artifact):
    name = "data"
    version = 1
    optional = False

    def build(self, dataset: Dataset, context: BuildContext) -> dict[str, pl.DataFrame]:
        return {table: getattr(dataset, table) for table in TABLES}

    def save(self, built: dict[str, pl.DataFrame], directory: Path) -> Saved:
        for table, frame in built.items():
            frame.write_parquet(directory / f"{table}.parquet")
        rows = {table: frame.height for table, frame in built.items()}
        return {"config": {"tables": list(built)}, "metrics": {"rows": rows}}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> ShopTables:
        return ShopTables(directory)

    def erase(self, directory: Path, user_id: str) -> list[StagedFile]:
        staged = (erase_rows(directory / f"{table}.parquet", user_id) for table in TABLES)
        return [file for file in staged if file is not None]
