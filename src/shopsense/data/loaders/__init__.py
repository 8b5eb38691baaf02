"""Loaders for public data formats, one module per format, and `load(path)` that detects which.

Each loader takes a file or folder and returns a `Dataset` with ids exactly as in the source and
interactions in chronological order per user (by timestamp where the format has one, else file
order). Loader modules are imported only when their format is used or sniffed; `load` validates
what a loader returns, so a file with duplicate ids or out-of-range ratings is rejected whole.
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Any

from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.validation import validate_dataset

#: Format name -> (module in this package, loader function).
LOADERS: dict[str, tuple[str, str]] = {
    "s3rec": ("s3rec", "load_s3rec"),
    "lcrec": ("lcrec", "load_lcrec"),
    "amazon-reviews": ("amazon_reviews", "load_amazon_reviews"),
    "amazon2023": ("amazon2023", "load_amazon2023"),
    "movielens": ("movielens", "load_movielens"),
    "recbole": ("recbole", "load_recbole"),
    "tabular": ("tabular", "load_tabular"),
}
#: Every name `load(format=...)` accepts.
FORMATS: tuple[str, ...] = (*LOADERS, "demo")

# Sniffed in this order; the specific formats come before the generic tabular fallback.
_SNIFFED = ("s3rec", "lcrec", "movielens", "recbole", "amazon2023", "amazon-reviews")
_TABULAR_SUFFIXES = (".csv", ".parquet", ".jsonl", ".jsonl.gz", ".ndjson")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def detect_format(path: str | Path) -> str:
    """The format name of a file or folder; raises `DataError` if no format matches."""
    if str(path) == "demo" and not Path(path).exists():
        return "demo"
    path = Path(path)
    if not path.exists():
        raise DataError("path does not exist", source=str(path))
    for name in _SNIFFED:
        if _module(name).sniff(path):
            return name
    if _is_tabular(path):
        return "tabular"
    raise DataError(
        f"cannot tell the data format; pass format= one of {', '.join(FORMATS)}",
        source=str(path),
    )


def load(
    path: str | Path, format: str | None = None, language: str | None = None, **options: Any
) -> Dataset:
    """Load a dataset from a file or folder in one of `FORMATS` (detected when not given).

    `language`: the catalogue's language ("en", "zh", ...); None detects it from the item texts.
    `options` go to the format's loader (e.g. `mapping=` for `tabular`).
    """
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        raise DataError(
            f"language: {language!r} is not a language code (ISO 639-1, e.g. 'en' or 'zh')",
            source=str(path),
        )
    name = format or detect_format(path)
    if name == "demo":
        from shopsense.data.demo import generate_demo_shop

        return generate_demo_shop(language=language or "en", **options)
    if name not in LOADERS:
        raise DataError(f"unknown format {name!r}; known: {', '.join(FORMATS)}", source=str(path))
    dataset = getattr(_module(name), LOADERS[name][1])(Path(path), **options)
    validate_dataset(dataset)
    return dataset if language is None else replace(dataset, language=language)


def _is_tabular(path: Path) -> bool:
    """One CSV/Parquet/JSONL file, or a folder with `<table>.<ext>` files (`items.csv`, ...)."""
    if path.is_file():
        return path.name.lower().endswith(_TABULAR_SUFFIXES)
    return any(
        file.name.lower().endswith(_TABULAR_SUFFIXES)
        and file.name.split(".", 1)[0] in schema.TABLES
        for file in path.iterdir()
    )


def _module(name: str) -> Any:
    return import_module(f"{__name__}.{LOADERS[name][0]}")


__all__ = ["FORMATS", "LOADERS", "detect_format", "load"]
