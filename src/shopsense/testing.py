"""Conformance checks every retriever must pass, for ShopSense's retrievers and for yours.

The checks cover the retriever protocol (`shopsense.retrieval.Retriever`): score shapes,
sorted and valid recommendations, batch = single, unknown users, empty histories, an item
nobody interacted with, exclusion of seen items, `k` beyond the catalogue, save/load round
trip, determinism under a seed, unknown config keys and the "not fitted" error. They run on
`conformance_dataset()`, tiny generated data built in here (no files needed).

Check a retriever in one call; it raises `AssertionError` listing every failed check::

    from shopsense.testing import check_retriever

    check_retriever(MyRetriever(neighbours=5))  # an unfitted retriever; copies are fitted

Or, with pytest, get one test per check by subclassing the mixin (the class name must start
with `Test` for pytest to collect it)::

    from shopsense.testing import RetrieverConformance

    class TestMyRetriever(RetrieverConformance):
        registry = None  # your retriever is not registered under a ShopSense model name

        def make_retriever(self) -> Retriever:
            return MyRetriever(neighbours=5)

Override `conformance_data` to check on other data (at least 12 items). pytest is not needed
to import this module; the mixin asks for it only to report a skipped check. Checks that are
specific to a model (known answers) belong in that model's own tests.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import get_args

import numpy as np
import polars as pl
from pydantic import ValidationError

from shopsense.data.dataset import Dataset
from shopsense.ranking.registry import RECOMMENDERS
from shopsense.retrieval.base import Retriever, UserContext
from shopsense.retrieval.explanation import Basis
from shopsense.retrieval.registry import Registry

__all__ = ["CHECKS", "RetrieverConformance", "check_retriever", "conformance_dataset"]

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
    """The conformance checks as `test_*` methods; subclasses implement `make_retriever`.

    Each check fits its own retriever (once per instance, and pytest makes one instance per
    test), so checks do not share state.
    """

    #: The registry the retriever's `name` must resolve to its class in; None skips that check
    #: (a retriever of your own, not registered under a ShopSense model name).
    registry: Registry | None = RECOMMENDERS

    def make_retriever(self) -> Retriever:
        """A new, unfitted retriever with a seed and settings small enough for tiny data."""
        raise NotImplementedError

    def conformance_data(self) -> Dataset:
        """The data the checks fit and query on (default: `conformance_dataset()`)."""
        return conformance_dataset()

    # ---- what the checks share (built on first use, kept per instance) ----------------------
    @cached_property
    def _data(self) -> Dataset:
        return self.conformance_data()

    @cached_property
    def _fitted(self) -> Retriever:
        return self.make_retriever().fit(self._data)

    def data(self) -> Dataset:
        return self._data

    def fitted(self) -> Retriever:
        return self._fitted

    def contexts(self) -> list[UserContext]:
        """Typical request contexts: known users' histories, an anonymous visitor, an empty one."""
        data = self.data()
        sequences = data.sequences
        return [
            UserContext.of(sequences[0], user_id=str(data.user_ids[0])),
            UserContext.of(sequences[1][:2], user_id="never-seen-before"),
            UserContext.of([8, 9]),
            UserContext(),
        ]

    def _skip(self, reason: str) -> None:
        import pytest  # only a check that does not apply asks for it

        pytest.skip(reason)

    # ---- the protocol's shape --------------------------------------------------------------
    def test_registered_under_its_name(self) -> None:
        retriever = self.make_retriever()
        if self.registry is None:
            self._skip("no registry to look the retriever's name up in")
            return
        assert self.registry.retriever_class(retriever.name) is type(retriever)

    def test_config_rejects_unknown_keys(self) -> None:
        with _raises(ValidationError):
            type(self.make_retriever())(no_such_setting=1)

    def test_unfitted_retriever_refuses_to_score(self) -> None:
        with _raises(RuntimeError, match="not fitted"):
            self.make_retriever().recommend(UserContext.of([0]))

    def test_scores_shape(self) -> None:
        fitted, contexts = self.fitted(), self.contexts()
        scores = fitted.score(contexts)
        assert scores.shape == (len(contexts), fitted.n_items)
        assert np.issubdtype(scores.dtype, np.floating)
        assert np.isfinite(scores).all()

    def test_scores_of_some_items_match_all_scores(self) -> None:
        fitted, contexts = self.fitted(), self.contexts()
        items = np.array([fitted.n_items - 1, 0, 3, 3])
        np.testing.assert_allclose(
            fitted.score_items(contexts, items),
            fitted.score(contexts)[:, items],
            rtol=1e-6,
            atol=1e-7,
        )

    def test_recommendations_are_valid_and_sorted(self) -> None:
        fitted = self.fitted()
        for context in self.contexts():
            ids, scores = fitted.recommend(context, k=5)
            _assert_valid(ids, scores, 5, fitted.n_items)

    def test_batch_matches_single(self) -> None:
        fitted, contexts = self.fitted(), self.contexts()
        batch_ids, batch_scores = fitted.recommend_batch(contexts, k=6)
        for context, ids, scores in zip(contexts, batch_ids, batch_scores, strict=True):
            single_ids, single_scores = fitted.recommend(context, k=6)
            np.testing.assert_array_equal(ids, single_ids)
            np.testing.assert_allclose(scores, single_scores, rtol=1e-6)

    # ---- users the model has not seen ------------------------------------------------------
    def test_unknown_user_with_history(self) -> None:
        fitted = self.fitted()
        context = UserContext.of([0, 1], user_id="not-in-the-data")
        ids, scores = fitted.recommend(context, k=5, exclude=[0, 1])
        _assert_valid(ids, scores, 5, fitted.n_items)
        assert not set(ids.tolist()) & {0, 1}

    def test_empty_history_returns_k_items(self) -> None:
        fitted = self.fitted()
        for context in (UserContext(), UserContext(user_id="anonymous")):
            ids, scores = fitted.recommend(context, k=7)
            _assert_valid(ids, scores, 7, fitted.n_items)

    def test_unseen_item_in_history(self) -> None:
        unseen = np.flatnonzero(self.data().item_popularity == 0)
        if len(unseen) == 0:
            self._skip("the conformance data has no item without interactions")
            return
        fitted = self.fitted()
        history = [int(unseen[0]), 3]
        ids, scores = fitted.recommend(UserContext.of(history), k=5, exclude=history)
        _assert_valid(ids, scores, 5, fitted.n_items)

    # ---- exclusion and catalogue size ------------------------------------------------------
    def test_excluded_items_never_returned(self) -> None:
        fitted = self.fitted()
        history = [0, 1, 2]
        exclude = history + [5, 7, 11]
        ids, _ = fitted.recommend(UserContext.of(history), k=fitted.n_items, exclude=exclude)
        assert not set(ids.tolist()) & set(exclude)
        assert len(ids) == fitted.n_items - len(exclude)

    def test_k_larger_than_catalogue(self) -> None:
        fitted = self.fitted()
        ids, scores = fitted.recommend(UserContext.of([0, 1]), k=fitted.n_items + 10)
        assert sorted(ids.tolist()) == list(range(fitted.n_items))
        assert np.all(np.diff(scores) <= 0)

    def test_exclude_everything_returns_nothing(self) -> None:
        fitted = self.fitted()
        ids, scores = fitted.recommend(UserContext.of([0]), k=5, exclude=np.arange(fitted.n_items))
        assert len(ids) == 0 and len(scores) == 0

    # ---- explanations ----------------------------------------------------------------------
    def test_explanations_cover_each_recommended_item(self) -> None:
        fitted = self.fitted()
        for context in self.contexts():
            ids, _ = fitted.recommend(context, k=4, exclude=context.history)
            _, [evidence] = fitted.score_with_evidence([context])
            explanations = fitted.explain(context, ids, evidence)
            assert [explanation.item for explanation in explanations] == ids.tolist()
            # Evidence gathered while scoring explains exactly as recomputing it would.
            assert explanations == fitted.explain(context, ids)
            history = set(context.history.tolist())
            for explanation in explanations:
                assert explanation.basis in get_args(Basis)
                assert explanation.because is None or explanation.because in history

    # ---- persistence and reproducibility ---------------------------------------------------
    def test_save_load_round_trip(self) -> None:
        fitted, contexts = self.fitted(), self.contexts()
        with tempfile.TemporaryDirectory() as directory:
            loaded = Retriever.load(fitted.save(Path(directory) / "model"))
            assert type(loaded) is type(fitted)
            assert loaded.config == fitted.config
            before_ids, before_scores = fitted.recommend_batch(contexts, k=fitted.n_items)
            after_ids, after_scores = loaded.recommend_batch(contexts, k=fitted.n_items)
        for ids, scores, again_ids, again_scores in zip(
            before_ids, before_scores, after_ids, after_scores, strict=True
        ):
            np.testing.assert_array_equal(ids, again_ids)
            np.testing.assert_allclose(scores, again_scores, rtol=1e-6)

    def test_deterministic_with_seed(self) -> None:
        data, contexts = self.data(), self.contexts()
        first = self.make_retriever().fit(data)
        second = self.make_retriever().fit(data)
        np.testing.assert_allclose(first.score(contexts), second.score(contexts), rtol=1e-6)
        first_ids, _ = first.recommend_batch(contexts, k=first.n_items)
        second_ids, _ = second.recommend_batch(contexts, k=first.n_items)
        for ids, again in zip(first_ids, second_ids, strict=True):
            np.testing.assert_array_equal(ids, again)


