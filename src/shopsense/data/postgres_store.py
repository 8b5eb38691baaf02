"""The shared store: the five tables of `shopsense.data.schema` in a PostgreSQL database, so
that several server processes (on one machine or many) hold one truth.

Same contract as the embedded `Store`: input is conformed and validated by the same code before
a transaction starts; items and users are upserted by id (an incoming empty value keeps the
stored one); interactions, reviews and queries are appended, numbered by a per-table counter
row. Updating that row locks it until the transaction ends, so the writers of one table take
turns and the numbers commit in order, without gaps: a reader never sees event 11 before 10.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType

import polars as pl
import psycopg
import pyarrow as pa

from shopsense.data import schema
from shopsense.data.batches import (
    EVENTS,
    KEYS,
    IngestBatch,
    event_rows,
    ingest_batch,
    upsert_clause,
)
from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError, StorageError
from shopsense.data.postgres import redact_url
from shopsense.data.records import Interaction
from shopsense.data.validation import check_item_known, validate_tables

__all__ = ["PostgresStore"]

SCHEMA_VERSION = "1"
#: Per table: the column that keeps row order (and numbers appended rows), and the upsert key.
ORDER = {
    "items": "position",
    "users": "position",
    "interactions": "event_id",
    "reviews": "row_id",
    "queries": "row_id",
}
_USER_TABLES = ("interactions", "reviews", "queries", "users")
#: Taken (per transaction) while creating the tables or seeding an empty store.
_SETUP_LOCK = 0x5350_5345  # "SPSE"


class PostgresStore:
    """A shop's data in one PostgreSQL database. Use as a context manager, or call `close()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = redact_url(url)
        self._guard = threading.RLock()
        self._known_items: set[str] = set()
        self._con = self._connect()
        try:
            with self._transaction("the store's tables"):
                self._con.execute("SELECT pg_advisory_xact_lock(%s)", [_SETUP_LOCK])
                self._create_tables()
            self._check_version()
        except BaseException:
            self.close()
            raise

    # ---- lifecycle -----------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        try:
            con = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as error:
            raise StorageError(
                f"cannot open the store: {_message(error)}", source=self.path
            ) from None
        con.execute("SET TIME ZONE 'UTC'")
        return con

    def _live(self) -> psycopg.Connection:
        """The connection, opened again first when it was lost."""
        if self._con.closed or self._con.broken:
            self._con = self._connect()
        return self._con

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------------
    def ingest(
        self, data: Dataset | Mapping[str, pl.DataFrame], *, source: str | None = None
    ) -> dict[str, int]:
        """Validate, then write all tables in one transaction; return rows written per table
        (see `Store.ingest`)."""
        batch = ingest_batch(data, source)
        with self._guard, self._transaction(batch.source):
            self._write_batch(batch)
        return {table: frame.height for table, frame in batch.tables.items()}

    def seed(self, dataset: Dataset, *, source: str) -> None:
        """Hold `dataset` (a bundle's data): all of it in a store with no items and no events
        yet, else its items only. Processes starting together seed it once."""
        with self._guard, self._transaction(source):
            self._con.execute("SELECT pg_advisory_xact_lock(%s)", [_SETUP_LOCK])
            counts = self.counts()
            empty = counts["items"] == 0 and counts["interactions"] == 0
            self._write_batch(ingest_batch(dataset if empty else {"items": dataset.items}, source))

    def append_events(self, records: Sequence[Interaction]) -> list[int]:
        """Append interactions durably (committed before return); return their `event_id`s.
        All-or-nothing: a bad record or an unknown item rejects the call with a `DataError`
        naming the event (1-based)."""
        if not records:
            return []
        rows = event_rows(records)
        with self._guard:
            ids = rows.column("item_id").to_pylist()
            known = self._existing_items(set(ids))
            for number, item_id in enumerate(ids, start=1):
                check_item_known(item_id, known, source=EVENTS, record=f"event {number}")
            with self._transaction(EVENTS):
                start = self._write("interactions", rows)
        return list(range(start, start + rows.num_rows))

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Erase a user: their interactions, reviews, queries and user row, in one transaction;
        returns rows deleted per table (`compact()` then removes their bytes)."""
        deleted: dict[str, int] = {}
        with self._guard, self._transaction(f"delete_user({user_id!r})"):
            for table in _USER_TABLES:
                cursor = self._con.execute(f"DELETE FROM {table} WHERE user_id = %s", [user_id])
                deleted[table] = cursor.rowcount
        return deleted

    def compact(self) -> None:
        """Rewrite the tables that hold shoppers' rows (`VACUUM FULL`), so that deleted rows
        leave no bytes in them. Their old bytes may linger in PostgreSQL's write-ahead log
        until it is recycled (after the next checkpoints)."""
        with self._guard:
            self._run(f"VACUUM (FULL) {', '.join(_USER_TABLES)}")

    def probe(self) -> None:
        """A tiny write round trip: returns if the store can be written now, else raises
        `StorageError`."""
        with self._guard, self._transaction("probe"):
            self._con.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")

    # ---- reading -------------------------------------------------------------------------
    def load(self, name: str | None = None) -> Dataset:
        """All five tables as a `Dataset`, in stored order."""
        with self._guard:
            frames = {table: self.table(table) for table in schema.TABLES}
        return Dataset(**frames, name=name or "shop", source=self.path)

    def table(self, table: str) -> pl.DataFrame:
        """One of `schema.TABLES`, in stored order."""
        columns = schema.TABLES[table]
        names = ", ".join(f'"{column}"' for column in columns)
        rows = self._rows(f"SELECT {names} FROM {table} ORDER BY {ORDER[table]}", [])
        return pl.DataFrame(rows, schema=columns, orient="row")

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {
            table: int(self._rows(f"SELECT count(*) FROM {table}", [])[0][0])
            for table in schema.TABLES
        }

    # ---- internals -----------------------------------------------------------------------
    def _create_tables(self) -> None:
        execute = self._con.execute
        execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        execute(
            "INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
            [SCHEMA_VERSION],
        )
        execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, next BIGINT NOT NULL)")
        for table, columns in schema.TABLES.items():
            definitions = [f"{ORDER[table]} BIGINT NOT NULL"]
            for column, dtype in columns.items():
                key = " PRIMARY KEY" if KEYS.get(table) == column else ""
                definitions.append(f'"{column}" {_sql_type(dtype)}{key}')
            execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(definitions)})")
            for column, dtype in columns.items():
                execute(
                    f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{column}" {_sql_type(dtype)}'
                )
            execute("INSERT INTO counters VALUES (%s, 0) ON CONFLICT DO NOTHING", [table])
        for table in _USER_TABLES:
            execute(f"CREATE INDEX IF NOT EXISTS {table}_user ON {table} (user_id, {ORDER[table]})")

    def _check_version(self) -> None:
        rows = self._rows("SELECT value FROM meta WHERE key = 'schema_version'", [])
        version = rows[0][0] if rows else None
        if version != SCHEMA_VERSION:
            raise DataError(
                f"store schema version {version!r}, this ShopSense reads {SCHEMA_VERSION!r}",
                source=self.path,
            )

    @contextmanager
    def _transaction(self, source: str) -> Iterator[None]:
        """One transaction; a lost connection is opened again first, and errors are
        `StorageError` (the database's fault) or `DataError` (the data's)."""
        with self._guard:
            con = self._live()
            try:
                with con.transaction():
                    yield
            except psycopg.OperationalError as error:
                raise StorageError(
                    f"nothing was written: {_message(error)}", source=self.path
                ) from error
            except psycopg.Error as error:
                raise DataError(f"nothing was written: {_message(error)}", source=source) from error

    def _rows(self, query: str, values: Sequence[object]) -> list[tuple[object, ...]]:
        """The rows of a read (a `StorageError` if the database cannot be reached)."""
        with self._guard:
            try:
                return self._live().execute(query, values).fetchall()
            except psycopg.OperationalError as error:
                raise StorageError(f"cannot read: {_message(error)}", source=self.path) from error

    def _run(self, statement: str) -> None:
        try:
            self._live().execute(statement)
        except psycopg.OperationalError as error:
            raise StorageError(_message(error), source=self.path) from error

    def _write(self, table: str, rows: pa.Table) -> int:
        """Insert (or upsert) conformed rows in the open transaction; return their first id."""
        ((end,),) = self._con.execute(
            "UPDATE counters SET next = next + %s WHERE name = %s RETURNING next",
            [rows.num_rows, table],
        ).fetchall()
        start = int(end) - rows.num_rows
        if rows.num_rows == 0:
            return start
        columns = [ORDER[table], *schema.TABLES[table]]
        names = ", ".join(f'"{column}"' for column in columns)
        target = table
        if table in KEYS:
            target = f"batch_{table}"
            self._con.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
        values = [rows.column(name).to_pylist() for name in schema.TABLES[table]]
        with self._con.cursor().copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for offset, row in enumerate(zip(*values, strict=True)):
                copy.write_row((start + offset, *row))
        if table in KEYS:
            self._con.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} "
                f"ORDER BY {ORDER[table]}{upsert_clause(table, _keep_if_empty)}"
            )
        if table == "items":
            self._known_items.update(rows.column("item_id").to_pylist())
        return start

    def _write_batch(self, batch: IngestBatch) -> None:
        """Validate a batch against the stored items, then write it (in the open transaction)."""
        stored = self._rows("SELECT item_id FROM items", [])
        known = pl.Series("item_id", [row[0] for row in stored], dtype=pl.Utf8)
        validate_tables(batch.tables, origins=batch.origins, known_item_ids=known)
        for table, frame in batch.tables.items():
            self._write(table, frame.to_arrow())

    def _existing_items(self, item_ids: set[str]) -> set[str]:
        """Those of `item_ids` that are stored (asking the database only for unconfirmed ids;
        items are never deleted, so a confirmed id stays true)."""
        unconfirmed = [item_id for item_id in item_ids if item_id not in self._known_items]
        if unconfirmed:
            found = self._rows("SELECT item_id FROM items WHERE item_id = ANY(%s)", [unconfirmed])
            self._known_items.update(str(row[0]) for row in found)
        return {item_id for item_id in item_ids if item_id in self._known_items}


def _keep_if_empty(column: str, dtype: pl.DataType, table: str) -> str:
    new, old = f'excluded."{column}"', f'{table}."{column}"'
    if isinstance(dtype, pl.List):
        return f"CASE WHEN cardinality(coalesce({new}, '{{}}')) = 0 THEN {old} ELSE {new} END"
    if column == "attributes":
        return f"CASE WHEN coalesce({new}, '{{}}') = '{{}}' THEN {old} ELSE {new} END"
    if dtype == pl.Utf8:
        return f"coalesce(nullif({new}, ''), {old})"
    return f"coalesce({new}, {old})"


def _sql_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return "TEXT[]"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ"
    if dtype.is_float():
        return "DOUBLE PRECISION"
    return "TEXT"


def _message(error: psycopg.Error) -> str:
    return " ".join(str(error).split())
