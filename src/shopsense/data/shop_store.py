"""What every store of a shop's data offers (`ShopStore`), and opening one by its location: a
DuckDB file, the embedded default, or a PostgreSQL database that several server processes share
(`postgresql://user@host/db`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.postgres import is_database_url
from shopsense.data.postgres_store import PostgresStore
from shopsense.data.records import Interaction
from shopsense.data.store import Store

__all__ = ["ShopStore", "open_store"]


class ShopStore(Protocol):
    """The durable home of a shop's five tables (see `Store` for the contract)."""

    #: Where it is, for errors (a file path, or a database URL without its password).
    path: Path | str

    def ingest(
        self, data: Dataset | Mapping[str, pl.DataFrame], *, source: str | None = None
    ) -> dict[str, int]:
        """Validate, then write tables in one transaction; rows written per table."""
        ...

    def seed(self, dataset: Dataset, *, source: str) -> None:
        """All of a bundle's data into an empty store, else its items only."""
        ...

    def append_events(self, records: Sequence[Interaction]) -> list[int]:
        """Append interactions durably; their event ids."""
        ...

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Erase a shopper's rows; rows deleted per table."""
        ...

    def compact(self) -> None:
        """Leave no bytes of deleted rows behind."""
        ...

    def probe(self) -> None:
        """Return if the store can be written now, else raise `StorageError`."""
        ...

    def load(self, name: str | None = None) -> Dataset:
        """Every table, in stored order."""
        ...

    def table(self, table: str) -> pl.DataFrame:
        """One table, in stored order."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        ...

    def close(self) -> None:
        """Release the file or connection."""
        ...


def open_store(location: str | Path) -> ShopStore:
    """The store at `location`: a PostgreSQL URL, else a DuckDB file path."""
    if is_database_url(location):
        return PostgresStore(str(location))
    return Store(location)
