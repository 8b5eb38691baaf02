"""What shoppers chose in past searches, read as ranking features for a new search.

Each entry of the log is one past search: the query's vector and the products the shopper
chose from its results (clicked, in a shop's search log; judged relevant, in judged data), with
a grade per choice. For a new query, every candidate product gets four features: how often it
was chosen, the cosine of the closest past query that chose it, and the weighted count and the
weighted mean grade of its choices, where a past query weighs its cosine to the new query to
the fourth power (a fixed choice, not tuned), so that only near paraphrases count much. A
product nobody chose gets count 0 and cosine -1.

Search engines rank with this memory of their logs (which products answered similar queries);
it says nothing of a product no one has chosen yet, so the text signals still decide there.

Entries carry a fold number so that a ranker can be trained out of fold: a training query's
own choices never appear in its own features (`leave_out`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from shopsense.search.stored import load_arrays, read_json, save_arrays, write_json

#: Names of the columns `SearchLog.features` returns, in order.
LOG_FEATURES: tuple[str, ...] = (
    "log_choices",
    "log_nearest_query",
    "log_similar_choices",
    "log_similar_grade",
)
#: Power applied to a past query's (non-negative) cosine when it weighs its choices.
SIMILARITY_POWER = 4
#: Fold of entries that are never left out.
NO_FOLD = -1


class SearchLog:
    """Past searches (query vector, chosen products with grades), appendable at any time."""

    def __init__(self) -> None:
        self._vectors: list[np.ndarray] = []
        self._folds: list[int] = []
        self._column: dict[str, int] = {}
        self._rows: list[int] = []
        self._columns: list[int] = []
        self._grades: list[float] = []
        self._matrix: sparse.csc_matrix | None = None
        self._stacked = np.empty((0, 0), dtype=np.float32)
        self._fold_array = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._folds)

    @property
    def choices(self) -> int:
        """Number of (search, chosen product) pairs held."""
        return len(self._rows)

    def add(
        self,
        vectors: np.ndarray,
        chosen: Sequence[Mapping[str, float]],
        folds: Sequence[int] | None = None,
    ) -> None:
        """Append searches: one query vector and one {item id: grade} of chosen products each;
        `folds` numbers them for out-of-fold training (default: never left out)."""
        if not len(chosen):
            return
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if len(vectors) != len(chosen):
            raise ValueError(f"{len(vectors)} query vectors for {len(chosen)} searches")
        folds = [NO_FOLD] * len(chosen) if folds is None else list(folds)
        if len(folds) != len(chosen):
            raise ValueError(f"{len(folds)} folds for {len(chosen)} searches")
        for vector, products, fold in zip(vectors, chosen, folds, strict=True):
            row = len(self._folds)
            self._vectors.append(vector)
            self._folds.append(int(fold))
            for item_id, grade in products.items():
                self._rows.append(row)
                self._columns.append(self._column.setdefault(item_id, len(self._column)))
                self._grades.append(float(grade))
        self._matrix = None

    def features(
        self, query_vector: np.ndarray, item_ids: Sequence[str], leave_out: int | None = None
    ) -> np.ndarray:
        """(products x `LOG_FEATURES`) float32 for a query over candidate products; searches
        of fold `leave_out` are ignored."""
        out = empty_features(len(item_ids))
        if not self._rows or not len(item_ids):
            return out
        matrix = self._compiled()
        columns = np.array([self._column.get(item_id, -1) for item_id in item_ids])
        known = np.flatnonzero(columns >= 0)
        if not len(known):
            return out
        chosen = matrix[:, columns[known]]
        rows, grades = chosen.indices, chosen.data
        owner = np.repeat(np.arange(len(known)), np.diff(chosen.indptr))
        if leave_out is not None:
            kept = self._fold_array[rows] != leave_out
            rows, grades, owner = rows[kept], grades[kept], owner[kept]
        if not len(rows):
            return out
        cosines = self._stacked[rows] @ query_vector.astype(np.float32)
        weights = np.maximum(cosines, 0.0) ** SIMILARITY_POWER
        counts = np.bincount(owner, minlength=len(known))
        nearest = np.full(len(known), -1.0)
        np.maximum.at(nearest, owner, cosines)
        weight_sums = np.bincount(owner, weights=weights, minlength=len(known))
        graded = np.bincount(owner, weights=weights * grades, minlength=len(known))
        out[known, 0] = np.log1p(counts)
        out[known, 1] = nearest
        out[known, 2] = weight_sums
        out[known, 3] = np.where(weight_sums > 0, graded / np.maximum(weight_sums, 1e-12), 0.0)
        return out

    def save(self, directory: Path) -> None:
        """Write the log to `directory`: the searches' vectors, folds and choices as arrays,
        the chosen products' ids as JSON."""
        directory.mkdir(parents=True, exist_ok=True)
        vectors = np.vstack(self._vectors) if self._vectors else np.empty((0, 0), np.float32)
        save_arrays(
            directory / "log.npz",
            vectors=vectors.astype(np.float32),
            folds=np.asarray(self._folds, dtype=np.int64),
            rows=np.asarray(self._rows, dtype=np.int64),
            columns=np.asarray(self._columns, dtype=np.int64),
            grades=np.asarray(self._grades, dtype=np.float64),
        )
        write_json(directory / "products.json", list(self._column))

    @classmethod
    def load(cls, directory: Path) -> SearchLog:
        """Read a log written by `save`."""
        arrays = load_arrays(directory / "log.npz")
        log = cls()
        log._vectors = list(arrays["vectors"])
        log._folds = arrays["folds"].tolist()
        log._rows = arrays["rows"].tolist()
        log._columns = arrays["columns"].tolist()
        log._grades = arrays["grades"].tolist()
        products = read_json(directory / "products.json")
        log._column = {item_id: column for column, item_id in enumerate(products)}
        return log

    def _compiled(self) -> sparse.csc_matrix:
        """Searches x products matrix of grades, one column per product (rebuilt after adds)."""
        if self._matrix is None:
            self._stacked = np.vstack(self._vectors).astype(np.float32)
            self._fold_array = np.asarray(self._folds, dtype=np.int64)
            self._matrix = sparse.csc_matrix(
                (self._grades, (self._rows, self._columns)),
                shape=(len(self._folds), len(self._column)),
                dtype=np.float64,
            )
        return self._matrix


def empty_features(n: int) -> np.ndarray:
    """The features of `n` products nobody chose (count 0, cosine -1)."""
    out = np.zeros((n, len(LOG_FEATURES)), dtype=np.float32)
    out[:, 1] = -1.0
    return out


__all__ = ["LOG_FEATURES", "NO_FOLD", "SearchLog", "empty_features"]
