"""A component's tables in a shared PostgreSQL database: the PostgreSQL side of
`shopsense.data.sql_file.SqlFile`, for several server processes at once.

One autocommit psycopg connection, session time zone UTC; the schema is created with
`CREATE ... IF NOT EXISTS` under a transaction-level advisory lock, so processes starting
together do not race. SQL arrives with `?` placeholders (see `to_psycopg`). A lost connection
raises `StorageError` and is reopened on the next call. The password never appears in an
error: the database is named by its URL without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from shopsense.data.errors import DataError, StorageError

__all__ = ["PostgresDatabase", "is_database_url", "redact_url", "to_psycopg"]

_URL_SCHEMES = ("postgresql://", "postgres://")

#: The advisory lock every process takes while it creates its tables.
_SCHEMA_LOCK = "shopsense: schema"
_LITERAL = re.compile(r"('(?:[^']|'')*')")


def is_database_url(target: object) -> bool:
    """Whether a location names a PostgreSQL database (`postgresql://...`) rather than a
    DuckDB file."""
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


def redact_url(url: str) -> str:
    """The database URL without its password (in the user part or as a parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


def to_psycopg(sql: str) -> str:
    """SQL with `?` placeholders as psycopg's: `?` becomes `%s` (not inside a string literal)
    and a literal `%` becomes `%%`."""
    parts = _LITERAL.split(sql.replace("%", "%%"))  # odd parts: the string literals
    return "".join(part if i % 2 else part.replace("?", "%s") for i, part in enumerate(parts))


class PostgresDatabase:
    """A component's tables in the PostgreSQL database at `url` (`postgresql://...`).
    Storage failures raise `StorageError`, bad data `DataError`. Not locked: the caller takes
    turns."""

    def __init__(self, url: str, schema: str, what: str) -> None:
        """`what` names the tables' owner in errors ("the conversation store")."""
        self.source = redact_url(url)
        self._url = url
        try:
            self._password = conninfo_to_dict(url).get("password") or None
        except psycopg.ProgrammingError:  # its message may quote the password
            raise DataError(
                f"cannot open {what}: not a PostgreSQL URL", source=self.source
            ) from None
        with self._errors(f"cannot open {what}: "):
            self._con = self._connect()
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", [_SCHEMA_LOCK])
            with self._errors(f"cannot create the tables of {what}: "):
                self._con.execute(schema)

    def execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (`?` placeholders); its rows (none for a statement without)."""
        with self._errors():
            cursor = self._live().execute(to_psycopg(sql), params)
            return cursor.fetchall() if cursor.description is not None else []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The statements run inside as one transaction: committed, or rolled back on error."""
        with self._errors(), self._live().transaction():
            yield

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        con = psycopg.connect(self._url, autocommit=True)
        con.execute("SET TIME ZONE 'UTC'")
        return con

    def _live(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The connection, reopened first when it was lost."""
        if self._con.broken:
            self._con = self._connect()
        return self._con

    @contextmanager
    def _errors(self, context: str = "") -> Iterator[None]:
        """psycopg's errors as `StorageError` (connection, server) or `DataError` (the data),
        `context` before the message; not chained, the scrubbed message says it all."""
        try:
            yield
        except psycopg.OperationalError as error:
            raise StorageError(context + self._scrub(error), source=self.source) from None
        except (psycopg.DataError, psycopg.IntegrityError) as error:
            raise DataError(context + self._scrub(error), source=self.source) from None

    def _scrub(self, error: Exception) -> str:
        """The error's message, the password (should the server echo it) masked."""
        text = str(error)
        return text.replace(self._password, "***") if self._password else text
