"""A small DuckDB file of its own (beside the shop's store), for one component's tables:
`DuckDBDatabase` is the DuckDB side of `shopsense.data.sql_file.SqlFile` (SQL both DuckDB and
PostgreSQL accept)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

from shopsense.data.errors import DataError, StorageError

__all__ = ["STORAGE_FAILURES", "DuckDBDatabase", "open_duckdb"]

#: DuckDB errors that are the storage's fault, not the data's (raised as `StorageError`).
STORAGE_FAILURES = (
    duckdb.IOException,
    duckdb.FatalException,
    duckdb.InternalException,
    duckdb.PermissionException,
    duckdb.OutOfMemoryException,
    duckdb.ConnectionException,
)
#: DuckDB errors that are the data's fault (raised as `DataError`).
_BAD_DATA = (duckdb.DataError, duckdb.IntegrityError)
# An INSERT, UPDATE or DELETE without RETURNING: DuckDB answers it with a row of its count.
_COUNTED = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b(?!.*\bRETURNING\b)", re.IGNORECASE | re.DOTALL)


def open_duckdb(path: str, schema: str, what: str) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file `path` (`":memory:"`: a throw-away) with `schema`
    applied and times in UTC; `DataError` naming `what` when it cannot be opened."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(path)
    except duckdb.Error as error:
        raise DataError(f"cannot open {what}: {error}", source=path) from None
    con.execute("SET TimeZone = 'UTC'")
    con.execute(schema)
    return con


class DuckDBDatabase:
    """A component's tables in a DuckDB file of their own (`":memory:"` for a throw-away).
    Storage failures raise `StorageError`, bad data `DataError`. Not locked: the caller takes
    turns."""

    def __init__(self, path: str | Path, schema: str, what: str) -> None:
        self.source = str(path)
        self._con = open_duckdb(self.source, schema, what)

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (`?` placeholders); its rows (none for a write without RETURNING)."""
        with self._errors():
            rows = self._con.execute(sql, params).fetchall()
        return [] if _COUNTED.match(sql) else rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The statements run inside as one transaction: committed, or rolled back on error."""
        with self._errors():
            self._con.begin()
        try:
            yield
            with self._errors():
                self._con.commit()
        except BaseException:
            with suppress(duckdb.Error):  # a failed commit has already ended the transaction
                self._con.rollback()
            raise

    def close(self) -> None:
        """Close the file."""
        self._con.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except STORAGE_FAILURES as error:
            raise StorageError(str(error), source=self.source) from error
        except _BAD_DATA as error:
            raise DataError(str(error), source=self.source) from error
