"""Labelled review corpora, read in place: the three public sentiment sets and JSON lines.

Formats are detected from the files in a folder (see each folder's PROVENANCE.md):
`online_shopping_10_cats.zip` (CSV `cat,label,review`), `waimai_10k.csv` (CSV `label,review`),
`WomensClothingE-CommerceReviews.parquet.brotli` (rating 1-5 and a recommend flag), or a
JSON-lines file of {"text", "label"} with labels positive / negative / neutral.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow.parquet as pq

from shopsense.data.errors import DataError
from shopsense.reviews.jsonl import read_jsonl

POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"
SENTIMENTS = (NEGATIVE, NEUTRAL, POSITIVE)

ONLINE_SHOPPING = "online_shopping_10_cats.zip"
WAIMAI = "waimai_10k.csv"
CLOTHING = "WomensClothingE-CommerceReviews.parquet.brotli"

#: Which clothing label to read: positive = rating >= 4, negative <= 2 (3 dropped), or the
#: reviewer's "recommended" flag.
ClothingTarget = Literal["rating", "recommend"]


@dataclass(frozen=True)
class LabelledReviews:
    """Review texts with one sentiment label each."""

    name: str
    texts: list[str]
    labels: np.ndarray

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows: np.ndarray) -> LabelledReviews:
        """The reviews at positions `rows`."""
        return LabelledReviews(self.name, [self.texts[i] for i in rows], self.labels[rows])

    @staticmethod
    def concatenate(parts: list[LabelledReviews]) -> LabelledReviews:
        """Several corpora as one, named after all of them."""
        return LabelledReviews(
            "+".join(part.name for part in parts),
            [text for part in parts for text in part.texts],
            np.concatenate([part.labels for part in parts]),
        )


def load_corpus(path: Path, clothing_target: ClothingTarget = "rating") -> LabelledReviews:
    """The labelled reviews at `path`: a corpus folder (format detected) or a JSON-lines file."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_file():
        return _jsonl(path)
    if (path / ONLINE_SHOPPING).exists():
        return _online_shopping(path / ONLINE_SHOPPING)
    if (path / WAIMAI).exists():
        return _waimai(path / WAIMAI)
    if (path / CLOTHING).exists():
        return _clothing(path / CLOTHING, clothing_target)
    raise DataError(
        f"no review corpus found (expected {ONLINE_SHOPPING}, {WAIMAI}, {CLOTHING} or a "
        "JSON-lines file of {'text', 'label'})",
        source=str(path),
    )


def _binary(labels: list[str]) -> np.ndarray:
    return np.array([POSITIVE if label == "1" else NEGATIVE for label in labels])


def _csv_reviews(name: str, reader: csv.DictReader[str], source: str) -> LabelledReviews:
    texts, labels = [], []
    for line, row in enumerate(reader, start=2):
        if row.get("label") not in ("0", "1"):
            raise DataError("label must be 0 or 1", source=source, record=line, field="label")
        text = (row.get("review") or "").strip()
        if text:
            texts.append(text)
            labels.append(row["label"])
    return LabelledReviews(name, texts, _binary(labels))


def _online_shopping(path: Path) -> LabelledReviews:
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv"))
        text = archive.read(member).decode("utf-8-sig")
    return _csv_reviews("online-shopping-10-cats", csv.DictReader(io.StringIO(text)), str(path))


def _waimai(path: Path) -> LabelledReviews:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return _csv_reviews("waimai-10k", csv.DictReader(handle), str(path))


def _clothing(path: Path, target: ClothingTarget) -> LabelledReviews:
    table = pq.read_table(path, columns=["Title", "Review Text", "Rating", "Recommended IND"])
    columns = table.to_pydict()
    texts, labels = [], []
    for title, body, rating, recommended in zip(
        columns["Title"],
        columns["Review Text"],
        columns["Rating"],
        columns["Recommended IND"],
        strict=True,
    ):
        text = ". ".join(part.strip() for part in (title, body) if part and part.strip())
        if not text or (target == "rating" and rating == 3):
            continue
        positive = rating >= 4 if target == "rating" else recommended == 1
        texts.append(text)
        labels.append(POSITIVE if positive else NEGATIVE)
    name = "womens-clothing" if target == "rating" else "womens-clothing-recommend"
    return LabelledReviews(name, texts, np.array(labels))


def _jsonl(path: Path) -> LabelledReviews:
    texts, labels = [], []
    for line, record in read_jsonl(path, ("text", "label")):
        if record["label"] not in SENTIMENTS:
            raise DataError(
                f"label must be one of {', '.join(SENTIMENTS)}, not {record['label']!r}",
                source=str(path),
                record=line,
                field="label",
            )
        texts.append(record["text"])
        labels.append(record["label"])
    if not texts:
        raise DataError("no reviews", source=str(path))
    return LabelledReviews(path.stem, texts, np.array(labels))
