"""The one-request scoring path gives the numbers the plain formulas give.

The serving path was made faster (per-item scores for explanations, ranks counted for the items
asked, mean and standard deviation in one pass, histories built without scipy's COO round
trip, the generator scores of a fused request computed once, small history products summed
from the touched rows, one-item contributions read straight from item-item matrices); these pin
it to the plain computations it replaced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from shopsense.data import Dataset
from shopsense.learning import LambdaMARTConfig
from shopsense.ranking.candidates import _mean_std, _top_per_row, score_generators
from shopsense.ranking.explain import _ranks
from shopsense.ranking.features import FeatureConfig
from shopsense.ranking.fusion import FusionRetriever
from shopsense.retrieval import Retriever, UserContext, top_k
from shopsense.retrieval import history as history_module
from shopsense.retrieval.capabilities import ReadsText
from shopsense.retrieval.dot_products import catalogue_scores
from shopsense.retrieval.history import history_matrix, history_scores
from shopsense.testing import conformance_dataset


def _scipy_history(users: list[UserContext], n_items: int, decay: float) -> np.ndarray:
    """The former construction: COO triplets, duplicates summed by scipy."""
    rows, cols, data = [], [], []
    for row, user in enumerate(users):
        for age, item in enumerate(np.asarray(user.history)[::-1]):
            rows.append(row), cols.append(int(item)), data.append(decay**age)
    matrix = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), (rows, cols)), shape=(len(users), n_items)
    )
    matrix.sum_duplicates()
    return matrix.toarray()


def test_history_matrix_equals_scipys_construction() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n_items = int(rng.integers(1, 40))
        users = [
            UserContext.of(rng.integers(0, n_items, int(rng.integers(0, 12))))
            for _ in range(int(rng.integers(0, 5)))
        ]
        built = history_matrix(users, n_items, decay=0.5)
        assert built.has_canonical_format and built.dtype == np.float32
        np.testing.assert_allclose(built.toarray(), _scipy_history(users, n_items, 0.5), rtol=1e-6)


@pytest.mark.parametrize("direct_limit", [10**9, 0])
def test_history_scores_are_scipys_product(
    direct_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summed from the touched rows (small products) or by scipy (large ones), the same."""
    monkeypatch.setattr(history_module, "DIRECT_PRODUCT_ENTRIES", direct_limit)
    rng = np.random.default_rng(4)
    for _ in range(50):
        n_items = int(rng.integers(1, 60))
        matrix = sparse.random(n_items, n_items, density=0.2, random_state=rng, format="csr")
        matrix = matrix.astype(np.float32)
        users = [
            UserContext.of(rng.integers(0, n_items, int(rng.integers(0, 8))))
            for _ in range(int(rng.integers(0, 4)))
        ]
        histories = history_matrix(users, n_items, decay=0.7)
        expected = (histories @ matrix).toarray()
        np.testing.assert_allclose(history_scores(histories, matrix), expected, rtol=1e-5)
        items = rng.integers(0, n_items, 7)  # repeats included
        np.testing.assert_allclose(
            history_scores(histories, matrix, items), expected[:, items], rtol=1e-5
        )


def test_mean_and_std_are_numpys_exactly() -> None:
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        scores = (rng.standard_normal((4, 5000)) * (rng.random((4, 5000)) < 0.1)).astype(dtype)
        mean, std = _mean_std(scores)
        np.testing.assert_array_equal(mean, scores.mean(axis=1, dtype=np.float64))
        np.testing.assert_array_equal(std, scores.std(axis=1, dtype=np.float64))


def test_top_per_row_is_a_stable_descending_sort() -> None:
    rng = np.random.default_rng(2)
    scores = np.round(rng.random((6, 300)), 2)  # many ties
    scores[scores < 0.3] = -np.inf
    top = _top_per_row(scores, 40)
    for row in range(len(scores)):
        order = np.argsort(-scores[row], kind="stable")[:40]
        expected = np.where(np.isfinite(scores[row, order]), order, -1)
        np.testing.assert_array_equal(top[row], expected)


def test_ranks_of_a_few_items_equal_a_full_stable_sort() -> None:
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(500), 2) * (rng.random(500) < 0.6)
    history = rng.integers(0, 500, 20)
    items = rng.integers(0, 500, 75)  # more than one chunk
    rows = np.stack([scores, np.round(rng.random(500), 1)])  # the second: many ties
    for row, ranks in zip(rows, _ranks(rows, history, items), strict=True):
        ranked = np.where(row != 0, row, -np.inf)
        ranked[history] = -np.inf
        full = np.empty(500, dtype=np.int64)
        full[np.argsort(-ranked, kind="stable")] = np.arange(500)
        np.testing.assert_array_equal(ranks, full[items])


