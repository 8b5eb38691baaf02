"""Content retriever: recommendations from text, new items and users, ANN requests, save/load."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from text_shop import CAMPING, RUNNING, shop_dataset

from shopsense.ranking.registry import create
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.content import ContentRetriever
from shopsense.testing import RetrieverConformance
from shopsense.text import EncoderConfig


class TestContentConformance(RetrieverConformance):
    @pytest.fixture(autouse=True)
    def _session_cache(self, encoder_config: EncoderConfig) -> None:
        self.encoder_config = encoder_config

    def make_retriever(self) -> Retriever:
        return ContentRetriever(encoder=self.encoder_config)


class TestContentHNSWConformance(TestContentConformance):
    def make_retriever(self) -> Retriever:
        return ContentRetriever(encoder=self.encoder_config, exact_up_to=0)


@pytest.fixture(scope="module")
def shop():
    return shop_dataset()


@pytest.fixture(scope="module")
def retriever(shop, encoder_config: EncoderConfig) -> ContentRetriever:
    return ContentRetriever(encoder=encoder_config).fit(shop)


@pytest.fixture(scope="module")
def hnsw_retriever(shop, encoder_config: EncoderConfig) -> ContentRetriever:
    return ContentRetriever(encoder=encoder_config, exact_up_to=0).fit(shop)


def _ids(shop, items: np.ndarray) -> set[str]:
    return {str(shop.item_ids[i]) for i in items}


def _history(shop, *ids: str) -> UserContext:
    return UserContext.of([shop.item_index[i] for i in ids])


def test_registered_under_content(encoder_config: EncoderConfig) -> None:
    assert isinstance(create("content", encoder=encoder_config), ContentRetriever)


def test_history_of_running_items_recommends_running_items(retriever, shop) -> None:
    user = _history(shop, "run1", "run2")
    ids, scores = retriever.recommend(user, k=2, exclude=user.history)
    assert _ids(shop, ids) <= RUNNING - {"run1", "run2"}
    assert np.all(np.diff(scores) <= 0)


def test_sentence_alone_recommends_matching_items_including_new_ones(retriever, shop) -> None:
    ids, _ = retriever.recommend(UserContext(text="I'm into trail running and ultralight camping"))
    assert _ids(shop, ids[:4]) <= RUNNING | CAMPING
    # kit3, nail1 and pen1 have no interactions; their text alone makes them recommendable.
    pans, _ = retriever.recommend(UserContext(text="a pan to fry eggs"), k=1)
    assert _ids(shop, pans) == {"kit3"}


def test_history_and_text_combine(retriever, shop) -> None:
    kitchen_user = _history(shop, "kit1")
    drifted = UserContext(history=kitchen_user.history, text="warm sleeping bag for winter")
    ids, _ = retriever.recommend(drifted, k=1, exclude=drifted.history)
    assert _ids(shop, ids) == {"camp2"}


def test_empty_context_falls_back_to_popularity(retriever, shop) -> None:
    ids, _ = retriever.recommend(UserContext(), k=3)
    assert shop.item_ids[ids[0]] == "run1"  # the only item two users touched
    assert np.all(shop.item_popularity[ids] >= 1)
    assert not retriever.score([UserContext()]).any()


def test_dense_scores_agree_with_recommend(retriever, shop) -> None:
    users = [_history(shop, "camp1"), UserContext(text="kitchen knife")]
    scores = retriever.score(users)
    assert scores.shape == (2, shop.n_items)
    ids, _ = retriever.recommend(users[1], k=3)
    assert ids.tolist() == np.argsort(-scores[1], kind="stable")[:3].tolist()


def test_exclusion_of_seen_items(retriever, shop) -> None:
    user = _history(shop, "run1", "run2", "run3")
    ids, _ = retriever.recommend(user, k=shop.n_items, exclude=user.history)
    assert len(ids) == shop.n_items - 3
    assert not set(ids.tolist()) & set(user.history.tolist())


def test_similar_items_and_vector_search(retriever, shop) -> None:
    tent = shop.item_index["camp1"]
    ids, scores = retriever.similar_items(tent, k=3)
    assert len(ids) == 3 and tent not in ids.tolist() and _ids(shop, ids[:1]) <= CAMPING
    assert np.all(np.diff(scores) <= 0)
    ids, scores = retriever.search_vector(retriever.item_vectors[tent], k=1)
    assert ids.tolist() == [tent] and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_hnsw_index_serves_single_requests_like_the_exact_scores(hnsw_retriever, shop) -> None:
    assert isinstance(hnsw_retriever.index, faiss.IndexHNSWFlat)
    user = UserContext(text="running shoes for a marathon")
    ids, _ = hnsw_retriever.recommend(user, k=4, exclude=[shop.item_index["run1"]])
    exact = np.argsort(-hnsw_retriever.score([user])[0], kind="stable")
    expected = [i for i in exact.tolist() if i != shop.item_index["run1"]][:4]
    assert ids.tolist() == expected
    assert _ids(shop, ids[:3]) == RUNNING - {"run1"}


@pytest.mark.parametrize("which", ["retriever", "hnsw_retriever"])
def test_save_load_round_trip(which: str, request, shop, tmp_path) -> None:
    fitted: ContentRetriever = request.getfixturevalue(which)
    users = [_history(shop, "camp1", "run1"), UserContext(text="blender for smoothies")]
    loaded = Retriever.load(fitted.save(tmp_path / which))
    assert isinstance(loaded, ContentRetriever)
    np.testing.assert_allclose(loaded.score(users), fitted.score(users), atol=1e-6)
    for user in users:
        np.testing.assert_array_equal(loaded.recommend(user, 5)[0], fitted.recommend(user, 5)[0])
    assert type(loaded.index) is type(fitted.index)
