"""The embedded store: one DuckDB file holding the five tables of `shopsense.data.schema`.

Every write is one transaction, validated before it starts: a bad batch, an error half-way or
a crash leaves the store as it was (DuckDB's write-ahead log makes a commit durable and an
uncommitted transaction vanish). Items and users are upserted by id; interactions, reviews and
queries are appended, each row numbered by a transactional counter (`event_id` for
interactions) that keeps their order and names every accepted event.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl
import pyarrow as pa

from shopsense.data import schema
from shopsense.data.batches import EVENTS, KEYS, event_rows, ingest_batch, upsert_clause
from shopsense.data.dataset import Dataset
from shopsense.data.duckdb_file import STORAGE_FAILURES
from shopsense.data.errors import DataError, StorageError
from shopsense.data.records import Interaction
from shopsense.data.validation import check_item_known, validate_tables

__all__ = ["DEFAULT_PATH", "ENV_VAR", "Store", "default_path"]

DEFAULT_PATH = Path("shopsense.duckdb")
ENV_VAR = "SHOPSENSE_STORE"
SCHEMA_VERSION = "1"

#: Per table: the column that keeps row order (and numbers appended rows), and the upsert key.
_ORDER = {
    "items": "position",
    "users": "position",
    "interactions": "event_id",
    "reviews": "row_id",
    "queries": "row_id",
}
_USER_TABLES = ("interactions", "reviews", "queries", "users")

# Per open database file: its write lock and how many `Store`s have it open. DuckDB shares one
# database object per file within a process, so two `Store`s on one file must take turns.
_OPEN: dict[str, tuple[threading.RLock, int]] = {}
_OPEN_GUARD = threading.Lock()


def default_path() -> Path:
    """The store file used when none is given: `$SHOPSENSE_STORE`, else `shopsense.duckdb`."""
    return Path(os.environ.get(ENV_VAR, DEFAULT_PATH))


class Store:
    """A shop's data in one DuckDB file. Use as a context manager, or call `close()`.

    `path=":memory:"` gives a throw-away in-memory store (tests, notebooks).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        self.in_memory = str(path) == ":memory:"
        self._closed = False
        # DuckDB refuses every call on a connection after a fatal error: it is reopened.
        self._broken = False
        if not self.in_memory and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = self._connect()
        self._key = f"memory:{id(self)}" if self.in_memory else str(self.path.resolve())
        self._lock = _register(self._key)
        # Item ids already confirmed to exist; items are never deleted, so it never goes stale.
        self._known_items: set[str] = set()
        self._pending: list[_PendingEvents] = []
        self._pending_guard = threading.Lock()
        try:
            if not read_only:
                with self._lock:
                    self._create_tables()
            self._check_version()
        except BaseException:
            self.close()
            raise

    # ---- lifecycle -----------------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        database = ":memory:" if self.in_memory else str(self.path)
        try:
            con = duckdb.connect(database, read_only=self.read_only)
        except duckdb.Error as error:
            raise DataError(f"cannot open the store: {error}", source=str(self.path)) from None
        con.execute("SET TimeZone = 'UTC'")
        return con

    def close(self) -> None:
        """Close the file (DuckDB checkpoints the write-ahead log into it)."""
        if not self._closed:
            self._closed = True
            self._con.close()
            _unregister(self._key)

    def __enter__(self) -> Store:
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
        """Validate, then write all tables in one transaction; return rows written per table.

        `data` is a `Dataset` or a mapping of table name to frame (any subset of the five
        tables; item references may point at items already stored). Items and users with a
        stored id are updated, where an incoming empty value (null, "", [], "{}") keeps the
        stored one, so a partial feed (ids and prices only) does not erase titles. On any
        problem nothing is written and a `DataError` naming `source` is raised.
        """
        batch = ingest_batch(data, source)
        with self._lock:
            stored_items = self._con.sql("SELECT item_id FROM items").pl()["item_id"]
            validate_tables(batch.tables, origins=batch.origins, known_item_ids=stored_items)
            with self._transaction(batch.source):
                for table, frame in batch.tables.items():
                    self._write(table, frame.to_arrow())
        return {table: frame.height for table, frame in batch.tables.items()}

    def seed(self, dataset: Dataset, *, source: str) -> None:
        """Hold `dataset` (a bundle's data): all of it in a store with no items and no events
        yet, else its items only (the catalogue being served joins the stored one)."""
        with self._lock:
            counts = self.counts()
            if counts["items"] == 0 and counts["interactions"] == 0:
                self.ingest(dataset, source=source)
            else:
                self.ingest({"items": dataset.items}, source=source)

    def append_events(self, records: Sequence[Interaction]) -> list[int]:
        """Append interactions durably (committed before return); return their `event_id`s.

        The call is all-or-nothing: an invalid record or an unknown item id rejects it whole
        with a `DataError` naming the event (1-based within the call). An event without a
        timestamp is stamped with the time it was received, so that real-time events keep
        their order among timed history. Thread-safe: calls arriving while a commit is under
        way are committed together in the next transaction (group commit), so many
        concurrent single-event calls cost one disk sync per group rather than one each.
        """
        if not records:
            return []
        rows = event_rows(records)
        pending = _PendingEvents(rows)
        with self._pending_guard:
            self._pending.append(pending)
        with self._lock:
            # An earlier caller may have committed this call's events with its own.
            if not pending.result.done():
                self._commit_pending()
        return pending.result.result()

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Erase a user (GDPR): their interactions, reviews, queries and user row.

        Returns rows deleted per table. The rows are gone from every query at once, but
        DuckDB leaves their bytes in unused blocks of the file until `compact()` rewrites it:
        call that after erasure requests (at once, or in a nightly batch).
        """
        with self._lock:
            with self._transaction(f"delete_user({user_id!r})"):
                deleted = {
                    table: self._con.execute(
                        f"DELETE FROM {table} WHERE user_id = ?", [user_id]
                    ).fetchall()[0][0]
                    for table in _USER_TABLES
                }
        return deleted

    def compact(self) -> None:
        """Rewrite the store into a fresh file, so that deleted rows leave no bytes behind.

        Costs a full copy of the data. A crash part-way leaves the old file in place. Other
        `Store` objects open on the same file in this process must be reopened afterwards.
        """
        if self.in_memory:
            return
        source = str(self.path)
        if self.read_only:
            raise DataError("cannot compact a store opened read-only", source=source)
        fresh = self.path.with_name(self.path.name + ".compact")
        with self._lock:
            if _OPEN[self._key][1] > 1:
                # They share DuckDB's database object, which would keep writing the old file.
                raise DataError("close the other stores open on this file first", source=source)
            fresh.unlink(missing_ok=True)
            try:
                ((database,),) = self._con.execute("SELECT current_database()").fetchall()
                self._con.execute(f"ATTACH {_sql_text(str(fresh))} AS shopsense_compact")
                self._con.execute(f'COPY FROM DATABASE "{database}" TO shopsense_compact')
                self._con.execute("DETACH shopsense_compact")
            except duckdb.Error as error:
                self._con.execute("DETACH DATABASE IF EXISTS shopsense_compact")
                fresh.unlink(missing_ok=True)
                raise DataError(
                    f"compaction failed, store unchanged: {error}", source=source
                ) from error
            self._con.close()
            try:
                os.replace(fresh, self.path)
            finally:
                self._con = self._connect()

    # ---- reading -------------------------------------------------------------------------
    def load(self, name: str | None = None) -> Dataset:
        """All five tables as a `Dataset`, in stored order (catalogue order, event order)."""
        with self._lock:
            frames = {table: self.table(table) for table in schema.TABLES}
        return Dataset(**frames, name=name or self.path.stem, source=str(self.path))

    def table(self, table: str) -> pl.DataFrame:
        """One of `schema.TABLES`, in stored order (e.g. the reviews alone, without reading
        every event)."""
        columns = schema.TABLES[table]
        with self._lock:
            return self._con.sql(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_ORDER[table]}"
            ).pl()

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._lock:
            return {
                table: self._con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                for table in schema.TABLES
            }

    # ---- internals -----------------------------------------------------------------------
    def _create_tables(self) -> None:
        con = self._con
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
            [SCHEMA_VERSION],
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, next BIGINT NOT NULL)"
        )
        for table, columns in schema.TABLES.items():
            definitions = [f"{_ORDER[table]} BIGINT NOT NULL"]
            for column, dtype in columns.items():
                key = " PRIMARY KEY" if KEYS.get(table) == column else ""
                definitions.append(f'"{column}" {_sql_type(column, dtype)}{key}')
            con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(definitions)})")
            # A store made by an older version gains columns added to the schema since.
            present = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
            for column, dtype in columns.items():
                if column not in present:
                    con.execute(
                        f'ALTER TABLE {table} ADD COLUMN "{column}" {_sql_type(column, dtype)}'
                    )
            con.execute("INSERT INTO counters VALUES (?, 0) ON CONFLICT DO NOTHING", [table])

    def _check_version(self) -> None:
        rows = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        version = rows[0][0] if rows else None
        if version != SCHEMA_VERSION:
            raise DataError(
                f"store schema version {version!r}, this ShopSense reads {SCHEMA_VERSION!r}",
                source=str(self.path),
            )

    def probe(self) -> None:
        """A tiny write round trip: returns if the store can be written now, else raises
        `StorageError` (used to tell when a failing disk has recovered)."""
        with self._lock, self._transaction("probe"):
            self._con.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")

    @contextmanager
    def _transaction(self, source: str | None) -> Iterator[None]:
        if self._broken:
            self._reconnect()
        try:
            self._con.begin()
            yield
            self._con.commit()
        except BaseException as error:
            try:
                self._con.rollback()
            except duckdb.Error:
                pass  # a failed commit has already ended the transaction
            if isinstance(error, STORAGE_FAILURES):
                self._broken = isinstance(error, duckdb.FatalException)
                problem = f"nothing was written: {error}"
                raise StorageError(problem, source=str(self.path)) from error
            if isinstance(error, duckdb.Error):
                raise DataError(f"nothing was written: {error}", source=source) from error
            raise

    def _reconnect(self) -> None:
        try:
            self._con.close()
            self._con = self._connect()
        except (duckdb.Error, DataError) as error:
            problem = f"cannot reopen the store: {error}"
            raise StorageError(problem, source=str(self.path)) from error
        self._broken = False

    def _write(self, table: str, rows: pa.Table) -> int:
        """Insert (or upsert) conformed rows in the open transaction; return their first id."""
        ((end,),) = self._con.execute(
            "UPDATE counters SET next = next + ? WHERE name = ? RETURNING next",
            [rows.num_rows, table],
        ).fetchall()
        start = end - rows.num_rows
        if rows.num_rows == 0:
            return start
        ids = pa.array(range(start, end), type=pa.int64())
        self._con.register("_batch", rows.append_column(_ORDER[table], ids))
        try:
            upsert = upsert_clause(table, _keep_if_empty)
            self._con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch{upsert}")
        finally:
            self._con.unregister("_batch")
        if table == "items":
            self._known_items.update(rows.column("item_id").to_pylist())
        return start

    def _commit_pending(self) -> None:
        """Commit every waiting `append_events` call that passes the item check, in one go."""
        with self._pending_guard:
            waiting, self._pending = self._pending, []
        try:
            self._write_pending(waiting)
        except BaseException as error:
            # Every waiting caller must get an answer, or it would wait for ever.
            for pending in waiting:
                if not pending.result.done():
                    pending.result.set_exception(error)

    def _write_pending(self, waiting: list[_PendingEvents]) -> None:
        item_ids = [pending.rows.column("item_id").to_pylist() for pending in waiting]
        known = self._existing_items({item_id for ids in item_ids for item_id in ids})
        accepted = []
        for pending, ids in zip(waiting, item_ids, strict=True):
            try:
                for number, item_id in enumerate(ids, start=1):
                    check_item_known(item_id, known, source=EVENTS, record=f"event {number}")
            except DataError as error:
                pending.result.set_exception(error)
            else:
                accepted.append(pending)
        if not accepted:
            return
        with self._transaction(EVENTS):
            start = self._write("interactions", pa.concat_tables([p.rows for p in accepted]))
        for pending in accepted:
            pending.result.set_result(list(range(start, start + pending.rows.num_rows)))
            start += pending.rows.num_rows

    def _existing_items(self, item_ids: set[str]) -> set[str]:
        """Those of `item_ids` that are stored (consulting the file only for unconfirmed ids)."""
        unconfirmed = [item_id for item_id in item_ids if item_id not in self._known_items]
        if unconfirmed:
            found = self._con.execute(
                "SELECT item_id FROM items WHERE item_id IN (SELECT unnest(?::VARCHAR[]))",
                [unconfirmed],
            ).fetchall()
            self._known_items.update(row[0] for row in found)
        return {item_id for item_id in item_ids if item_id in self._known_items}


@dataclass
class _PendingEvents:
    """One `append_events` call waiting for the commit that will hold its events."""

    rows: pa.Table
    result: Future[list[int]] = field(default_factory=Future)


def _keep_if_empty(column: str, dtype: pl.DataType, table: str) -> str:
    new, old = f'excluded."{column}"', f'{table}."{column}"'
    if isinstance(dtype, pl.List):
        return f"CASE WHEN len(coalesce({new}, [])) = 0 THEN {old} ELSE {new} END"
    if column == "attributes":
        return f"CASE WHEN coalesce({new}::VARCHAR, '{{}}') = '{{}}' THEN {old} ELSE {new} END"
    if dtype == pl.Utf8:
        return f"coalesce(nullif({new}, ''), {old})"
    return f"coalesce({new}, {old})"


def _sql_type(column: str, dtype: pl.DataType) -> str:
    if column == "attributes":
        return "JSON"
    if isinstance(dtype, pl.List):
        return "VARCHAR[]"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ"
    if dtype.is_float():
        return "DOUBLE"
    return "VARCHAR"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _register(key: str) -> threading.RLock:
    """Count a store opened on `key` and return the write lock of that file."""
    with _OPEN_GUARD:
        lock, count = _OPEN.get(key, (threading.RLock(), 0))
        _OPEN[key] = (lock, count + 1)
        return lock


def _unregister(key: str) -> None:
    with _OPEN_GUARD:
        lock, count = _OPEN[key]
        if count > 1:
            _OPEN[key] = (lock, count - 1)
        else:
            del _OPEN[key]
