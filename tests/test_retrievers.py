"""The baseline retrievers: conformance, known answers on hand-checkable data, Beauty sanity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopsense.data import DataError, Dataset
from shopsense.data.splits import leave_one_out
from shopsense.ranking.registry import RECOMMENDERS, create, expand_models
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.cooccurrence import CooccurrenceRetriever
from shopsense.retrieval.history import history_matrix
from shopsense.retrieval.itemknn import ItemKNNRetriever
from shopsense.retrieval.matrix_factorization import ALSRetriever, BPRRetriever
from shopsense.retrieval.popularity import PopularityRetriever
from shopsense.testing import RetrieverConformance

BASELINES = ["popularity", "cooccurrence", "itemknn", "als", "bpr"]


class TestPopularityConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return PopularityRetriever()


class TestCooccurrenceConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return CooccurrenceRetriever()


class TestItemKNNConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return ItemKNNRetriever(neighbours=5)


class TestALSConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return ALSRetriever(factors=8, iterations=5, random_state=3)


class TestBPRConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return BPRRetriever(factors=8, iterations=20, random_state=3)


def _ids(dataset: Dataset, indices: np.ndarray) -> list[str]:
    return [str(dataset.item_ids[i]) for i in indices]


def _blocks() -> Dataset:
    """Two shopper groups that never share an item: items 0-4 and items 5-9."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(40):
        block = np.arange(5) + 5 * (user % 2)
        rows += [(f"u{user}", f"i{item}") for item in rng.permutation(block)[:4]]
    return Dataset(
        items=pl.DataFrame({"item_id": [f"i{i}" for i in range(10)]}),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id"], orient="row"),
    )


# ---- popularity ------------------------------------------------------------------------------
def test_popularity_known_order(tiny_dataset: Dataset) -> None:
    retriever = PopularityRetriever().fit(tiny_dataset)
    ids, scores = retriever.recommend(UserContext(), k=6)
    ranked = _ids(tiny_dataset, ids)
    # Counts: c 4, a 3, b 3, d 2, e 2, f 1.
    assert ranked[0] == "c" and set(ranked[1:3]) == {"a", "b"}
    assert set(ranked[3:5]) == {"d", "e"} and ranked[5] == "f"
    np.testing.assert_allclose(np.round(scores), [4, 3, 3, 2, 2, 1])


def test_popularity_same_list_for_everyone_minus_exclusions(tiny_dataset: Dataset) -> None:
    retriever = PopularityRetriever().fit(tiny_dataset)
    everyone, _ = retriever.recommend(UserContext.of([0, 1]), k=6)
    excluded, _ = retriever.recommend(UserContext.of([0, 1]), k=6, exclude=[2])
    np.testing.assert_array_equal(excluded, everyone[everyone != 2])


def _timed_dataset() -> Dataset:
    """Item `old` has three interactions 100 days ago; item `new` has two from today."""
    today = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [(f"u{n}", "old", today - timedelta(days=100)) for n in range(3)]
    rows += [(f"u{n}", "new", today) for n in range(2)]
    return Dataset(
        items=pl.DataFrame({"item_id": ["old", "new"]}),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id", "timestamp"], orient="row"),
    )


def test_popularity_half_life_favours_recent_interactions() -> None:
    dataset = _timed_dataset()
    plain = PopularityRetriever().fit(dataset).recommend(UserContext(), k=1)[0]
    recent = PopularityRetriever(half_life_days=30).fit(dataset).recommend(UserContext(), k=2)
    assert _ids(dataset, plain) == ["old"]
    assert _ids(dataset, recent[0]) == ["new", "old"]
    np.testing.assert_allclose(recent[1], [2.0, 3 * 2 ** (-100 / 30)], rtol=1e-4)


def test_popularity_half_life_without_timestamps_is_a_clear_error(tiny_dataset: Dataset) -> None:
    with pytest.raises(DataError, match="timestamp"):
        PopularityRetriever(half_life_days=7).fit(tiny_dataset)