#: The checks, in the order they are declared (and run by `check_retriever`).
CHECKS: tuple[str, ...] = tuple(
    name for name in vars(RetrieverConformance) if name.startswith("test_")
)


def check_retriever(
    retriever: Retriever, data: Dataset | None = None, registry: Registry | None = None
) -> list[str]:
    """Run every conformance check on copies of the unfitted `retriever` (same class, same
    config), on `data` (default `conformance_dataset()`); `registry`, where given, must map
    the retriever's `name` to its class. Returns the checks that ran; raises `AssertionError`
    naming each check that failed and why. Needs no pytest."""
    template = retriever

    class _Checks(RetrieverConformance):
        def make_retriever(self) -> Retriever:
            return type(template)(template.config)

        def conformance_data(self) -> Dataset:
            return data if data is not None else conformance_dataset()

        def _skip(self, reason: str) -> None:
            raise _Skipped(reason)

    checks = _Checks()
    checks.registry = registry
    ran, failures = [], []
    for name in CHECKS:
        try:
            getattr(checks, name)()
        except _Skipped:
            continue
        except Exception as error:  # a check fails on any error, not only a failed assert
            failures.append(f"{name}: {type(error).__name__}: {error}".strip())
            continue
        ran.append(name)
    if failures:
        raise AssertionError(
            f"{type(retriever).__name__} fails {len(failures)} of {len(CHECKS)} conformance "
            "checks:\n" + "\n".join(failures)
        )
    return ran


class _Skipped(Exception):
    """A check that does not apply (under `check_retriever`)."""


@contextmanager
def _raises(expected: type[BaseException], match: str | None = None) -> Iterator[None]:
    """Assert that the block raises `expected` (with `match` in its message)."""
    try:
        yield
    except expected as error:
        if match is not None and not re.search(match, str(error)):
            raise AssertionError(f"{error!r} does not match {match!r}") from error
    else:
        raise AssertionError(f"did not raise {expected.__name__}")


def _assert_valid(ids: np.ndarray, scores: np.ndarray, k: int, n_items: int) -> None:
    """`k` distinct catalogue items with finite scores, best first."""
    assert len(ids) == k == len(scores)
    assert np.issubdtype(ids.dtype, np.integer)
    assert len(set(ids.tolist())) == k
    assert ids.min() >= 0 and ids.max() < n_items
    assert np.isfinite(scores).all()
    assert np.all(np.diff(scores) <= 0)
