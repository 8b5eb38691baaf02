"""Generic tabular loader: a shop's own CSV / TSV / Parquet / JSON-lines files.

A single file is one table (interactions unless told otherwise); a folder holds up to five
files named after the tables (`items.csv`, `interactions.parquet`, `reviews.jsonl`…). A
`ColumnMapping` renames the shop's columns to ours. Timestamps may be ISO 8601 text or Unix
epochs in seconds, milliseconds or microseconds. Without an items file the catalogue is the
distinct item ids the other tables mention, in order of first appearance.

Text files are read with every column as text, so ids keep their exact spelling ("007") and a
bad value is reported with its line. Line numbers assume one record per line (no line breaks
inside quoted CSV fields).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.records import InteractionKind
from shopsense.data.validation import Origin, conform_table, validate_tables

__all__ = ["ColumnMapping", "load_tabular"]

TimeUnit = Literal["auto", "s", "ms", "us"]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "items": ("item_id",),
    "users": ("user_id",),
    "interactions": ("user_id", "item_id"),
    "reviews": ("user_id", "item_id", "rating"),
    "queries": ("text",),
}
_ID_COLUMNS = ("item_id", "user_id")
_TIME_COLUMNS = ("timestamp", "created_at")
_LIST_COLUMNS = ("categories", "clicked")
_NUMBER = re.compile(r"^\s*-?\d+(\.\d*)?([eE][+-]?\d+)?\s*$")


class ColumnMapping(BaseModel):
    """Our column name -> the shop's column name, e.g. `ColumnMapping(user_id="customer",
    item_id="sku", timestamp="ts")`. Unset fields mean the file already uses our name."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = Field(None, description="Column with the user id.")
    item_id: str | None = Field(None, description="Column with the item id.")
    kind: str | None = Field(None, description="Interaction kind (view, click, cart…).")
    value: str | None = Field(None, description="Interaction value (rating, quantity…).")
    timestamp: str | None = Field(None, description="Event time: ISO 8601 or Unix epoch.")
    title: str | None = Field(None, description="Item title.")
    description: str | None = Field(None, description="Item description.")
    brand: str | None = Field(None, description="Item brand.")
    categories: str | None = Field(None, description="Item categories (list or 'a|b' text).")
    price: str | None = Field(None, description="Item price.")
    attributes: str | None = Field(None, description="JSON object of item/user attributes.")
    created_at: str | None = Field(None, description="When the item was listed.")
    rating: str | None = Field(None, description="Review star rating, 0..5.")
    text: str | None = Field(None, description="Review text, or the query text in queries.")
    clicked: str | None = Field(None, description="Items clicked after a query (list).")
    attribute_columns: list[str] = Field(
        default_factory=list,
        description="Further columns gathered into `attributes` (items and users), e.g. colour.",
    )
    kinds: dict[str, InteractionKind] = Field(
        default_factory=dict,
        description="The shop's event names -> our kinds, e.g. {'transaction': 'purchase'}.",
    )

    def renames(self, table: str) -> dict[str, str]:
        """The shop's column -> ours, for the columns of `table` this mapping sets."""
        columns = schema.TABLES[table]
        return {
            theirs: ours
            for ours, theirs in self.model_dump(exclude={"attribute_columns", "kinds"}).items()
            if theirs is not None and ours in columns
        }


@dataclass(frozen=True)
class _Options:
    separator: str | None
    timestamp_unit: TimeUnit
    list_separator: str


def load_tabular(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, ColumnMapping] | None = None,
    table: str = "interactions",
    *,
    separator: str | None = None,
    timestamp_unit: TimeUnit = "auto",
    list_separator: str = "|",
    name: str | None = None,
) -> Dataset:
    """Load a shop's tables from one file (read as `table`) or a folder of `<table>.<ext>` files.

    `mapping` is one `ColumnMapping` for every file, or one per table name. A column the
    mapping names must exist, except that a single mapping shared by a folder's files only
    renames the columns each file has. `separator`: CSV field separator (default: detected
    from the header among , tab ; |). `timestamp_unit`: unit of epoch timestamps ("auto"
    tells seconds, ms and µs apart by magnitude). `list_separator` splits list cells in text
    files; a cell written as a JSON array is read as one. Raises `DataError` naming the file,
    line and field of the first problem; nothing is returned for a partly bad input.
    """
    path = Path(path)
    options = _Options(separator, timestamp_unit, list_separator)
    if not path.exists():
        raise DataError("path does not exist", source=str(path))
    files = _table_files(path) if path.is_dir() else {_check_table(table, path): path}
    tables: dict[str, pl.DataFrame] = {}
    origins: dict[str, Origin] = {}
    for file_table, file in files.items():
        table_mapping, strict = _mapping_for(mapping, file_table, shared=path.is_dir())
        raw, origin = _read(file, options)
        frame = _prepare(raw, file_table, table_mapping, strict, origin, options)
        tables[file_table] = conform_table(frame, file_table, origin)
        origins[file_table] = origin
    has_items = "items" in tables
    if not has_items:
        tables["items"] = _items_mentioned(tables)
    validate_tables(tables, origins=origins if has_items else {**origins, "items": Origin()})
    return Dataset(
        **tables,
        name=name or _stem(path),
        source=str(path),
    )


# ---- files -----------------------------------------------------------------------------------
def _table_files(folder: Path) -> dict[str, Path]:
    found: dict[str, list[Path]] = {}
    for file in sorted(folder.iterdir()):
        stem, suffix = _split_name(file.name)
        if stem in schema.TABLES and suffix in _FORMATS and file.is_file():
            found.setdefault(stem, []).append(file)
    if not found:
        raise DataError(
            f"no table files found; expected any of {', '.join(schema.TABLES)} "
            f"with suffix {', '.join(_FORMATS)} (optionally .gz)",
            source=str(folder),
        )
    for table, files in found.items():
        if len(files) > 1:
            names = ", ".join(file.name for file in files)
            raise DataError(f"several files for table {table}: {names}", source=str(folder))
    return {table: files[0] for table, files in found.items()}


def _check_table(table: str, file: Path) -> str:
    if table not in schema.TABLES:
        raise DataError(
            f"unknown table {table!r}; expected one of {', '.join(schema.TABLES)}",
            source=str(file),
        )
    return table


def _split_name(filename: str) -> tuple[str, str]:
    """('items', '.csv') for 'items.csv' and 'items.csv.gz'."""
    name = filename.lower().removesuffix(".gz")
    stem, dot, suffix = name.rpartition(".")
    return (stem, f".{suffix}") if dot else (name, "")


def _stem(path: Path) -> str:
    return path.name if path.is_dir() else _split_name(path.name)[0]


def _mapping_for(
    mapping: ColumnMapping | Mapping[str, ColumnMapping] | None, table: str, *, shared: bool
) -> tuple[ColumnMapping, bool]:
    """The mapping for one table and whether its columns must all exist."""
    if mapping is None:
        return ColumnMapping(), True
    if isinstance(mapping, ColumnMapping):
        return mapping, not shared
    unknown = set(mapping) - set(schema.TABLES)
    if unknown:
        raise DataError(f"mapping names unknown tables {sorted(unknown)}")
    return mapping.get(table, ColumnMapping()), True


# ---- reading ---------------------------------------------------------------------------------
def _read(file: Path, options: _Options) -> tuple[pl.DataFrame, Origin]:
    source = str(file)
    kind = _FORMATS.get(_split_name(file.name)[1])
    if kind is None:
        raise DataError(
            f"unsupported file type; expected one of {', '.join(_FORMATS)}", source=source
        )
    if kind == "parquet":
        try:
            frame = pl.read_parquet(file)
        except (pl.exceptions.PolarsError, OSError) as error:
            raise DataError(f"cannot read as Parquet: {error}", source=source) from None
        origin = Origin(source)
    else:
        data = _read_bytes(file)
        if not data.strip():
            raise DataError("the file is empty", source=source)
        if kind == "csv":
            frame, origin = _read_csv(data, source, options.separator), Origin.lines(source, 2)
        else:
            frame, origin = _read_json(data, source)
    if frame.height == 0:
        raise DataError("the file has no rows", source=source)
    return frame, origin


def _read_bytes(file: Path) -> bytes:
    data = file.read_bytes()
    if file.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DataError(f"cannot decompress: {error}", source=str(file)) from None
    # A byte-order mark would otherwise become part of the first column's name.
    return data.removeprefix(codecs.BOM_UTF8)


def _read_csv(data: bytes, source: str, separator: str | None) -> pl.DataFrame:
    header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    separator = separator or max(",\t;|", key=header.count)
    try:
        return pl.read_csv(data, separator=separator, infer_schema=False)
    except pl.exceptions.PolarsError as error:
        line, problem = _ragged_line(data, separator)
        raise DataError(
            problem or f"cannot parse as CSV: {error}", source=source, record=line
        ) from None


def _ragged_line(data: bytes, separator: str) -> tuple[int | None, str | None]:
    """The first line whose field count differs from the header's."""
    rows = csv.reader(io.StringIO(data.decode("utf-8", errors="replace")), delimiter=separator)
    width = None
    for row in rows:
        if width is None:
            width = len(row)
        elif row and len(row) != width:
            return rows.line_num, f"{len(row)} fields where the header has {width}"
    return None, None


def _read_json(data: bytes, source: str) -> tuple[pl.DataFrame, Origin]:
    if data.lstrip().startswith(b"["):
        try:
            return pl.read_json(data), Origin(source)
        except pl.exceptions.PolarsError as error:
            raise DataError(f"cannot read the JSON array: {error}", source=source) from None
    try:
        frame = pl.read_ndjson(data, infer_schema_length=None)
    except pl.exceptions.PolarsError as error:
        line, problem = _bad_json_line(data)
        raise DataError(
            problem or f"cannot read JSON lines: {error}", source=source, record=line
        ) from None
    lines = data.split(b"\n")

    @cache
    def record_lines() -> list[int]:
        return [number for number, line in enumerate(lines, start=1) if line.strip()]

    return frame, Origin(source, lambda row: record_lines()[row])


def _bad_json_line(data: bytes) -> tuple[int | None, str | None]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            return number, f"malformed JSON ({error})"
        if not isinstance(record, dict):
            return number, "expected a JSON object"
    return None, None


# ---- shaping a raw frame into a table --------------------------------------------------------
def _prepare(
    frame: pl.DataFrame,
    table: str,
    mapping: ColumnMapping,
    strict: bool,
    origin: Origin,
    options: _Options,
) -> pl.DataFrame:
    renames = {
        theirs: ours for theirs, ours in mapping.renames(table).items() if theirs in frame.columns
    }
    if strict:
        for theirs, ours in mapping.renames(table).items():
            if theirs not in frame.columns and ours not in frame.columns:
                _missing(frame, theirs, ours, origin)
    # An explicitly mapped column wins over a same-named one the file also has.
    clashing = [
        ours for theirs, ours in renames.items() if ours in frame.columns and ours != theirs
    ]
    frame = frame.drop(clashing).rename(renames)
    for column in _REQUIRED[table]:
        if column not in frame.columns:
            _missing(frame, mapping.model_dump().get(column) or column, column, origin)
    if table in ("items", "users"):
        extra = mapping.attribute_columns
        frame = _gather_attributes(
            frame, extra if strict else [c for c in extra if c in frame.columns], origin
        )
    columns = schema.TABLES[table]
    for column in frame.columns:
        if column not in columns:
            continue
        if column in _ID_COLUMNS and frame[column].dtype == pl.Utf8:
            frame = frame.with_columns(pl.col(column).str.strip_chars())
        elif column in _TIME_COLUMNS:
            frame = frame.with_columns(_timestamps(frame[column], origin, options.timestamp_unit))
        elif column in _LIST_COLUMNS and frame[column].dtype == pl.Utf8:
            frame = frame.with_columns(_lists(frame[column], origin, options.list_separator))
        elif column == "kind" and frame[column].dtype == pl.Utf8:
            kinds = {name.lower(): kind.value for name, kind in mapping.kinds.items()}
            frame = frame.with_columns(
                pl.col("kind").str.strip_chars().str.to_lowercase().replace(kinds)
            )
        elif frame[column].dtype == pl.Utf8 and columns[column].is_float():
            frame = frame.with_columns(pl.col(column).str.strip_chars())
    return frame


def _missing(frame: pl.DataFrame, theirs: str, ours: str, origin: Origin) -> None:
    mapped = f" (mapped to {ours})" if theirs != ours else ""
    raise DataError(
        f"missing column {theirs!r}{mapped}; the file has {', '.join(frame.columns)}",
        source=origin.source,
        record=1 if origin.line_of is not None else None,
        field=ours,
    )


def _gather_attributes(frame: pl.DataFrame, extra: list[str], origin: Origin) -> pl.DataFrame:
    """One JSON-object text column from an `attributes` column (text or nested) and `extra`."""
    for column in extra:
        if column not in frame.columns:
            _missing(frame, column, "attributes", origin)
    if not extra and ("attributes" not in frame.columns or frame["attributes"].dtype == pl.Utf8):
        return frame
    parts = [column for column in ("attributes", *extra) if column in frame.columns]
    encoded = []
    for row, values in enumerate(frame.select(parts).iter_rows(named=True)):
        merged = _as_object(values.pop("attributes", None), origin, row)
        merged.update(values)
        kept = {
            key: _attribute_text(value) for key, value in merged.items() if value not in (None, "")
        }
        encoded.append(json.dumps(kept, ensure_ascii=False))
    return frame.drop(extra).with_columns(pl.Series("attributes", encoded, dtype=pl.Utf8))


def _as_object(value: Any, origin: Origin, row: int) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return dict(value)
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise DataError(
            f"attributes must be a JSON object, got {value!r}",
            source=origin.source,
            record=origin.record(row),
            field="attributes",
        )
    return parsed


def _attribute_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _timestamps(values: pl.Series, origin: Origin, unit: TimeUnit) -> pl.Series:
    """ISO 8601 text or Unix epochs as the schema's UTC timestamps."""
    name = values.name
    if isinstance(values.dtype, pl.Datetime):
        zoned = (
            values.dt.convert_time_zone("UTC")
            if values.dtype.time_zone
            else values.dt.replace_time_zone("UTC")
        )
        return zoned.dt.cast_time_unit("us")
    if values.dtype == pl.Date:
        return values.cast(schema.TIMESTAMP)
    if values.dtype == pl.Utf8:
        text = values.str.strip_chars()
        numeric = text.drop_nulls()
        if numeric.len() and numeric.str.contains(_NUMBER.pattern).all():
            return _epochs(text.cast(pl.Float64), unit).alias(name)
        parsed = text.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
        bad = parsed.is_null() & text.is_not_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            raise DataError(
                f"cannot read {values[row]!r} as a timestamp "
                "(ISO 8601 or Unix epoch, one form per column)",
                source=origin.source,
                record=origin.record(row),
                field=name,
            )
        return parsed.alias(name)
    if values.dtype.is_numeric():
        return _epochs(values.cast(pl.Float64), unit).alias(name)
    raise DataError(
        f"cannot read a {values.dtype} column as timestamps", source=origin.source, field=name
    )


def _epochs(seconds_or_finer: pl.Series, unit: TimeUnit) -> pl.Series:
    if unit == "auto":
        largest = seconds_or_finer.abs().max() or 0
        # Seconds reach 1e11 only in the year 5138, milliseconds 1e14 in 5138 too.
        unit = "s" if largest < 1e11 else "ms" if largest < 1e14 else "us"
    scale = {"s": 1e6, "ms": 1e3, "us": 1.0}[unit]
    micros = (seconds_or_finer * scale).round().cast(pl.Int64)
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def _lists(values: pl.Series, origin: Origin, separator: str) -> pl.Series:
    """List cells of a text file: JSON arrays, or items joined by `separator`."""
    text = values.str.strip_chars()
    lists = (
        text.str.split(separator)
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias(values.name)
    )
    is_json = text.str.starts_with("[").fill_null(False)
    if not is_json.any():
        return lists
    try:
        decoded = (
            pl.select(pl.when(is_json).then(text)).to_series().str.json_decode(pl.List(pl.Utf8))
        )
    except pl.exceptions.PolarsError:
        for row in is_json.arg_true():
            try:
                json.loads(text[row])
            except ValueError as error:
                raise DataError(
                    f"malformed JSON list ({error})",
                    source=origin.source,
                    record=origin.record(row),
                    field=values.name,
                ) from None
        raise
    return pl.select(pl.when(is_json).then(decoded).otherwise(lists)).to_series().alias(values.name)


def _items_mentioned(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """The catalogue implied by the other tables: distinct item ids, first appearance first."""
    ids = [tables[table]["item_id"] for table in ("interactions", "reviews") if table in tables]
    if "queries" in tables:
        ids.append(tables["queries"]["clicked"].explode().alias("item_id"))
    if not ids:
        return schema.empty("items")
    distinct = pl.concat(ids).drop_nulls().unique(maintain_order=True)
    items = pl.DataFrame({"item_id": distinct.filter(distinct.str.strip_chars() != "")})
    return schema.conform(items, "items")
