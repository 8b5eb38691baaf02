"""What the Amazon review formats (2014, 2018, 2023) share: finding the review and metadata files,
parsing prices and dates, and turning reviews + item rows into a `Dataset`.

Each format module supplies a `ReviewFields` (which JSON keys hold what) and a function mapping
one raw metadata record to an `ItemRow`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.loaders._common import (
    attributes_json,
    clean_text,
    dataset_name,
    first_json_record,
    number,
    read_json_lines,
    required_id,
    utc_from_epoch,
)

_JSON_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz")
_PRICE = re.compile(r"^\$?\s*([\d,]*\.?\d+)(?:\s*-\s*\$?\s*[\d,]*\.?\d+)?$")
_KEY_VALUE = re.compile(r"^([^:]{1,40}):\s*(.{1,200})$")


@dataclass(frozen=True)
class ReviewFields:
    """Which keys of a review record hold the user, item, rating, time and text."""

    user: str
    item: str
    rating: str
    time: str
    time_unit: str
    texts: tuple[str, ...]
    meta_item: str


@dataclass
class ItemRow:
    """One catalogue row before it becomes a frame column."""

    title: str = ""
    description: str = ""
    brand: str | None = None
    categories: list[str] = field(default_factory=list)
    price: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def json_files(path: Path) -> list[Path]:
    """JSON(-lines) files of a folder, or the file itself."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.name.lower().endswith(_JSON_SUFFIXES))


def sniff_reviews(path: Path, keys: tuple[str, ...]) -> bool:
    """True if one of the path's JSON files starts with a record holding all `keys`."""
    for file in json_files(path):
        if not file.name.lower().endswith(_JSON_SUFFIXES):
            continue
        record = first_json_record(file)
        if record is not None and all(key in record for key in keys):
            return True
    return False


def review_and_meta_files(path: Path, key: str) -> tuple[Path, Path | None]:
    """The reviews file (first record has `key`) and the metadata file beside it, if any."""
    if path.is_file():
        category = _category(path)
        metas = [
            p
            for p in json_files(path.parent)
            if p.name.startswith("meta_") and _category(p) == category
        ]
        return path, metas[0] if metas else None
    reviews, metas = [], []
    for file in json_files(path):
        record = first_json_record(file) or {}
        if key in record:
            reviews.append(file)
        elif file.name.startswith("meta_"):
            metas.append(file)
    if len(reviews) != 1 or len(metas) > 1:
        found = ", ".join(p.name for p in reviews + metas) or "none"
        raise DataError(
            f"expected one reviews file and at most one meta_ file (found: {found}); "
            "pass the reviews file itself",
            source=str(path),
        )
    return reviews[0], metas[0] if metas else None


def _category(file: Path) -> str:
    stem = file.name
    for suffix in (".gz", ".jsonl", ".json"):
        stem = stem.removesuffix(suffix)
    return stem.removeprefix("meta_").removeprefix("reviews_").removesuffix("_5")


def parse_price(value: Any) -> float | None:
    """A price from a number, "$25.00", "$1,250.00" or a range "$10.00 - $20.00" (low end);
    None for anything else (the 2018 files hold scraped HTML in some price fields)."""
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    match = _PRICE.match(str(value or "").strip())
    return float(match.group(1).replace(",", "")) if match else None


def parse_date(value: Any) -> datetime | None:
    """A listing date like "May 15, 2009"; None when absent or in another form."""
    try:
        return datetime.strptime(str(value).strip(), "%B %d, %Y")
    except ValueError:
        return None


def simple_facts(details: Any, features: Any) -> tuple[dict[str, str], list[str]]:
    """Short `key: value` facts from a details dict and feature bullets; the other bullets."""
    facts: dict[str, str] = {}
    if isinstance(details, dict):
        for key, value in details.items():
            if isinstance(value, str | int | float) and str(value).strip():
                facts[clean_text(key).rstrip(":").strip()] = clean_text(value)
    prose = []
    for feature in features if isinstance(features, list) else []:
        text = clean_text(feature)
        match = _KEY_VALUE.match(text)
        if match:
            facts[match.group(1).strip()] = match.group(2).strip()
        elif text:
            prose.append(text)
    return facts, prose


def load_amazon(
    path: Path,
    fields: ReviewFields,
    to_item: Callable[[dict], ItemRow],
    *,
    all_metadata_items: bool,
    literal_metadata: bool = False,
) -> Dataset:
    """Reviews + metadata -> Dataset, interactions and reviews in time order."""
    reviews_file, meta_file = review_and_meta_files(path, fields.user)
    reviews = _read_reviews(reviews_file, fields)
    reviewed = list(dict.fromkeys(reviews["item_id"].to_list()))
    rows: dict[str, ItemRow] = {}
    if meta_file is not None:
        wanted = None if all_metadata_items else set(reviewed)
        for line, record in read_json_lines(meta_file, literal_fallback=literal_metadata):
            item = required_id(record, fields.meta_item, meta_file, line)
            if wanted is None or item in wanted:
                rows.setdefault(item, to_item(record))
    order = list(dict.fromkeys([*rows, *reviewed]))
    return Dataset(
        items=_items_frame(order, rows),
        interactions=reviews.select(
            "user_id",
            "item_id",
            pl.lit("rating").alias("kind"),
            pl.col("rating").alias("value"),
            "timestamp",
        ),
        reviews=reviews,
        name=dataset_name(path),
        source=str(path),
    )


def _read_reviews(file: Path, fields: ReviewFields) -> pl.DataFrame:
    columns: dict[str, list] = {"user_id": [], "item_id": [], "rating": [], "text": [], "time": []}
    for line, record in read_json_lines(file):
        columns["user_id"].append(required_id(record, fields.user, file, line))
        columns["item_id"].append(required_id(record, fields.item, file, line))
        columns["rating"].append(number(record.get(fields.rating), fields.rating, file, line))
        columns["time"].append(int(number(record.get(fields.time), fields.time, file, line)))
        texts = (clean_text(record.get(key)) for key in fields.texts)
        columns["text"].append("\n".join(text for text in texts if text))
    frame = pl.DataFrame(columns, schema_overrides={"time": pl.Int64})
    return (
        frame.with_columns(utc_from_epoch("time", fields.time_unit).alias("timestamp"))
        .drop("time")
        .sort("timestamp", maintain_order=True)
    )


def _items_frame(order: list[str], rows: dict[str, ItemRow]) -> pl.DataFrame:
    items = [rows.get(item, ItemRow()) for item in order]
    return pl.DataFrame(
        {
            "item_id": order,
            "title": [row.title for row in items],
            "description": [row.description for row in items],
            "brand": [row.brand for row in items],
            "categories": [row.categories for row in items],
            "price": [row.price for row in items],
            "attributes": [attributes_json(row.attributes) for row in items],
            "created_at": [row.created_at for row in items],
        },
        schema_overrides={"categories": pl.List(pl.Utf8), "created_at": pl.Datetime("us")},
    ).with_columns(pl.col("created_at").dt.replace_time_zone("UTC"))
