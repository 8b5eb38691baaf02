"""Matrix factorisation with `implicit` (CPU): ALS and BPR item factors.

Only item factors are kept. A user is described by their request-time history, never by a
training user index, so unknown users and fresh sessions are scored the same way as known
ones: ALS solves the user's factors from the history (implicit's `recalculate_user`); BPR,
whose objective has no closed-form fold-in, averages the history items' factors.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from pydantic import Field
from scipy import sparse
from threadpoolctl import threadpool_limits

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.dot_products import catalogue_scores
from shopsense.retrieval.history import checked_histories, history_matrix


class ALSConfig(RetrieverConfig):
    """Defaults tuned on Amazon Beauty validation cases (leave-one-out)."""

    factors: int = Field(default=128, ge=1, description="Latent dimensions.")
    regularization: float = Field(default=1.0, ge=0, description="L2 penalty on the factors.")
    alpha: float = Field(
        default=20.0, gt=0, description="Confidence of an observed pair is 1 + alpha."
    )
    iterations: int = Field(default=15, ge=1, description="ALS sweeps over users and items.")
    random_state: int = Field(default=0, description="Seed of the factor initialisation.")
    num_threads: int = Field(
        default=0, ge=0, description="Fitting threads (0: all cores); results do not depend on it."
    )


class BPRConfig(RetrieverConfig):
    """Defaults tuned on Amazon Beauty validation cases (leave-one-out)."""

    factors: int = Field(default=128, ge=1, description="Latent dimensions (plus an item bias).")
    learning_rate: float = Field(default=0.05, gt=0, description="SGD step size.")
    regularization: float = Field(default=0.001, ge=0, description="L2 penalty on the factors.")
    iterations: int = Field(default=100, ge=1, description="SGD epochs over the interactions.")
    random_state: int = Field(default=0, description="Seed of initialisation and sampling.")
    num_threads: int = Field(
        default=1,
        ge=0,
        description="Fitting threads (0: all cores). More than 1 is faster but lock-free "
        "parallel SGD is then not reproducible run to run.",
    )


class _FactorizationRetriever(Retriever):
    """Fits an `implicit` model on the binary user-item matrix and keeps its item factors."""

    item_factors: np.ndarray

    @abstractmethod
    def _new_model(self) -> Any:
        """An unfitted implicit CPU model built from the config."""

    @abstractmethod
    def _user_factors(self, histories: sparse.csr_matrix) -> np.ndarray:
        """Factors per row of a binary users x items history matrix (zeros for no history)."""

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        # implicit runs its own threads; a BLAS thread pool on top of them only slows it down.
        with threadpool_limits(1, "blas"):
            model = self._new_model()
            model.fit(dataset.user_item_matrix("binary"), show_progress=False)
        self._set_item_factors(np.ascontiguousarray(model.item_factors, dtype=np.float32))

    def _set_item_factors(self, item_factors: np.ndarray) -> None:
        self.item_factors = item_factors

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        histories = history_matrix(users, self.n_items, binary=True)
        scores = np.zeros((len(users), self.n_items), dtype=np.float32)
        # Users without history have zero factors: skip their product over the catalogue.
        known = np.flatnonzero(np.diff(histories.indptr))
        if len(known):
            scores[known] = catalogue_scores(
                self._user_factors(histories[known]), self.item_factors
            )
        return scores

    def _score_items(self, users: Sequence[UserContext], items: np.ndarray) -> np.ndarray:
        histories = history_matrix(users, self.n_items, binary=True)
        return self._user_factors(histories) @ self.item_factors[items].T

    def _save_state(self, path: Path) -> None:
        np.savez(
            path / "factors.npz", item_factors=self.item_factors, tie_breaker=self._tie_breaker
        )

    def _load_state(self, path: Path) -> None:
        with np.load(path / "factors.npz") as state:
            self._set_item_factors(state["item_factors"])
            self._tie_breaker = state["tie_breaker"]
        self.n_items = len(self.item_factors)


class ALSRetriever(_FactorizationRetriever):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008)."""

    name = "als"
    config_class = ALSConfig
    config: ALSConfig

    def _new_model(self) -> AlternatingLeastSquares:
        return AlternatingLeastSquares(
            factors=self.config.factors,
            regularization=self.config.regularization,
            alpha=self.config.alpha,
            iterations=self.config.iterations,
            random_state=self.config.random_state,
            num_threads=self.config.num_threads,
        )

    def _set_item_factors(self, item_factors: np.ndarray) -> None:
        super()._set_item_factors(item_factors)
        # Folding in needs only the item factors and implicit's least-squares solve, on one
        # thread: a request folds in one shopper, and OpenMP threads waiting on a busy core
        # made that ten times slower.
        with threadpool_limits(1, "blas"):
            self._solver = self._new_model()
        self._solver.num_threads = 1
        self._solver.item_factors = item_factors
        factors = item_factors.astype(np.float64)
        gram = factors.T @ factors + self.config.regularization * np.eye(factors.shape[1])
        # Inverted once: a LAPACK solve per request let BLAS threads fight over a busy machine's
        # cores (11-37 ms a solve in a loaded process against 0.08 ms alone).
        self._gram_inverse = np.linalg.inv(gram)

    def _score_alone(self, history_items: np.ndarray, items: np.ndarray) -> np.ndarray:
        # A one-item history's normal equations, (YtY + reg I + (c - 1) y y^T) x = c y with
        # c = alpha (what implicit's fold-in solves), have the Sherman-Morrison solution
        # x = c z / (1 + (c - 1) y^T z), z = (YtY + reg I)^-1 y: one solve for every item.
        checked_histories([UserContext.of(history_items)], self.n_items)
        y = self.item_factors[history_items].astype(np.float64)
        z = y @ self._gram_inverse  # the inverse is symmetric
        confidence = self.config.alpha
        x = confidence * z / (1.0 + (confidence - 1.0) * np.sum(y * z, axis=1))[:, None]
        return (x @ self.item_factors[items].T.astype(np.float64)).astype(np.float32)

    def _user_factors(self, histories: sparse.csr_matrix) -> np.ndarray:
        return self._solver.recalculate_user(np.arange(histories.shape[0]), histories)


class BPRRetriever(_FactorizationRetriever):
    """Bayesian personalised ranking (Rendle et al. 2009)."""

    name = "bpr"
    config_class = BPRConfig
    config: BPRConfig

    def _new_model(self) -> BayesianPersonalizedRanking:
        return BayesianPersonalizedRanking(
            factors=self.config.factors,
            learning_rate=self.config.learning_rate,
            regularization=self.config.regularization,
            iterations=self.config.iterations,
            random_state=self.config.random_state,
            num_threads=self.config.num_threads,
        )

    def _user_factors(self, histories: sparse.csr_matrix) -> np.ndarray:
        lengths = np.asarray(histories.sum(axis=1)).ravel()
        mean = sparse.diags(1.0 / np.maximum(lengths, 1.0)) @ histories
        # implicit's BPR keeps the item bias in the last factor column, paired with a
        # constant 1 in every user vector; users without history get all zeros.
        users = np.zeros((histories.shape[0], self.item_factors.shape[1]), dtype=np.float32)
        users[:, :-1] = mean @ self.item_factors[:, :-1]
        users[:, -1] = lengths > 0
        return users
