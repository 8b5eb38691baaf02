"""LC-Rec / TIGER JSON: `<Name>.inter.json` (`{user: [item, ...]}`, chronological) and an optional
`<Name>.item.json` (`{item: {title, description, brand, categories}}`, categories comma-joined).

No timestamps: order is list order. HTML in the text is cleaned (`AT&amp;T` -> `AT&T`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.loaders._common import clean_text, dataset_name, read_json


def _inter_file(path: Path) -> Path | None:
    if path.is_file():
        return path if path.name.endswith(".inter.json") else None
    candidates = sorted(path.glob("*.inter.json"))
    return candidates[0] if len(candidates) == 1 else None


def sniff(path: Path) -> bool:
    """True if the path is (or holds exactly one) `*.inter.json`."""
    return _inter_file(path) is not None


def load_lcrec(path: str | Path) -> Dataset:
    """Load an LC-Rec folder (or its `.inter.json` file; the `.item.json` beside it is used)."""
    path = Path(path)
    inter_file = _inter_file(path)
    if inter_file is None:
        raise DataError("expected exactly one <Name>.inter.json", source=str(path))
    sequences = read_json(inter_file)
    if not isinstance(sequences, dict):
        raise DataError("expected an object {user: [items]}", source=str(inter_file))
    user_col: list[str] = []
    item_col: list[str] = []
    for user, items in sequences.items():
        if not isinstance(items, list):
            raise DataError("expected a list of item ids", source=str(inter_file), record=user)
        user_col.extend([user] * len(items))
        item_col.extend(str(item) for item in items)
    item_file = inter_file.with_name(inter_file.name.removesuffix(".inter.json") + ".item.json")
    described = read_json(item_file) if item_file.is_file() else {}
    order = list(dict.fromkeys([*described, *item_col]))
    return Dataset(
        items=_items(order, described, item_file),
        interactions=pl.DataFrame({"user_id": user_col, "item_id": item_col}),
        name=dataset_name(path),
        source=str(path),
    )


def _items(order: list[str], described: dict[str, dict], source: Path) -> pl.DataFrame:
    columns: dict[str, list] = {"title": [], "description": [], "brand": [], "categories": []}
    for item in order:
        record = described.get(item, {})
        if not isinstance(record, dict):
            raise DataError("expected an object per item", source=str(source), record=item)
        columns["title"].append(clean_text(record.get("title")))
        columns["description"].append(clean_text(record.get("description")))
        columns["brand"].append(clean_text(record.get("brand")) or None)
        parts = str(record.get("categories") or "").split(",")
        columns["categories"].append([clean_text(p) for p in parts if p.strip()])
    return pl.DataFrame({"item_id": order, **columns})
