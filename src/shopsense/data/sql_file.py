"""A component's tables in an embedded DuckDB file or a shared PostgreSQL database.

`SqlFile` is the base of such a component: given a path (or `":memory:"`) it opens a DuckDB file
of its own, given a `postgresql://` (or `postgres://`) URL the shared database several server
processes use. Subclasses write their SQL once, in the dialect both accept: `?` placeholders,
`DOUBLE PRECISION`, `TIMESTAMPTZ`, sequences read by `nextval('name')`, counts of deleted rows
from `RETURNING`. Storage failures raise `StorageError`, bad data `DataError`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from shopsense.data.duckdb_file import DuckDBDatabase
from shopsense.data.postgres import PostgresDatabase, is_database_url

__all__ = ["Database", "SqlFile"]


class Database(Protocol):
    """An open database with a component's schema applied (`DuckDBDatabase`,
    `PostgresDatabase`); the caller takes turns using it."""

    source: str
    """Where the tables are, for errors and logs (a URL without its password)."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a statement without, or without RETURNING)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """The statements run inside as one transaction: committed, or rolled back on error."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


class SqlFile:
    """A component's tables, with `schema` applied and times in UTC: in the DuckDB file
    `target` (`":memory:"` for a throw-away) or the PostgreSQL database it names by URL.

    Subclasses run statements with `execute` and group them with `transaction`; both take
    `_lock` (reentrant), which subclasses also hold around reads that belong together."""

    def __init__(self, target: str | Path, schema: str, what: str) -> None:
        """`what` names the tables' owner in errors ("the conversation store")."""
        self._db: Database = (
            PostgresDatabase(str(target), schema, what)
            if is_database_url(target)
            else DuckDBDatabase(target, schema, what)
        )
        self._lock = threading.RLock()

    @property
    def source(self) -> str:
        """Where the tables are: the file, or the database URL without its password."""
        return self._db.source

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (`?` placeholders); its rows (none for a write without RETURNING)."""
        with self._lock:
            return self._db.execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The statements run inside (in this thread) as one transaction."""
        with self._lock, self._db.transaction():
            yield

    def close(self) -> None:
        """Close the file or connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
