"""MovieLens 100K original files: `u.data` (tab: user, item, rating, Unix time), `u.item` (latin-1,
`|`: id, title, release date, video release date, IMDb URL, 19 genre flags), optional `u.genre`
(genre names) and `u.user` (`|`: id, age, gender, occupation, zip code).

Interactions are kind "rating" with value = the rating, sorted by time. Genres become categories,
the release date `created_at`, the IMDb URL an attribute; user demographics user attributes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.loaders._common import attributes_column, numeric, read_delimited

GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
_USER_FIELDS = ("age", "gender", "occupation", "zip_code")


def sniff(path: Path) -> bool:
    """True for a folder holding `u.data` and `u.item`."""
    return path.is_dir() and (path / "u.data").is_file() and (path / "u.item").is_file()


def load_movielens(path: str | Path) -> Dataset:
    """Load an ml-100k folder."""
    path = Path(path)
    if not sniff(path):
        raise DataError("expected a folder with u.data and u.item", source=str(path))
    return Dataset(
        items=_items(path),
        interactions=_ratings(path / "u.data"),
        users=_users(path / "u.user"),
        name=path.name,
        source=str(path),
    )


def _ratings(file: Path) -> pl.DataFrame:
    raw = read_delimited(file, "\t", header=False)
    if raw.width != 4:
        raise DataError(f"expected 4 tab-separated columns, found {raw.width}", source=str(file))
    raw.columns = ["user_id", "item_id", "rating", "timestamp"]
    seconds = numeric(raw, "timestamp", file, "timestamp", 1).cast(pl.Int64)
    return pl.DataFrame(
        {
            "user_id": raw["user_id"],
            "item_id": raw["item_id"],
            "kind": "rating",
            "value": numeric(raw, "rating", file, "rating", 1),
            "timestamp": pl.from_epoch(seconds, time_unit="s").dt.replace_time_zone("UTC"),
        }
    ).sort("timestamp", maintain_order=True)


def _items(folder: Path) -> pl.DataFrame:
    file = folder / "u.item"
    raw = read_delimited(file, "|", header=False, encoding="latin-1")
    genres = _genre_names(folder / "u.genre")
    if raw.width != 5 + len(genres):
        raise DataError(f"expected {5 + len(genres)} columns, found {raw.width}", source=str(file))
    flags = raw.select(raw.columns[5:]).rows()
    return pl.DataFrame(
        {
            "item_id": raw[:, 0],
            "title": raw[:, 1].fill_null(""),
            "categories": [
                [g for g, flag in zip(genres, row, strict=True) if flag == "1"] for row in flags
            ],
            "attributes": attributes_column(raw.rename({raw.columns[4]: "imdb_url"}), ["imdb_url"]),
            "created_at": raw[:, 2].str.to_datetime("%d-%b-%Y", strict=False, time_zone="UTC"),
        }
    )


def _genre_names(file: Path) -> tuple[str, ...]:
    if not file.is_file():
        return GENRES
    lines = file.read_text(encoding="latin-1").splitlines()
    return tuple(line.rsplit("|", 1)[0] for line in lines if line.strip())


def _users(file: Path) -> pl.DataFrame:
    if not file.is_file():
        return pl.DataFrame(schema={"user_id": pl.Utf8})
    raw = read_delimited(file, "|", header=False)
    if raw.width != 1 + len(_USER_FIELDS):
        raise DataError(f"expected {1 + len(_USER_FIELDS)} columns", source=str(file))
    raw.columns = ["user_id", *_USER_FIELDS]
    return pl.DataFrame(
        {
            "user_id": raw["user_id"],
            "attributes": attributes_column(raw, _USER_FIELDS),
        }
    )
