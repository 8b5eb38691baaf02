"""Helpers shared by the format loaders: reading (gzipped) text and JSON lines with errors that
name the file and line, required fields, attribute JSON and readable dataset names."""

from __future__ import annotations

import ast
import gzip
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from shopsense.data.errors import DataError

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# Sniffing reads at most this much of a first line (a one-line JSON document can be huge).
_SNIFF_BYTES = 1 << 20


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """Open a text file for reading, decompressing `.gz` transparently."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding=encoding)
    return path.open(encoding=encoding)


def first_json_record(path: Path) -> dict[str, Any] | None:
    """The first line of a JSON-lines file as a dict, or None if it is not one (for sniffing)."""
    try:
        with open_text(path) as handle:
            line = handle.readline(_SNIFF_BYTES)
        record = _parse(line, literal_fallback=True)
    except (OSError, UnicodeDecodeError, ValueError, SyntaxError):
        return None
    return record if isinstance(record, dict) else None


def read_json_lines(path: Path, *, literal_fallback: bool = False) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) per non-blank line.

    `literal_fallback` also accepts Python dict literals, the form of the Amazon 2014 metadata.
    """
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = _parse(line, literal_fallback=literal_fallback)
            except (ValueError, SyntaxError) as error:
                raise DataError(
                    f"not valid JSON ({error})", source=str(path), record=number
                ) from error
            if not isinstance(record, dict):
                raise DataError("expected a JSON object", source=str(path), record=number)
            yield number, record


def _parse(line: str, *, literal_fallback: bool) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        if not literal_fallback:
            raise
        return ast.literal_eval(line)


def read_json(path: Path) -> Any:
    """A whole JSON document."""
    try:
        with open_text(path) as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise DataError(
            f"not valid JSON ({error.msg})", source=str(path), record=error.lineno
        ) from error


def required_id(record: dict, field: str, path: Path, line: int) -> str:
    """The record's id field as a non-empty string."""
    value = record.get(field)
    if value is None or isinstance(value, dict | list) or str(value).strip() == "":
        raise DataError("missing or empty id", source=str(path), record=line, field=field)
    return str(value)


def number(value: Any, field: str, path: Path, line: int | str) -> float:
    """A numeric field as float; strings holding numbers are accepted."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(
            f"not a number: {value!r}", source=str(path), record=line, field=field
        ) from None


def clean_text(value: Any) -> str:
    """Free text from a string or list of strings: HTML tags removed, entities decoded,
    whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(part) for part in value if part)
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", str(value)))).strip()


def attributes_json(attributes: dict[str, Any]) -> str:
    """Serialise attributes as the schema's JSON text, keeping non-empty scalar values only."""
    kept = {
        str(key): str(value).strip()
        for key, value in attributes.items()
        if value is not None and not isinstance(value, dict | list) and str(value).strip()
    }
    return json.dumps(kept, ensure_ascii=False)


def attributes_column(frame: pl.DataFrame, columns: list[str] | tuple[str, ...]) -> pl.Series:
    """`attributes_json` of the named scalar columns for every row, vectorised: one JSON object
    per row, keyed by column name, keeping non-empty values only."""
    pairs = []
    for name in columns:
        text = pl.col(name).cast(pl.Utf8).str.strip_chars()
        pair = pl.struct(text.alias(name)).struct.json_encode().str.slice(1).str.strip_suffix("}")
        pairs.append(pl.when(text.str.len_chars() > 0).then(pair))
    if not pairs:
        return pl.Series("attributes", ["{}"] * frame.height, dtype=pl.Utf8)
    joined = pl.concat_str(pairs, separator=", ", ignore_nulls=True)
    return frame.select(pl.concat_str(pl.lit("{"), joined, pl.lit("}")).alias("attributes"))[
        "attributes"
    ]


def utc_from_epoch(column: str, unit: str = "s") -> pl.Expr:
    """A Unix-time column as the schema's UTC timestamp."""
    return pl.from_epoch(pl.col(column), time_unit=unit).dt.replace_time_zone("UTC").alias(column)


def dataset_name(path: Path) -> str:
    """A readable dataset name from a file or folder path."""
    stem = path.name
    for suffix in (".gz", ".json", ".jsonl", ".txt", ".inter"):
        stem = stem.removesuffix(suffix)
    return stem.lower().replace("_", "-") if path.is_file() else path.name


def read_delimited(
    path: Path, separator: str, *, header: bool, encoding: str = "utf-8"
) -> pl.DataFrame:
    """A delimited text file with every column as text (types are checked by `numeric`)."""
    data = path.read_bytes()
    if encoding != "utf-8":
        data = data.decode(encoding).encode("utf-8")
    try:
        return pl.read_csv(
            data,
            separator=separator,
            has_header=header,
            quote_char=None,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as error:
        raise DataError(f"cannot parse ({error})", source=str(path)) from error


def numeric(frame: pl.DataFrame, column: str, path: Path, field: str, first_line: int) -> pl.Series:
    """A text column as Float64; the first non-numeric value raises a `DataError` naming its line
    (`first_line` = file line of row 0)."""
    values = frame[column].str.strip_chars().cast(pl.Float64, strict=False)
    bad = values.is_null() & frame[column].is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise DataError(
            f"not a number: {frame[column][row]!r}",
            source=str(path),
            record=first_line + row,
            field=field,
        )
    return values
