"""The retriever protocol every candidate generator follows.

A retriever is fitted on a `Dataset` and then scores every catalogue item for a user described
by a `UserContext` (history as item indices, optionally a sentence or query). Subclasses write
`_fit` and `_score`; this base class turns scores into top-k lists with exclusion, breaks ties
by popularity (so users with no usable history get the most popular items), and saves/loads.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import sparse

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.splits import EvalCases
from shopsense.retrieval.explanation import Explanation, recent_distinct

#: What `Retriever.explain` reads about one user besides the context, computed once while
#: scoring (`score_with_evidence`): by default the user's own dense scores.
Evidence = np.ndarray | dict[str, np.ndarray]

#: Users scored per call of `_score` when ranking many users; bounds memory to chunk x items.
SCORE_CHUNK = 512


class RetrieverConfig(BaseModel):
    """Base of every retriever's config: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class UserContext:
    """What a retriever knows about one user at request time."""

    history: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Item indices the user interacted with, oldest first."""
    user_id: str | None = None
    """The shop's user id, or None for an anonymous visitor."""
    timestamps: np.ndarray | None = None
    """Seconds since the epoch for each history entry, where known."""
    text: str | None = None
    """A sentence or first query describing the user (cold start)."""

    @classmethod
    def of(cls, history: Sequence[int] | np.ndarray, **kwargs: Any) -> UserContext:
        """A context from any sequence of item indices."""
        return cls(history=np.asarray(history, dtype=np.int64), **kwargs)


