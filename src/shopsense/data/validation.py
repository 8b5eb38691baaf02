"""Validation of the five tables: every problem becomes a `DataError` naming file, record and field.

Loaders and the store call `conform_table` (types) and then `validate_tables` (content) before
anything is built or written, so a bad file is rejected whole and never half-ingested. Records
are named by line where the rows came from a line-oriented file (`Origin.lines`) and by row
otherwise. Only the first problem is raised, with a count of the rows that share it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from pydantic import BaseModel, ValidationError

from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.records import Interaction, InteractionKind

__all__ = [
    "Origin",
    "check_interaction",
    "check_item_known",
    "conform_table",
    "parse_record",
    "record_error",
    "validate_dataset",
    "validate_tables",
]

KINDS: tuple[str, ...] = tuple(kind.value for kind in InteractionKind)
RATING_RANGE = (0.0, 5.0)

#: Columns that hold ids: missing or blank values are an error in these tables.
_REQUIRED_IDS: dict[str, tuple[str, ...]] = {
    "items": ("item_id",),
    "users": ("user_id",),
    "interactions": ("user_id", "item_id"),
    "reviews": ("user_id", "item_id"),
    "queries": (),
}

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Origin:
    """Where a table's rows came from, so that an error can point at the file and the record."""

    source: str | None = None
    line_of: Callable[[int], int] | None = None
    """Maps a 0-based row to its line in `source`; rows are named `row N` (1-based) without it."""

    @classmethod
    def lines(cls, source: str, first_line: int) -> Origin:
        """Rows that are consecutive lines starting at `first_line` (2 for CSV with a header)."""
        return cls(source, lambda row: row + first_line)

    def record(self, row: int) -> int | str:
        """The line (int) or row label (str) of a 0-based row."""
        return self.line_of(row) if self.line_of is not None else f"row {row + 1}"


# ---- types -----------------------------------------------------------------------------------
def conform_table(frame: pl.DataFrame, table: str, origin: Origin | None = None) -> pl.DataFrame:
    """`schema.conform`, with a value of the wrong type reported as a `DataError` naming it."""
    origin = origin or Origin()
    try:
        return schema.conform(frame, table)
    except pl.exceptions.PolarsError as error:
        for name, dtype in schema.TABLES[table].items():
            if name in frame.columns:
                _check_cast(frame[name], dtype, origin)
        raise DataError(
            f"cannot convert to the {table} schema: {error}", source=origin.source
        ) from None


def _check_cast(column: pl.Series, dtype: pl.DataType, origin: Origin) -> None:
    try:
        cast = column.cast(dtype, strict=False)
    except pl.exceptions.PolarsError:
        raise DataError(
            f"expected {_type_name(dtype)}, the column holds {column.dtype}",
            source=origin.source,
            field=column.name,
        ) from None
    failed = cast.is_null() & column.is_not_null()
    if failed.any():
        row = int(failed.arg_true()[0])
        _raise(
            f"cannot read {column[row]!r} as {_type_name(dtype)}",
            failed,
            origin,
            column.name,
        )


def _type_name(dtype: pl.DataType) -> str:
    if dtype.is_float():
        return "a number"
    if isinstance(dtype, pl.Datetime):
        return "a timestamp"
    if isinstance(dtype, pl.List):
        return "a list of strings"
    return "text"


# ---- content ---------------------------------------------------------------------------------
def validate_tables(
    tables: Mapping[str, pl.DataFrame],
    *,
    origins: Mapping[str, Origin] | None = None,
    known_item_ids: pl.Series | None = None,
) -> None:
    """Check conformed tables; raise a `DataError` for the first problem found.

    Item references (interactions, reviews, query clicks) are checked against the `items` table
    given here plus `known_item_ids` (items already stored); with neither, they are not checked.
    """
    origins = origins or {}
    unknown = set(tables) - set(schema.TABLES)
    if unknown:
        raise DataError(f"unknown tables {sorted(unknown)}; expected {sorted(schema.TABLES)}")
    known = _known_items(tables.get("items"), known_item_ids)
    for table, frame in tables.items():
        origin = origins.get(table, Origin(f"[{table}]"))
        for name in _REQUIRED_IDS[table]:
            _check_ids(frame[name], origin, table)
        _CHECKS[table](frame, origin)
        if known is not None and "item_id" in frame.columns and table != "items":
            _check_references(frame["item_id"], known, origin)
        if known is not None and table == "queries":
            _check_clicks(frame, known, origin)


