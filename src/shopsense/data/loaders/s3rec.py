"""S3-Rec / P5 sequence files: one line per user, `user item item ...`, chronological.

A folder holds the sequence file (`sequential_data.txt`, `sequential.txt` or a single `*.txt`)
and optionally `items.jsonl.gz` (`item_id`, `asin`, `title`, `s3rec_attribute_ids`), a P5
`datamaps.json` (`id2item`/`id2user`: ASINs and reviewer ids) and an S3-Rec
`*_item2attributes.json` (`{item_id: [attribute ids]}`).

The S3-Rec attribute ids are anonymous brand/category ids (names are not published), so they go
into `attributes` as `{"s3rec_attributes": "173 1 162 171"}` rather than into `categories`; the
ASIN goes into `attributes["asin"]` and the reviewer id into the user's `attributes`. Items the
side files do not describe get id-only rows. No timestamps: order is file order.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.loaders._common import (
    attributes_column,
    dataset_name,
    read_json,
    read_json_lines,
    required_id,
)

_SEQUENCE_FILES = ("sequential_data.txt", "sequential.txt")


def sequence_file(path: Path) -> Path | None:
    """The sequence file of a folder (or the file itself), or None if there is none."""
    if path.is_file():
        return path if path.suffix == ".txt" else None
    for name in _SEQUENCE_FILES:
        if (path / name).is_file():
            return path / name
    candidates = sorted(p for p in path.glob("*.txt") if p.name.lower() != "readme.txt")
    return candidates[0] if len(candidates) == 1 else None


def sniff(path: Path) -> bool:
    """True if the path holds a sequence file whose first line is `user item ...`."""
    file = sequence_file(path)
    if file is None:
        return False
    with file.open(encoding="utf-8", errors="replace") as handle:
        tokens = handle.readline().split()
    return len(tokens) >= 2 and all(token.isdigit() for token in tokens)


def load_s3rec(path: str | Path) -> Dataset:
    """Load an S3-Rec/P5 sequence folder (or a bare sequence file)."""
    path = Path(path)
    file = sequence_file(path)
    if file is None:
        raise DataError(
            "no sequence file: expected sequential_data.txt, sequential.txt or one *.txt",
            source=str(path),
        )
    users, user_col, item_col = _read_sequences(file)
    folder = file.parent
    id2user, id2item = _datamaps(folder)
    items = _items(folder, id2item, item_col)
    user_rows = pl.DataFrame(
        {"user_id": users, "reviewer_id": [id2user.get(u) for u in users]},
        schema={"user_id": pl.Utf8, "reviewer_id": pl.Utf8},
    )
    user_rows = user_rows.select(
        "user_id", attributes=attributes_column(user_rows, ["reviewer_id"])
    )
    stem = file.name.removesuffix(".txt")
    name = dataset_name(path if stem in ("sequential_data", "sequential") else file)
    return Dataset(
        items=items,
        interactions=pl.DataFrame({"user_id": user_col, "item_id": item_col}),
        users=user_rows,
        name=name,
        source=str(path),
    )


def _read_sequences(file: Path) -> tuple[list[str], list[str], list[str]]:
    users: list[str] = []
    seen: set[str] = set()
    user_col: list[str] = []
    item_col: list[str] = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            tokens = line.split()  # split() also drops the CR of CRLF files
            if not tokens:
                continue
            user = tokens[0]
            if user in seen:
                raise DataError(
                    "user appears on two lines", source=str(file), record=number, field="user_id"
                )
            seen.add(user)
            users.append(user)
            user_col.extend([user] * (len(tokens) - 1))
            item_col.extend(tokens[1:])
    return users, user_col, item_col


def _datamaps(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    file = folder / "datamaps.json"
    if not file.is_file():
        return {}, {}
    maps = read_json(file)
    return maps.get("id2user", {}), maps.get("id2item", {})


def _items(folder: Path, id2item: dict[str, str], item_col: list[str]) -> pl.DataFrame:
    """Catalogue rows: described items in side-file order, then any other sequence items."""
    titles: dict[str, str] = {}
    asins = dict(id2item)
    attribute_ids: dict[str, list] = {}
    items_file = folder / "items.jsonl.gz"
    if items_file.is_file():
        for number, record in read_json_lines(items_file):
            item = required_id(record, "item_id", items_file, number)
            titles[item] = str(record.get("title") or "")
            if record.get("asin"):
                asins[item] = str(record["asin"])
            attribute_ids[item] = record.get("s3rec_attribute_ids") or []
    for file in sorted(folder.glob("*_item2attributes.json")):
        for item, ids in read_json(file).items():
            attribute_ids.setdefault(str(item), ids)
    order = list(dict.fromkeys([*titles, *id2item, *attribute_ids, *item_col]))
    rows = pl.DataFrame(
        {
            "item_id": order,
            "title": [titles.get(item, "") for item in order],
            "asin": [asins.get(item) for item in order],
            "s3rec_attributes": [" ".join(map(str, attribute_ids.get(i, []))) for i in order],
        },
        schema={name: pl.Utf8 for name in ("item_id", "title", "asin", "s3rec_attributes")},
    )
    return rows.select(
        "item_id", "title", attributes=attributes_column(rows, ["asin", "s3rec_attributes"])
    )