class Retriever(ABC):
    """A candidate generator: `fit(dataset)`, `recommend(user, k, exclude)`, `save`, `load`."""

    name: ClassVar[str]
    config_class: ClassVar[type[RetrieverConfig]] = RetrieverConfig
    learns_from_validation: ClassVar[bool] = False
    """Whether `fit` learns from its validation cases (early stopping, a trained ranker): its
    metrics on those cases are then in-sample and an evaluation does not report them."""

    def __init__(self, config: RetrieverConfig | None = None, **overrides: Any) -> None:
        base = config.model_dump() if config is not None else {}
        self.config = self.config_class(**{**base, **overrides})
        self.n_items = 0
        self._tie_breaker = np.empty(0)

    # ---- what subclasses write -------------------------------------------------------------
    @abstractmethod
    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        """Learn from `dataset` (its interactions are the training data). Models that stop
        early or tune themselves may read `validation`; the others ignore it."""

    @abstractmethod
    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        """Scores of every item for each user: float array of shape (len(users), n_items).
        Higher is better; items the retriever knows nothing about may score 0."""

    # ---- the protocol ----------------------------------------------------------------------
    def fit(self, dataset: Dataset, validation: EvalCases | None = None) -> Self:
        """Fit on `dataset` (optionally watching `validation` cases) and return self. An empty
        catalogue is refused: there would be nothing to recommend, ever."""
        if dataset.n_items == 0:
            raise DataError(
                "the catalogue has no items: a recommender needs at least one",
                source=dataset.name,
                field="items",
            )
        self.n_items = dataset.n_items
        popularity = dataset.item_popularity
        # Ranks, not counts, so the tie-breaker is a fixed tiny step whatever the data size.
        order = np.argsort(np.argsort(popularity, kind="stable"), kind="stable")
        self._tie_breaker = (order + 1) / (self.n_items + 1)
        self._fit(dataset, validation)
        return self

    def score(self, users: Sequence[UserContext]) -> np.ndarray:
        """Scores of every item for each user, shape (len(users), n_items)."""
        self._check_fitted()
        return self._score(users)

    def score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        """`score(users)[:, items]`, shape (len(users), len(items)); retrievers that can score
        a few items without the whole catalogue (explanations need a handful) override it."""
        self._check_fitted()
        return self._score_items(users, np.asarray(items, dtype=np.int64))

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        return np.asarray(self._score(users))[:, items]

    def score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Shape (len(history_items), len(items)): the score each history item on its own (a
        one-item history) gives each of `items`, what an explanation weighs."""
        self._check_fitted()
        return self._score_alone(
            np.asarray(history_items, dtype=np.int64), np.asarray(items, dtype=np.int64)
        )

    def _score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self._score_items([UserContext.of([h]) for h in history_items.tolist()], items)

    # ---- explanations ------------------------------------------------------------------------
    def score_with_evidence(
        self, users: Sequence[UserContext]
    ) -> tuple[np.ndarray, list[Evidence]]:
        """`score(users)` and, per user, the evidence `explain` reads, so that a request that
        scores and explains computes it once. By default the evidence is the user's scores."""
        scores = self.score(users)
        return scores, list(scores)

    def explain(
        self, user: UserContext, items: np.ndarray | Sequence[int], evidence: Evidence | None = None
    ) -> list[Explanation]:
        """Why each of `items` scores as it does for `user`: the history item that on its own
        raises the item's score the most above what a user without history gets ("history");
        else "popular" where the item scores the same for anyone, or the shopper's own words or
        activity. `evidence` is this user's entry of `score_with_evidence` (computed if None)."""
        items = np.asarray(items, dtype=np.int64)
        own = np.asarray(evidence if evidence is not None else self.score([user])[0])[items]
        recent = recent_distinct(user.history)
        baseline = self.score_items([UserContext()], items)[0]
        alone = self.score_alone(recent, items) if len(recent) else np.empty((0, len(items)))
        explanations = []
        for column, item in enumerate(items.tolist()):
            if len(recent) and alone[:, column].max() > baseline[column]:
                because = int(recent[int(np.argmax(alone[:, column]))])
                explanations.append(Explanation(item, "history", because, self.name))
            elif np.isclose(own[column], baseline[column]):
                explanations.append(Explanation(item, "popular", source=self.name))
            else:
                basis = "words" if user.text and user.text.strip() else "activity"
                explanations.append(Explanation(item, basis, source=self.name))
        return explanations

    def recommend(
        self, user: UserContext, k: int = 10, exclude: np.ndarray | Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` item indices and their scores for one user, `exclude`d items left out."""
        ids, scores = self.recommend_batch([user], k, None if exclude is None else [exclude])
        return ids[0], scores[0]

    def recommend_batch(
        self,
        users: Sequence[UserContext],
        k: int = 10,
        exclude: Sequence[np.ndarray | Sequence[int]] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Top-`k` item indices and scores per user; `exclude[i]` is left out for user i."""
        self._check_fitted()
        all_ids: list[np.ndarray] = []
        all_scores: list[np.ndarray] = []
        for start in range(0, len(users), SCORE_CHUNK):
            chunk = users[start : start + SCORE_CHUNK]
            scores = self.tie_broken(self._score(chunk))
            for row, _ in enumerate(chunk):
                if exclude is not None:
                    scores[row, np.asarray(exclude[start + row], dtype=np.int64)] = -np.inf
                ids = top_k(scores[row], k)
                keep = np.isfinite(scores[row, ids])
                all_ids.append(ids[keep])
                all_scores.append(scores[row, ids[keep]])
        return all_ids, all_scores

    def tie_broken(self, scores: np.ndarray) -> np.ndarray:
        """`scores` as float64 plus a step far below any real score difference that orders
        ties by popularity."""
        scores = np.asarray(scores, dtype=np.float64)
        scale = np.abs(scores).max(axis=1, keepdims=True) + 1.0
        return scores + self._tie_breaker[None, :] * scale * 1e-9

    # ---- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted retriever to the directory `path` (created if missing)."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"class": f"{type(self).__module__}.{type(self).__qualname__}", "name": self.name}
        (path / "retriever.json").write_text(
            json.dumps({**meta, "config": self.config.model_dump(mode="json")}, indent=2)
        )
        self._save_state(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Retriever:
        """Read a retriever written by `save` (of any retriever class)."""
        path = Path(path)
        meta = json.loads((path / "retriever.json").read_text())
        module_name, _, class_name = meta["class"].rpartition(".")
        module = __import__(module_name, fromlist=[class_name])
        retriever_class = getattr(module, class_name, None)
        if not (isinstance(retriever_class, type) and issubclass(retriever_class, Retriever)):
            raise TypeError(f"{path / 'retriever.json'}: {meta['class']} is not a Retriever")
        retriever = retriever_class(retriever_class.config_class(**meta["config"]))
        retriever._load_state(path)
        return retriever

    def _save_state(self, path: Path) -> None:
        """Persist fitted state as plain files, never a pickle: the default writes each
        attribute by its type — NumPy arrays into `arrays.npz`, SciPy sparse matrices into
        `sparse/<name>.npz`, fitted retrievers into `<name>/` (their own `save`), and JSON
        values (numbers, strings, lists, dicts) into `state.json` — and refuses anything else.
        A retriever holding something else overrides this and `_load_state`."""
        arrays: dict[str, np.ndarray] = {}
        matrices: dict[str, sparse.sparray | sparse.spmatrix] = {}
        retrievers: dict[str, Retriever] = {}
        values: dict[str, Any] = {}
        for name, value in vars(self).items():
            if name == "config":  # written by `save`
                continue
            if isinstance(value, np.ndarray) and value.dtype != object:
                arrays[name] = value
            elif sparse.issparse(value):
                matrices[name] = value
            elif isinstance(value, Retriever):
                retrievers[name] = value
            elif _is_json(value):
                values[name] = value
            else:
                raise TypeError(
                    f"{type(self).__name__}.{name} is a {type(value).__name__}: the default "
                    "save writes arrays, sparse matrices, retrievers and JSON values only; "
                    "override _save_state and _load_state to save it"
                )
        np.savez(path / "arrays.npz", allow_pickle=False, **arrays)
        for name, matrix in matrices.items():
            (path / "sparse").mkdir(exist_ok=True)
            sparse.save_npz(path / "sparse" / f"{name}.npz", matrix, compressed=False)
        for name, retriever in retrievers.items():
            retriever.save(path / name)
        layout = {"values": values, "sparse": list(matrices), "retrievers": list(retrievers)}
        (path / "state.json").write_text(json.dumps(layout, indent=2))

    def _load_state(self, path: Path) -> None:
        layout = json.loads((path / "state.json").read_text())
        state: dict[str, Any] = dict(layout["values"])
        with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
            state.update({name: arrays[name] for name in arrays.files})
        for name in layout["sparse"]:
            state[name] = sparse.load_npz(path / "sparse" / f"{name}.npz")
        for name in layout["retrievers"]:
            state[name] = Retriever.load(path / name)
        self.__dict__.update(state)

    def _check_fitted(self) -> None:
        if self.n_items == 0:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(dataset) first")


def _is_json(value: Any) -> bool:
    """Whether `value` survives a JSON round trip unchanged (so tuples and NumPy scalars,
    which come back as other types, do not)."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` largest scores, best first (ties by lower index; NaN ranks as -inf)."""
    return top_per_row(np.asarray(scores)[None, :], k)[0]


def top_per_row(scores: np.ndarray, k: int) -> np.ndarray:
    """Per row of a 2-D array, the indices of its `k` largest scores, best first: the first
    `k` of a stable descending sort (ties by lower index; NaN ranks as -inf).

    The k-th largest value of each row comes from `torch.topk` (several times faster than
    NumPy's partitions, which also slow down badly on rows of many equal values); the rows are
    then cut at it in NumPy, where the tie order is exact."""
    n_rows, n_items = np.shape(scores)
    k = max(min(k, n_items), 0)
    if k == 0 or n_rows == 0:
        return np.empty((n_rows, k), dtype=np.int64)
    dtype = scores.dtype if scores.dtype in (np.float32, np.float64) else np.float64
    scores = np.require(scores, dtype=dtype, requirements=["C", "W"])
    if np.isnan(scores).any():
        scores = np.where(np.isnan(scores), -np.inf, scores)
    kth = _kth_largest(scores, k)[:, None]
    above = scores > kth
    tied = scores == kth
    room = k - above.sum(axis=1)
    # Where more items tie with the k-th value than there is room for, the lowest indices win.
    crowded = np.flatnonzero(tied.sum(axis=1) > room)
    if len(crowded):
        tied[crowded] &= np.cumsum(tied[crowded], axis=1) <= room[crowded, None]
    chosen = (np.flatnonzero(above | tied) % n_items).reshape(n_rows, k)
    order = np.lexsort((chosen, -np.take_along_axis(scores, chosen, axis=1)), axis=1)
    return np.take_along_axis(chosen, order, axis=1).astype(np.int64, copy=False)


def _kth_largest(scores: np.ndarray, k: int) -> np.ndarray:
    """The `k`-th largest value of each row (no NaN)."""
    import torch  # on first use: commands that rank nothing do not pay for importing it

    found = torch.topk(torch.from_numpy(scores), k, dim=1, sorted=False).values
    return found.amin(dim=1).numpy()
