"""Conformance checks every retriever must pass, as a pytest mixin.

Reuse it from any test module::

    from retrieval_conformance import RetrieverConformance

    class TestMyRetriever(RetrieverConformance):
        def make_retriever(self) -> Retriever:
            return MyRetriever(small_setting=1)

Each check is its own test. The data is `conformance_dataset()` (sequences with structure,
item text, one item nobody interacted with); override the `conformance_data` fixture to use
other data (at least 12 items). Checks that are specific to a model (known answers) belong in
the model's tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from shopsense.data import Dataset
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.registry import retriever_class

N_ITEMS = 24


def conformance_dataset(seed: int = 7) -> Dataset:
    """Sixty users walking through three groups of seven items mostly in order, so sequential
    and co-occurrence structure exist; items carry titles, descriptions, brands, categories
    and prices for content models. The last item is in the catalogue but never interacted with.
    """
    rng = np.random.default_rng(seed)
    groups = [np.arange(0, 7), np.arange(7, 14), np.arange(14, 21)]
    rows = []
    for user in range(60):
        group = groups[user % 3]
        start = int(rng.integers(0, 3))
        length = int(rng.integers(3, 7))
        items = list(group[start : start + length])
        if rng.random() < 0.3:
            items.append(int(rng.integers(0, N_ITEMS - 1)))
        rows += [(f"user{user}", f"item{item}") for item in items]
    # Item 21 and 22 are rare; they keep some popularity differences in the catalogue tail.
    rows += [("user0", "item21"), ("user1", "item22"), ("user2", "item21")]
    kinds = ["serum", "lipstick", "shampoo"]
    return Dataset(
        items=pl.DataFrame(
            {
                "item_id": [f"item{i}" for i in range(N_ITEMS)],
                "title": [f"{kinds[min(i // 7, 2)]} number {i}" for i in range(N_ITEMS)],
                "description": [
                    f"A {kinds[min(i // 7, 2)]} for daily use." for i in range(N_ITEMS)
                ],
                "brand": [f"brand{i % 4}" for i in range(N_ITEMS)],
                "categories": [["beauty", kinds[min(i // 7, 2)]] for i in range(N_ITEMS)],
                "price": [5.0 + i for i in range(N_ITEMS)],
            }
        ),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id"], orient="row"),
        name="conformance",
        synthetic=True,
    )


class RetrieverConformance:
    """Mixin of conformance tests; subclasses implement `make_retriever`."""

    def make_retriever(self) -> Retriever:
        """A new, unfitted retriever with a seed and settings small enough for tiny data."""
        raise NotImplementedError

    @pytest.fixture
    def conformance_data(self) -> Dataset:
        return conformance_dataset()

    @pytest.fixture
    def fitted(self, conformance_data: Dataset) -> Retriever:
        return self.make_retriever().fit(conformance_data)

    @pytest.fixture
    def contexts(self, conformance_data: Dataset) -> list[UserContext]:
        """Typical request contexts: known users' histories, an anonymous visitor, an empty one."""
        sequences = conformance_data.sequences
        return [
            UserContext.of(sequences[0], user_id=str(conformance_data.user_ids[0])),
            UserContext.of(sequences[1][:2], user_id="never-seen-before"),
            UserContext.of([8, 9]),
            UserContext(),
        ]

    # ---- the protocol's shape --------------------------------------------------------------
    def test_registered_under_its_name(self) -> None:
        retriever = self.make_retriever()
        assert retriever_class(retriever.name) is type(retriever)

    def test_config_rejects_unknown_keys(self) -> None:
        with pytest.raises(ValidationError):
            type(self.make_retriever())(no_such_setting=1)

    def test_unfitted_retriever_refuses_to_score(self) -> None:
        with pytest.raises(RuntimeError, match="not fitted"):
            self.make_retriever().recommend(UserContext.of([0]))

    def test_scores_shape(self, fitted: Retriever, contexts: list[UserContext]) -> None:
        scores = fitted.score(contexts)
        assert scores.shape == (len(contexts), fitted.n_items)
        assert np.issubdtype(scores.dtype, np.floating)
        assert np.isfinite(scores).all()

    def test_scores_of_some_items_match_all_scores(
        self, fitted: Retriever, contexts: list[UserContext]
    ) -> None:
        items = np.array([fitted.n_items - 1, 0, 3, 3])
        np.testing.assert_allclose(
            fitted.score_items(contexts, items),
            fitted.score(contexts)[:, items],
            rtol=1e-6,
            atol=1e-7,
        )

    def test_recommendations_are_valid_and_sorted(
        self, fitted: Retriever, contexts: list[UserContext]
    ) -> None:
        for context in contexts:
            ids, scores = fitted.recommend(context, k=5)
            _assert_valid(ids, scores, 5, fitted.n_items)

    def test_batch_matches_single(self, fitted: Retriever, contexts: list[UserContext]) -> None:
        batch_ids, batch_scores = fitted.recommend_batch(contexts, k=6)
        for context, ids, scores in zip(contexts, batch_ids, batch_scores, strict=True):
            single_ids, single_scores = fitted.recommend(context, k=6)
            np.testing.assert_array_equal(ids, single_ids)
            np.testing.assert_allclose(scores, single_scores, rtol=1e-6)

    # ---- users the model has not seen ------------------------------------------------------
    def test_unknown_user_with_history(self, fitted: Retriever) -> None:
        context = UserContext.of([0, 1], user_id="not-in-the-data")
        ids, scores = fitted.recommend(context, k=5, exclude=[0, 1])
        _assert_valid(ids, scores, 5, fitted.n_items)
        assert not set(ids.tolist()) & {0, 1}

    def test_empty_history_returns_k_items(self, fitted: Retriever) -> None:
        for context in (UserContext(), UserContext(user_id="anonymous")):
            ids, scores = fitted.recommend(context, k=7)
            _assert_valid(ids, scores, 7, fitted.n_items)

    def test_unseen_item_in_history(self, fitted: Retriever, conformance_data: Dataset) -> None:
        unseen = np.flatnonzero(conformance_data.item_popularity == 0)
        if len(unseen) == 0:
            pytest.skip("the conformance data has no item without interactions")
        history = [int(unseen[0]), 3]
        ids, scores = fitted.recommend(UserContext.of(history), k=5, exclude=history)
        _assert_valid(ids, scores, 5, fitted.n_items)

    # ---- exclusion and catalogue size ------------------------------------------------------
    def test_excluded_items_never_returned(self, fitted: Retriever) -> None:
        history = [0, 1, 2]
        exclude = history + [5, 7, 11]
        ids, _ = fitted.recommend(UserContext.of(history), k=fitted.n_items, exclude=exclude)
        assert not set(ids.tolist()) & set(exclude)
        assert len(ids) == fitted.n_items - len(exclude)

    def test_k_larger_than_catalogue(self, fitted: Retriever) -> None:
        ids, scores = fitted.recommend(UserContext.of([0, 1]), k=fitted.n_items + 10)
        assert sorted(ids.tolist()) == list(range(fitted.n_items))
        assert np.all(np.diff(scores) <= 0)

    def test_exclude_everything_returns_nothing(self, fitted: Retriever) -> None:
        ids, scores = fitted.recommend(UserContext.of([0]), k=5, exclude=np.arange(fitted.n_items))
        assert len(ids) == 0 and len(scores) == 0

    # ---- persistence and reproducibility ---------------------------------------------------
    def test_save_load_round_trip(
        self, fitted: Retriever, contexts: list[UserContext], tmp_path: Path
    ) -> None:
        loaded = Retriever.load(fitted.save(tmp_path / "model"))
        assert type(loaded) is type(fitted)
        assert loaded.config == fitted.config
        before_ids, before_scores = fitted.recommend_batch(contexts, k=fitted.n_items)
        after_ids, after_scores = loaded.recommend_batch(contexts, k=fitted.n_items)
        for ids, scores, again_ids, again_scores in zip(
            before_ids, before_scores, after_ids, after_scores, strict=True
        ):
            np.testing.assert_array_equal(ids, again_ids)
            np.testing.assert_allclose(scores, again_scores, rtol=1e-6)

    def test_deterministic_with_seed(
        self, conformance_data: Dataset, contexts: list[UserContext]
    ) -> None:
        first = self.make_retriever().fit(conformance_data)
        second = self.make_retriever().fit(conformance_data)
        np.testing.assert_allclose(first.score(contexts), second.score(contexts), rtol=1e-6)
        first_ids, _ = first.recommend_batch(contexts, k=first.n_items)
        second_ids, _ = second.recommend_batch(contexts, k=first.n_items)
        for ids, again in zip(first_ids, second_ids, strict=True):
            np.testing.assert_array_equal(ids, again)


def _assert_valid(ids: np.ndarray, scores: np.ndarray, k: int, n_items: int) -> None:
    """`k` distinct catalogue items with finite scores, best first."""
    assert len(ids) == k == len(scores)
    assert np.issubdtype(ids.dtype, np.integer)
    assert len(set(ids.tolist())) == k
    assert ids.min() >= 0 and ids.max() < n_items
    assert np.isfinite(scores).all()
    assert np.all(np.diff(scores) <= 0)
