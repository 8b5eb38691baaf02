"""RecBole atomic files: `<name>.inter` with optional `<name>.item` and `<name>.user`, tab-separated
with typed headers (`user_id:token`, `rating:float`, `class:token_seq`, ...).

Known columns map onto the schema: `rating` -> interaction value (kind "rating"; "purchase" with
value 1 when there is no rating), `timestamp` (Unix seconds) -> timestamp; item `movie_title` /
`title` -> title, `class` / `categories` / `genre` (space-separated tokens) -> categories,
`brand`, `price`, `description`. Every other item or user column goes into `attributes`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.loaders._common import attributes_column, numeric, read_delimited

_TITLE = ("movie_title", "title")
_CATEGORIES = ("class", "categories", "genre")
_ITEM_TEXT = ("brand", "description")


def _inter_file(path: Path) -> Path | None:
    if path.is_file():
        return path if path.suffix == ".inter" else None
    candidates = sorted(path.glob("*.inter"))
    return candidates[0] if len(candidates) == 1 else None


def sniff(path: Path) -> bool:
    """True if the path is (or holds exactly one) `*.inter` file."""
    return _inter_file(path) is not None


def load_recbole(path: str | Path) -> Dataset:
    """Load a RecBole atomic dataset folder (or its `.inter` file; `.item`/`.user` beside it)."""
    path = Path(path)
    inter_file = _inter_file(path)
    if inter_file is None:
        raise DataError("expected exactly one <name>.inter file", source=str(path))
    item_file, user_file = inter_file.with_suffix(".item"), inter_file.with_suffix(".user")
    interactions = _interactions(inter_file)
    items = _items(item_file) if item_file.is_file() else pl.DataFrame(schema={"item_id": pl.Utf8})
    missing = interactions.select("item_id").unique(maintain_order=True)
    items = pl.concat([items, missing.join(items, on="item_id", how="anti")], how="diagonal")
    return Dataset(
        items=items,
        interactions=interactions,
        users=_users(user_file)
        if user_file.is_file()
        else pl.DataFrame(schema={"user_id": pl.Utf8}),
        name=inter_file.stem,
        source=str(path),
    )


def _read_atomic(file: Path, required: tuple[str, ...]) -> pl.DataFrame:
    """The file with its `name:type` headers reduced to names."""
    frame = read_delimited(file, "\t", header=True)
    frame.columns = [column.split(":", 1)[0] for column in frame.columns]
    for column in required:
        if column not in frame.columns:
            raise DataError("missing column", source=str(file), record=1, field=column)
    return frame


def _interactions(file: Path) -> pl.DataFrame:
    raw = _read_atomic(file, ("user_id", "item_id"))
    frame = raw.select("user_id", "item_id")
    if "rating" in raw.columns:
        frame = frame.with_columns(
            kind=pl.lit("rating"), value=numeric(raw, "rating", file, "rating", 2)
        )
    if "timestamp" in raw.columns:
        seconds = numeric(raw, "timestamp", file, "timestamp", 2)
        time = pl.from_epoch((seconds * 1e6).cast(pl.Int64), time_unit="us")
        frame = frame.with_columns(timestamp=time.dt.replace_time_zone("UTC"))
        frame = frame.sort("timestamp", maintain_order=True)
    return frame


def _items(file: Path) -> pl.DataFrame:
    raw = _read_atomic(file, ("item_id",))
    title = next((c for c in _TITLE if c in raw.columns), None)
    category = next((c for c in _CATEGORIES if c in raw.columns), None)
    known = {"item_id", "price", title, category, *_ITEM_TEXT}
    extra = [c for c in raw.columns if c not in known]
    columns: dict[str, pl.Series | list] = {"item_id": raw["item_id"]}
    if title:
        columns["title"] = raw[title].fill_null("")
    if category:
        columns["categories"] = (
            raw[category]
            .fill_null("")
            .str.split(" ")
            .list.eval(pl.element().filter(pl.element() != ""))
        )
    for column in _ITEM_TEXT:
        if column in raw.columns:
            columns[column] = raw[column]
    if "price" in raw.columns:
        columns["price"] = numeric(raw, "price", file, "price", 2)
    columns["attributes"] = attributes_column(raw, extra)
    return pl.DataFrame(columns)


def _users(file: Path) -> pl.DataFrame:
    raw = _read_atomic(file, ("user_id",))
    extra = [c for c in raw.columns if c != "user_id"]
    return pl.DataFrame(
        {
            "user_id": raw["user_id"],
            "attributes": attributes_column(raw, extra),
        }
    )