def test_popularity_kind_weighting_prefers_purchases() -> None:
    rows = [("u1", "viewed", "view"), ("u2", "viewed", "view"), ("u3", "bought", "purchase")]
    dataset = Dataset(
        items=pl.DataFrame({"item_id": ["viewed", "bought"]}),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id", "kind"], orient="row"),
    )
    ids, _ = PopularityRetriever(weighting="kind").fit(dataset).recommend(UserContext(), k=1)
    assert _ids(dataset, ids) == ["bought"]


# ---- co-occurrence ---------------------------------------------------------------------------
def test_cooccurrence_recommends_the_item_that_always_follows(tiny_dataset: Dataset) -> None:
    retriever = CooccurrenceRetriever().fit(tiny_dataset)
    b = tiny_dataset.item_index["b"]
    ids, _ = retriever.recommend(UserContext.of([b]), k=1, exclude=[b])
    assert _ids(tiny_dataset, ids) == ["c"]


def test_cooccurrence_directional_looks_only_forward(tiny_dataset: Dataset) -> None:
    # Only u4 has anything after d: "d e f". Before d came a, b, c, which must not count.
    retriever = CooccurrenceRetriever(backward_weight=0.0, alpha=0.0, beta=0.0)
    retriever.fit(tiny_dataset)
    d = tiny_dataset.item_index["d"]
    scores = retriever.score([UserContext.of([d])])[0]
    assert _ids(tiny_dataset, np.flatnonzero(scores)) == ["e", "f"]
    assert scores[tiny_dataset.item_index["e"]] > scores[tiny_dataset.item_index["f"]]


def test_cooccurrence_closer_pairs_count_more(tiny_dataset: Dataset) -> None:
    retriever = CooccurrenceRetriever(distance_decay=0.5, backward_weight=0.0, alpha=0.0, beta=0.0)
    scores = retriever.fit(tiny_dataset).score([UserContext.of([tiny_dataset.item_index["a"]])])[0]
    by_id = dict(zip(tiny_dataset.item_ids, scores, strict=True))
    # a->b at distance 1 twice; a->c at distance 2 twice and distance 1 once (u4).
    assert by_id["b"] == pytest.approx(2.0)
    assert by_id["c"] == pytest.approx(2 * 0.5 + 1.0)
    assert by_id["d"] == pytest.approx(0.25 + 0.5)


def test_cooccurrence_recent_history_weighs_more(tiny_dataset: Dataset) -> None:
    retriever = CooccurrenceRetriever(backward_weight=0.0, window=1, history_decay=0.5)
    retriever.fit(tiny_dataset)
    index = tiny_dataset.item_index
    # After a comes b; after d comes e. The latest history entry decides.
    history = [index["a"], index["d"]]
    ids, _ = retriever.recommend(UserContext.of(history), k=1, exclude=history)
    assert _ids(tiny_dataset, ids) == ["e"]
    ids, _ = retriever.recommend(UserContext.of(history[::-1]), k=1, exclude=history)
    assert _ids(tiny_dataset, ids) == ["b"]


# ---- item kNN --------------------------------------------------------------------------------
def test_itemknn_cosine_with_shrinkage(tiny_dataset: Dataset) -> None:
    retriever = ItemKNNRetriever(shrinkage=0.0).fit(tiny_dataset)
    index = tiny_dataset.item_index
    scores = retriever.score([UserContext.of([index["b"]])])[0]
    # b's users {u1,u2,u3}; c's {u1..u4}; a's {u1,u2,u4}.
    assert scores[index["c"]] == pytest.approx(3 / np.sqrt(12), rel=1e-5)
    assert scores[index["a"]] == pytest.approx(2 / 3, rel=1e-5)
    assert scores[index["b"]] == 0.0
    shrunk = ItemKNNRetriever(shrinkage=6.0).fit(tiny_dataset)
    assert shrunk.score([UserContext.of([index["b"]])])[0, index["c"]] == pytest.approx(
        3 / (np.sqrt(12) + 6.0), rel=1e-5
    )


def test_itemknn_keeps_top_neighbours_only(tiny_dataset: Dataset) -> None:
    retriever = ItemKNNRetriever(neighbours=1).fit(tiny_dataset)
    assert np.all(np.diff(retriever.similarity.indptr) <= 1)