def validate_dataset(dataset: Dataset, source: str | None = None) -> None:
    """Check all five tables of a dataset; errors name `source` (default: the dataset's)."""
    base = source or dataset.source or dataset.name
    validate_tables(
        {table: getattr(dataset, table) for table in schema.TABLES},
        origins={table: Origin(f"{base} [{table}]") for table in schema.TABLES},
    )


def _known_items(items: pl.DataFrame | None, stored: pl.Series | None) -> pl.Series | None:
    parts = [
        ids for ids in (None if items is None else items["item_id"], stored) if ids is not None
    ]
    return pl.concat([ids.cast(pl.Utf8) for ids in parts]) if parts else None


def _check_ids(ids: pl.Series, origin: Origin, table: str) -> None:
    missing = ids.is_null() | (ids.str.strip_chars() == "")
    _raise_if(missing, f"missing {ids.name.replace('_', ' ')} in {table}", origin, ids.name)


def _check_unique(ids: pl.Series, origin: Origin) -> None:
    repeated = ~ids.is_first_distinct()
    if repeated.any():
        row = int(repeated.arg_true()[0])
        first = int((ids == ids[row]).arg_true()[0])
        _raise(
            f"duplicate {ids.name.replace('_', ' ')} {ids[row]!r} "
            f"(first at {_label(origin.record(first))})",
            repeated,
            origin,
            ids.name,
        )


def _check_attributes(attributes: pl.Series, origin: Origin) -> None:
    def is_object(text: str | None) -> bool:
        if text is None or text == "{}":
            return True
        try:
            return isinstance(json.loads(text), dict)
        except ValueError:
            return False

    valid = attributes.map_elements(is_object, return_dtype=pl.Boolean, skip_nulls=False)
    _raise_if(~valid, "attributes must be a JSON object", origin, "attributes")


def _check_items(frame: pl.DataFrame, origin: Origin) -> None:
    _check_unique(frame["item_id"], origin)
    price = frame["price"]
    _raise_if(
        price.is_not_null() & (price.is_nan() | price.is_infinite() | (price < 0)),
        "price must be a finite number >= 0",
        origin,
        "price",
        show=price,
    )
    _check_attributes(frame["attributes"], origin)


def _check_users(frame: pl.DataFrame, origin: Origin) -> None:
    _check_unique(frame["user_id"], origin)
    _check_attributes(frame["attributes"], origin)


def _check_interactions(frame: pl.DataFrame, origin: Origin) -> None:
    kind = frame["kind"]
    _raise_if(
        kind.is_null() | ~kind.is_in(KINDS),
        f"unknown interaction kind; expected one of {', '.join(KINDS)}",
        origin,
        "kind",
        show=kind,
    )
    value = frame["value"]
    _raise_if(
        value.is_null() | value.is_nan() | value.is_infinite(),
        "value must be a finite number",
        origin,
        "value",
        show=value,
    )
    low, high = RATING_RANGE
    _raise_if(
        (kind == InteractionKind.RATING.value) & ((value < low) | (value > high)),
        f"a rating's value must lie in {low:g}..{high:g}",
        origin,
        "value",
        show=value,
    )


def _check_reviews(frame: pl.DataFrame, origin: Origin) -> None:
    rating = frame["rating"]
    low, high = RATING_RANGE
    _raise_if(
        rating.is_null() | rating.is_nan() | (rating < low) | (rating > high),
        f"rating must lie in {low:g}..{high:g}",
        origin,
        "rating",
        show=rating,
    )


def _check_queries(frame: pl.DataFrame, origin: Origin) -> None:
    text = frame["text"]
    _raise_if(text.is_null() | (text.str.strip_chars() == ""), "empty query text", origin, "text")


def _check_references(item_ids: pl.Series, known: pl.Series, origin: Origin) -> None:
    unknown = ~item_ids.is_in(known.implode())
    if unknown.any():
        item_id = item_ids[int(unknown.arg_true()[0])]
        _raise(f"unknown item id {item_id!r} (not in the items table)", unknown, origin, "item_id")


