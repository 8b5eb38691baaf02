"""Plain files for the search components' saved state: arrays and JSON, never pickles.

Loading a saved searcher must run no code from its files (a bundle is swapped in while the
server runs), so every component writes NumPy arrays (`np.load(..., allow_pickle=False)`) and
JSON. Lists of variable-length rows (the title terms of each product, the documents of the BM25
index) are stored flat with row offsets (`ragged`), and strings as ids into a vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def save_arrays(path: Path, **arrays: np.ndarray) -> None:
    """Write `arrays` to the `.npz` file `path` (object arrays are refused)."""
    np.savez(path, allow_pickle=False, **arrays)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the `.npz` file `path`."""
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def ragged(rows: Sequence[Sequence[int] | np.ndarray], dtype: type = np.int64) -> dict[str, Any]:
    """Rows of ints as one flat array and the offsets where each row starts (plus the end)."""
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.concatenate([np.asarray(row, dtype=dtype) for row in rows]) if rows else []
    return {"flat": np.asarray(flat, dtype=dtype), "offsets": offsets}


def unragged(flat: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """The rows `ragged` stored (views of `flat`)."""
    bounds = offsets.tolist()
    return [flat[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]


def prefixed(prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`arrays` with names `<prefix>_<name>` (several ragged lists in one file)."""
    return {f"{prefix}_{name}": array for name, array in arrays.items()}


def rows_of(arrays: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    """The ragged rows stored under `prefix` by `prefixed(prefix, ragged(...))`."""
    return unragged(arrays[f"{prefix}_flat"], arrays[f"{prefix}_offsets"])


def vocabulary_ids(rows: Iterable[Iterable[str]], vocabulary: dict[str, int]) -> list[list[int]]:
    """Each row's strings as ids in `vocabulary` (strings not in it are added)."""
    return [[vocabulary.setdefault(text, len(vocabulary)) for text in row] for row in rows]