# ---- shared behaviour of the personalised baselines -----------------------------------------
@pytest.mark.parametrize(
    "retriever",
    [
        ItemKNNRetriever(),
        ALSRetriever(factors=4, iterations=10),
        BPRRetriever(factors=4, iterations=50),
    ],
    ids=["itemknn", "als", "bpr"],
)
def test_history_in_one_group_recommends_that_group(retriever: Retriever) -> None:
    dataset = _blocks()
    ids, _ = retriever.fit(dataset).recommend(UserContext.of([0, 1]), k=3, exclude=[0, 1])
    assert set(ids.tolist()) <= {2, 3, 4}
    ids, _ = retriever.recommend(UserContext.of([7]), k=4, exclude=[7])
    assert set(ids.tolist()) == {5, 6, 8, 9}


@pytest.mark.parametrize("name", ["cooccurrence", "itemknn", "als", "bpr"])
def test_empty_history_scores_zero_and_falls_back_to_popularity(
    name: str, tiny_dataset: Dataset
) -> None:
    retriever = create(name).fit(tiny_dataset)
    assert not retriever.score([UserContext()]).any()
    popular, _ = PopularityRetriever().fit(tiny_dataset).recommend(UserContext(), k=6)
    np.testing.assert_array_equal(retriever.recommend(UserContext(), k=6)[0], popular)


def test_als_folds_in_an_unknown_user_like_a_known_one(tiny_dataset: Dataset) -> None:
    retriever = ALSRetriever(factors=4, iterations=5).fit(tiny_dataset)
    history = tiny_dataset.sequences[0]
    known = retriever.score([UserContext.of(history, user_id="u1")])
    unknown = retriever.score([UserContext.of(history, user_id="someone-else")])
    np.testing.assert_array_equal(known, unknown)


@pytest.mark.parametrize("name", ["cooccurrence", "itemknn", "als", "bpr"])
def test_history_outside_catalogue_is_a_clear_error(name: str, tiny_dataset: Dataset) -> None:
    retriever = create(name).fit(tiny_dataset)
    with pytest.raises(DataError, match="history"):
        retriever.score([UserContext.of([0, 99])])


def test_registry_names_match_classes() -> None:
    for name in BASELINES:
        assert create(name).name == name
    assert set(BASELINES) <= set(RECOMMENDERS.classes)


def test_presets_are_configured_models() -> None:
    assert create("sasrec-id").config.item_representation == "id"
    assert create("sasrec-id", hidden=16).config.hidden == 16
    assert expand_models("best,best-id,baselines")[:2] == ["best", "best-id"]
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        expand_models("best,nope")


def test_history_matrix_weights_recent_entries_more() -> None:
    matrix = history_matrix([UserContext.of([2, 0, 2]), UserContext()], 3, decay=0.5).toarray()
    np.testing.assert_allclose(matrix, [[0.5, 0.0, 1.25], [0.0, 0.0, 0.0]])
    binary = history_matrix([UserContext.of([2, 0, 2])], 3, max_length=1, binary=True)
    np.testing.assert_allclose(binary.toarray(), [[0.0, 0.0, 1.0]])


# ---- real data -------------------------------------------------------------------------------
@pytest.mark.slow
def test_cooccurrence_beats_popularity_on_beauty(shared_data: Path) -> None:
    from shopsense.data.loaders import load

    split = leave_one_out(load(shared_data / "amazon-beauty-2014-5core"))
    cases = split.test.subset(np.arange(len(split.test)) % 10 == 0)
    contexts = [UserContext(history=history) for history in cases.histories]
    hits = {}
    for retriever in (PopularityRetriever(), CooccurrenceRetriever()):
        ids, _ = retriever.fit(split.train).recommend_batch(contexts, 10, cases.histories)
        hits[retriever.name] = np.mean(
            [t in top for t, top in zip(cases.targets, ids, strict=True)]
        )
    assert hits["cooccurrence"] > 3 * hits["popularity"] > 0
