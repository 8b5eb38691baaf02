"""Columnar schemas of the five tables. Every loader returns frames with exactly these columns.

`attributes` is a JSON object serialised as text, so that any key set fits one column and the
DuckDB store can hold it as-is.
"""

from __future__ import annotations

import polars as pl

TIMESTAMP = pl.Datetime("us", "UTC")

ITEMS: dict[str, pl.DataType] = {
    "item_id": pl.Utf8(),
    "title": pl.Utf8(),
    "description": pl.Utf8(),
    "brand": pl.Utf8(),
    "categories": pl.List(pl.Utf8()),
    "price": pl.Float64(),
    "attributes": pl.Utf8(),
    "created_at": TIMESTAMP,
}
USERS: dict[str, pl.DataType] = {"user_id": pl.Utf8(), "attributes": pl.Utf8()}
INTERACTIONS: dict[str, pl.DataType] = {
    "user_id": pl.Utf8(),
    "item_id": pl.Utf8(),
    "kind": pl.Utf8(),
    "value": pl.Float64(),
    "timestamp": TIMESTAMP,
}
REVIEWS: dict[str, pl.DataType] = {
    "user_id": pl.Utf8(),
    "item_id": pl.Utf8(),
    "rating": pl.Float64(),
    "text": pl.Utf8(),
    "timestamp": TIMESTAMP,
}
QUERIES: dict[str, pl.DataType] = {
    "user_id": pl.Utf8(),
    "text": pl.Utf8(),
    "timestamp": TIMESTAMP,
    "clicked": pl.List(pl.Utf8()),
}

TABLES: dict[str, dict[str, pl.DataType]] = {
    "items": ITEMS,
    "users": USERS,
    "interactions": INTERACTIONS,
    "reviews": REVIEWS,
    "queries": QUERIES,
}

_DEFAULTS: dict[str, pl.Expr] = {
    "title": pl.lit(""),
    "description": pl.lit(""),
    "attributes": pl.lit("{}"),
    "kind": pl.lit("purchase"),
    "value": pl.lit(1.0),
    "text": pl.lit(""),
    "categories": pl.lit([], dtype=pl.List(pl.Utf8())),
    "clicked": pl.lit([], dtype=pl.List(pl.Utf8())),
}


def empty(table: str) -> pl.DataFrame:
    """An empty frame of the named table."""
    return pl.DataFrame(schema=TABLES[table])


def conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Add missing optional columns (with defaults), cast to the schema and order the columns.

    Missing id columns become nulls, which validation reports; a value of the wrong type raises
    a polars error, which validation turns into a `DataError` naming the column.
    """
    schema = TABLES[table]
    columns = []
    for name, dtype in schema.items():
        if name in frame.columns:
            column = pl.col(name).cast(dtype, strict=True)
            if name in ("categories", "clicked"):
                column = column.fill_null(_DEFAULTS[name])
            columns.append(column)
        else:
            columns.append(_DEFAULTS.get(name, pl.lit(None)).cast(dtype).alias(name))
    return frame.select(columns)
