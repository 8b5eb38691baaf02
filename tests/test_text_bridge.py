"""Text bridge: items without interactions borrow the co-occurrence of the items they read like."""

from __future__ import annotations

import numpy as np
import pytest

from shopsense.ranking.registry import create
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.text_bridge import TextBridgeRetriever, text_neighbours
from shopsense.testing import RetrieverConformance, conformance_dataset
from shopsense.text import EncoderConfig

#: In `conformance_dataset()` the last item ("shampoo number 23") has no interactions; the
#: shampoos 14-20 are bought together, the serums 0-6 together.
NEW_ITEM = 23


class TestTextBridgeConformance(RetrieverConformance):
    @pytest.fixture(autouse=True)
    def _session_cache(self, encoder_config: EncoderConfig) -> None:
        self.encoder_config = encoder_config

    def make_retriever(self) -> Retriever:
        return TextBridgeRetriever(encoder=self.encoder_config, neighbours=3)


@pytest.fixture(scope="module")
def bridge(encoder_config: EncoderConfig) -> TextBridgeRetriever:
    return TextBridgeRetriever(encoder=encoder_config, neighbours=3).fit(conformance_dataset())


def test_registered_under_bridge(encoder_config: EncoderConfig) -> None:
    assert isinstance(create("bridge", encoder=encoder_config), TextBridgeRetriever)


def test_new_item_reaches_the_shoppers_of_the_items_it_reads_like(bridge) -> None:
    shampoo_buyer, serum_buyer = UserContext.of([14, 15, 16]), UserContext.of([0, 1, 2])
    scores = bridge.score([shampoo_buyer, serum_buyer])
    assert scores[0, NEW_ITEM] > 0
    assert scores[0, NEW_ITEM] > scores[1, NEW_ITEM]


def test_items_with_interactions_are_left_to_cooccurrence(bridge) -> None:
    scores = bridge.score([UserContext.of([14, 15, 16])])
    assert np.all(scores[0, :NEW_ITEM] == 0)


def test_text_neighbours_link_only_new_items_to_known_ones() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6], [0.0, 0.0]], dtype=np.float32)
    known = np.array([True, True, False, False])
    links = text_neighbours(vectors, known, k=1).toarray()
    # Item 2 reads most like item 0; item 3 has no text and links nowhere; known rows are empty.
    np.testing.assert_allclose(links[2], [0.8, 0.0, 0.0, 0.0], rtol=1e-6)
    assert not links[[0, 1, 3]].any()
