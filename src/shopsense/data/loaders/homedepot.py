"""Home Depot Product Search Relevance (Kaggle 2016): products and judged search queries.

`train.csv` (inside `train.csv.zip`, latin-1) has one row per judged (query, product) pair:
`id, product_uid, product_title, search_term, relevance`, relevance being the mean of >= 3
raters' 1-3 grades. The products (ids and titles, in order of first appearance) become a
`Dataset`'s items; every distinct search term becomes a `JudgedQuery` mapping product id to
its mean relevance.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.judgments import JudgedCatalogue, JudgedQuery

COLUMNS = ("product_uid", "product_title", "search_term", "relevance")
ENCODING = "latin-1"


def sniff(path: Path) -> bool:
    """Whether `path` looks like the Home Depot relevance file or its folder."""
    try:
        return _csv_file(path) is not None and COLUMNS[0] in _read_text(path)[:200]
    except (OSError, DataError, zipfile.BadZipFile):
        return False


def load_homedepot(path: str | Path) -> JudgedCatalogue:
    """The catalogue (54,667 products in the Kaggle training file) and its judged queries."""
    path = Path(path)
    text = _read_text(path)
    source = str(_csv_file(path))
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema_length=0)
    except pl.exceptions.PolarsError as error:
        raise DataError(f"not a readable CSV ({error})", source=source) from None
    for column in COLUMNS:
        if column not in frame.columns:
            raise DataError("missing column", source=source, field=column)
    frame = frame.with_row_index("line", offset=2)
    relevance = frame["relevance"].cast(pl.Float64, strict=False)
    bad = frame.filter(relevance.is_null() | (relevance < 1) | (relevance > 3))
    if bad.height:
        row = bad.row(0, named=True)
        raise DataError(
            f"relevance must be a number from 1 to 3, not {row['relevance']!r}",
            source=source,
            record=int(row["line"]),
            field="relevance",
        )
    for field in ("product_uid", "search_term"):
        empty = frame.filter(pl.col(field).is_null() | (pl.col(field).str.strip_chars() == ""))
        if empty.height:
            line = int(empty["line"][0])
            raise DataError("missing or empty value", source=source, record=line, field=field)
    frame = frame.with_columns(relevance=relevance)
    items = (
        frame.select(item_id="product_uid", title="product_title")
        .unique(subset="item_id", keep="first", maintain_order=True)
        .with_columns(pl.col("title").fill_null(""))
    )
    judged = (
        frame.group_by("search_term", maintain_order=True)
        .agg(pl.col("product_uid"), pl.col("relevance"))
        .iter_rows()
    )
    queries = [
        JudgedQuery(text=term, relevance=dict(zip(ids, grades, strict=True)))
        for term, ids, grades in judged
    ]
    dataset = Dataset(items=items, name="homedepot-search-relevance", source=source)
    return JudgedCatalogue(dataset=dataset, queries=queries)


def _csv_file(path: Path) -> Path | None:
    if path.is_dir():
        for name in ("train.csv.zip", "train.csv"):
            if (path / name).is_file():
                return path / name
        return None
    return path if path.is_file() else None


def _read_text(path: Path) -> str:
    file = _csv_file(path)
    if file is None:
        raise DataError("no train.csv or train.csv.zip here", source=str(path))
    if file.suffix == ".zip":
        with zipfile.ZipFile(file) as archive:
            names = [name for name in archive.namelist() if name.endswith(".csv")]
            if not names:
                raise DataError("the archive holds no CSV file", source=str(file))
            raw = archive.read(names[0])
    else:
        raw = file.read_bytes()
    return raw.decode(ENCODING)
