"""What a store does with incoming data before it writes: conform and name the tables of an
`ingest`, and turn accepted events into rows. Shared by the DuckDB and PostgreSQL stores, so both
accept and refuse exactly the same input."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.records import Interaction
from shopsense.data.validation import Origin, check_interaction, conform_table

__all__ = ["EVENTS", "KEYS", "IngestBatch", "event_rows", "ingest_batch", "upsert_clause"]

#: The tables whose rows are upserted by id, and their keys (the others are appended).
KEYS = {"items": "item_id", "users": "user_id"}
#: How events appended one by one are named in errors.
EVENTS = "events"
_EVENTS_SCHEMA = schema.empty("interactions").to_arrow().schema


@dataclass(frozen=True)
class IngestBatch:
    """The conformed tables of one `ingest` call, each with the origin its errors name."""

    source: str
    tables: dict[str, pl.DataFrame]
    origins: dict[str, Origin]


def ingest_batch(
    data: Dataset | Mapping[str, pl.DataFrame], source: str | None = None
) -> IngestBatch:
    """`data` (a `Dataset`, or any subset of the five tables by name) conformed to the schema;
    a `DataError` naming `source` for an unknown table or a value of the wrong type."""
    if isinstance(data, Dataset):
        base = source or data.source or data.name
        frames = {table: getattr(data, table) for table in schema.TABLES}
    else:
        base = source or "ingest"
        frames = dict(data)
    unknown = set(frames) - set(schema.TABLES)
    if unknown:
        raise DataError(f"unknown tables {sorted(unknown)}", source=base)
    origins = {table: Origin(f"{base} [{table}]") for table in frames}
    tables = {table: conform_table(frame, table, origins[table]) for table, frame in frames.items()}
    return IngestBatch(base, tables, origins)


def event_rows(records: Sequence[Interaction]) -> pa.Table:
    """Checked events as `interactions` rows (a `DataError` naming the first bad one, 1-based).
    An event without a timestamp is stamped with the time it was received, so that real-time
    events keep their order among timed history."""
    for number, record in enumerate(records, start=1):
        check_interaction(record, source=EVENTS, record=f"event {number}")
    received = datetime.now(UTC)
    # pyarrow, not polars, on this path: building a small frame costs less than a commit.
    return pa.table(
        {
            "user_id": [record.user_id for record in records],
            "item_id": [record.item_id for record in records],
            "kind": [str(record.kind) for record in records],
            "value": [float(record.value) for record in records],
            "timestamp": [_utc(record.timestamp) or received for record in records],
        },
        schema=_EVENTS_SCHEMA,
    )


def upsert_clause(table: str, keep_if_empty: Callable[[str, pl.DataType, str], str]) -> str:
    """The `ON CONFLICT` clause that updates a stored item or user with the incoming row, where
    `keep_if_empty(column, dtype, table)` is the store's SQL for "the incoming value, or the
    stored one if the incoming one is empty" ("" for a table that is appended to)."""
    key = KEYS.get(table)
    if key is None:
        return ""
    updates = ", ".join(
        f'"{column}" = {keep_if_empty(column, dtype, table)}'
        for column, dtype in schema.TABLES[table].items()
        if column != key
    )
    return f" ON CONFLICT ({key}) DO UPDATE SET {updates}"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
