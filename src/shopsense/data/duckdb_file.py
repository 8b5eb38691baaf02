"""A small DuckDB file of its own (beside the shop's store), for one component's tables: opened
with its schema, used under one lock, closed on exit."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Self

import duckdb

from shopsense.data.errors import DataError

__all__ = ["DuckDBFile"]


class DuckDBFile:
    """One DuckDB file (`":memory:"` for a throw-away) with `schema` applied, times in UTC.
    Subclasses run their statements on `_con` while holding `_lock`."""

    def __init__(self, path: str | Path, schema: str, what: str) -> None:
        """`what` names the file in errors ("the placement store")."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path)
        except duckdb.Error as error:
            raise DataError(f"cannot open {what}: {error}", source=self.path) from None
        self._con.execute("SET TimeZone = 'UTC'")
        self._con.execute(schema)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the file."""
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