def _check_clicks(frame: pl.DataFrame, known: pl.Series, origin: Origin) -> None:
    clicks = frame.select(pl.int_range(pl.len()).alias("row"), "clicked").explode("clicked")
    clicks = clicks.filter(pl.col("clicked").is_not_null())
    unknown = clicks.filter(~pl.col("clicked").is_in(known.implode()))
    if unknown.height:
        rows = unknown["row"].unique()
        raise DataError(
            f"unknown item id {unknown['clicked'][0]!r} in clicked (not in the items table)"
            + _more(rows.len()),
            source=origin.source,
            record=origin.record(int(unknown["row"][0])),
            field="clicked",
        )


_CHECKS: dict[str, Callable[[pl.DataFrame, Origin], None]] = {
    "items": _check_items,
    "users": _check_users,
    "interactions": _check_interactions,
    "reviews": _check_reviews,
    "queries": _check_queries,
}


def _raise_if(
    mask: pl.Series, problem: str, origin: Origin, field: str, show: pl.Series | None = None
) -> None:
    mask = mask.fill_null(False)
    if mask.any():
        if show is not None:
            problem = f"{problem}, got {show[int(mask.arg_true()[0])]!r}"
        _raise(problem, mask, origin, field)


def _raise(problem: str, mask: pl.Series, origin: Origin, field: str) -> None:
    rows = mask.arg_true()
    raise DataError(
        problem + _more(rows.len()),
        source=origin.source,
        record=origin.record(int(rows[0])),
        field=field,
    )


def _more(count: int) -> str:
    more = count - 1
    return f" ({more} more row{'s' if more > 1 else ''} with this problem)" if more else ""


def _label(record: int | str) -> str:
    return f"line {record}" if isinstance(record, int) else record


# ---- single records --------------------------------------------------------------------------
def check_interaction(
    interaction: Interaction, *, source: str | None = None, record: str | int | None = None
) -> None:
    """The rules a typed `Interaction` does not enforce itself: finite value, rating range.

    Also re-checks ids and kind, which `Interaction.model_construct` would let through.
    """

    def fail(problem: str, field: str) -> None:
        raise DataError(problem, source=source, record=record, field=field)

    for field in ("user_id", "item_id"):
        if not isinstance(getattr(interaction, field), str) or not getattr(interaction, field):
            fail(f"missing {field.replace('_', ' ')}", field)
    kind, value = interaction.kind, interaction.value
    if kind not in KINDS:
        fail(f"unknown interaction kind, got {kind!r}; expected one of {', '.join(KINDS)}", "kind")
    if not isinstance(value, int | float) or not math.isfinite(value):
        fail(f"value must be a finite number, got {value!r}", "value")
    low, high = RATING_RANGE
    if kind == InteractionKind.RATING and not low <= value <= high:
        fail(f"a rating's value must lie in {low:g}..{high:g}, got {value!r}", "value")


def check_item_known(
    item_id: str,
    known: Container[str],
    *,
    source: str | None = None,
    record: str | int | None = None,
) -> None:
    """Raise a `DataError` if `item_id` is not among the `known` catalogue ids."""
    if item_id not in known:
        raise DataError(
            f"unknown item id {item_id!r} (not in the items table)",
            source=source,
            record=record,
            field="item_id",
        )


def record_error(
    error: ValidationError, *, source: str | None = None, record: str | int | None = None
) -> DataError:
    """A pydantic `ValidationError` of one record (see `records.py`) as a `DataError`."""
    problems = error.errors()
    first = problems[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    problem = first["msg"]
    if first["type"] != "missing":
        problem = f"{problem}, got {first['input']!r}"
    if len(problems) > 1:
        problem += f" ({len(problems) - 1} more problems in this record)"
    return DataError(problem, source=source, record=record, field=field)


def parse_record(
    model: type[Model],
    data: Mapping[str, Any],
    *,
    source: str | None = None,
    record: str | int | None = None,
) -> Model:
    """Build one typed record (an `Item`, `Interaction`…), raising a `DataError` if invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise record_error(error, source=source, record=record) from None