@pytest.fixture(scope="module")
def data() -> Dataset:
    return conformance_dataset()


@pytest.fixture(scope="module")
def fusion(data: Dataset) -> FusionRetriever:
    """The default generators (text, ALS, item-kNN, co-occurrence, popularity), fast ranker."""
    ranker = LambdaMARTConfig(min_data_in_leaf=2, max_rounds=20, early_stopping_rounds=5, threads=1)
    return FusionRetriever(ranker=ranker, depth=6, features=FeatureConfig()).fit(data)


def test_every_generator_scores_a_few_items_as_it_scores_all(
    fusion: FusionRetriever, data: Dataset
) -> None:
    contexts = [UserContext.of(s) for s in data.sequences[:5]] + [UserContext.of([3])]
    items = np.array([0, 5, 5, 11, 20, data.n_items - 1])
    for name, generator in fusion.generators.items():
        np.testing.assert_allclose(
            generator.score_items(contexts, items),
            generator.score(contexts)[:, items],
            rtol=1e-6,
            atol=1e-7,
            err_msg=name,
        )


def test_every_generator_scores_history_items_alone_as_one_item_histories(
    fusion: FusionRetriever, data: Dataset
) -> None:
    """ALS's closed form solves in float64 where implicit's fold-in solves in float32."""
    history = np.array([4, 0, 17, 4, data.n_items - 1])
    items = np.array([1, 5, 5, data.n_items - 2, 2])
    for name, generator in fusion.generators.items():
        np.testing.assert_allclose(
            generator.score_alone(history, items),
            generator.score_items([UserContext.of([h]) for h in history], items),
            rtol=1e-4,
            atol=1e-6,
            err_msg=name,
        )


def test_fused_scores_come_with_the_generator_scores_behind_them(
    fusion: FusionRetriever, data: Dataset
) -> None:
    users = [UserContext.of(s) for s in data.sequences[:4]] + [UserContext()]
    scores, dense = fusion.score_with_generators(users)
    np.testing.assert_array_equal(scores, fusion.score(users))
    expected = score_generators(fusion.generators, fusion.config.generators, users)
    assert dense.keys() == expected.keys()
    for key, values in expected.items():
        np.testing.assert_array_equal(dense[key], values)


def test_explanations_from_given_generator_scores_are_the_same(
    fusion: FusionRetriever, data: Dataset
) -> None:
    for sequence in data.sequences[:6]:
        user = UserContext.of(sequence)
        items, _ = fusion.recommend(user, k=5, exclude=sequence)
        _, [evidence] = fusion.score_with_evidence([user])
        assert fusion.explain(user, items, evidence) == fusion.explain(user, items)


def test_catalogue_scores_equal_the_plain_product_for_one_and_many_users() -> None:
    rng = np.random.default_rng(4)
    table = rng.standard_normal((300, 16)).astype(np.float32)
    for users in (1, 2, 7, 64):
        vectors = rng.standard_normal((users, 16)).astype(np.float32)
        scores = catalogue_scores(vectors, table)
        assert scores.shape == (users, 300) and scores.dtype == np.float32
        np.testing.assert_allclose(scores, vectors @ table.T, rtol=1e-5, atol=1e-5)


def test_top_k_keeps_the_lowest_indices_among_ties_and_ranks_nan_as_minus_infinity() -> None:
    scores = np.array([0.5, np.nan, 0.9, 0.5, 0.5, -np.inf, 0.9])
    np.testing.assert_array_equal(top_k(scores, 4), [2, 6, 0, 3])
    np.testing.assert_array_equal(top_k(scores, 7), [2, 6, 0, 3, 4, 1, 5])
    assert top_k(scores, 0).shape == (0,)


def test_a_loaded_fusion_keeps_one_copy_of_the_item_vectors(
    fusion: FusionRetriever, data: Dataset, tmp_path: Path
) -> None:
    fusion.save(tmp_path / "fusion")
    loaded = Retriever.load(tmp_path / "fusion")
    assert isinstance(loaded, FusionRetriever) and loaded.features.item_vectors is not None
    holders = [g for g in loaded.generators.values() if isinstance(g, ReadsText)]
    assert any(loaded.features.item_vectors is g.item_vectors for g in holders)
    users = [UserContext.of(s) for s in data.sequences[:4]]
    np.testing.assert_array_equal(loaded.score(users), fusion.score(users))
