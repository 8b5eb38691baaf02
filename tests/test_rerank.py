"""The re-ranking stage on a tiny catalogue: page rules (same titles, brand cap), their interplay
with business rules, MMR and exploration, and the defaults that leave a clean list alone."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shopsense.data.schema import conform
from shopsense.ranking.rerank import (
    BusinessRules,
    Exposure,
    ItemSimilarity,
    RerankConfig,
    Reranker,
    explore,
    mmr,
    normalise_title,
)


def _catalogue() -> pl.DataFrame:
    """Ten items: 1 and 3 share 0's title (spelt differently), 7 is out of stock; brands A
    (0-5), B (6-8) and none (9)."""
    titles = [f"Item {i}" for i in range(10)]
    titles[1] = "  item 0 "
    titles[3] = "ITEM   0"
    attributes = ["{}"] * 10
    attributes[7] = '{"in_stock": false}'
    return conform(
        pl.DataFrame(
            {
                "item_id": [f"p{i}" for i in range(10)],
                "title": titles,
                "brand": ["A"] * 6 + ["b"] * 3 + [None],
                "categories": [["x"]] * 10,
                "price": [10.0] * 10,
                "attributes": attributes,
            }
        ),
        "items",
    )


POOL = np.arange(10)
SCORES = np.linspace(1.0, 0.1, 10)


def _page(config: RerankConfig, k: int = 5, history: list[int] | None = None) -> list[int]:
    reranker = Reranker(config, _catalogue())
    history_items = None if history is None else np.array(history)
    return POOL[reranker.select(POOL, SCORES, k, history_items)].tolist()


def test_titles_are_normalised() -> None:
    assert normalise_title("  Gridline 65W  USB-C Charger, Black ") == normalise_title(
        "gridline 65w usb-c charger, black"
    )
    assert normalise_title(None) == ""


def test_defaults_only_drop_repeated_titles() -> None:
    assert _page(RerankConfig(), k=5) == [0, 2, 4, 5, 6]
    # A pool without repeated titles keeps the ranker's order.
    reranker = Reranker(RerankConfig(), _catalogue())
    clean = np.array([0, 2, 4, 5, 6, 7, 8, 9])
    assert reranker.select(clean, np.linspace(1, 0, 8), 5).tolist() == [0, 1, 2, 3, 4]


def test_an_item_titled_like_a_history_item_is_not_shown() -> None:
    # The shopper viewed item 1 ("item 0"): items 0 and 3, the same product under other ids, go.
    assert _page(RerankConfig(), k=5, history=[1]) == [2, 4, 5, 6, 7]


def test_without_page_rules_the_pool_order_stays() -> None:
    config = RerankConfig(dedup_titles=False)
    assert not config.acts() and config.fingerprint() == ""
    assert _page(config, k=5) == [0, 1, 2, 3, 4]
    assert Reranker(config, _catalogue()).pool_size(10) == 10


def test_brand_cap_refills_from_further_down() -> None:
    page = _page(RerankConfig(max_per_brand=2, dedup_titles=False), k=5)
    assert page == [0, 1, 6, 7, 9]
    brands = _catalogue()["brand"].to_list()
    capped = _page(RerankConfig(max_per_brand=1, dedup_titles=False), k=5)
    # Brand A once, brand b once, the brandless item uncapped; the page is short, not padded.
    assert capped == [0, 6, 9] and len({brands[i] for i in capped}) == 3


def test_brands_compare_normalised() -> None:
    items = _catalogue().with_columns(
        pl.Series("brand", ["A", "a ", "A", None, None, None, None, None, None, None])
    )
    reranker = Reranker(RerankConfig(max_per_brand=1, dedup_titles=False), items)
    assert POOL[reranker.select(POOL, SCORES, 3)].tolist() == [0, 3, 4]


def test_business_rules_and_page_rules_together() -> None:
    config = RerankConfig(
        rules=BusinessRules(in_stock_only=True, exclude_items=["p2"]), max_per_brand=2
    )
    page = _page(config, k=5)
    assert page == [0, 4, 6, 8, 9]
    assert 7 not in page and 2 not in page


def test_mmr_respects_page_rules() -> None:
    vectors = np.eye(10, dtype=np.float32)
    vectors[1] = vectors[0]
    similarity = ItemSimilarity(vectors)
    allowed = {0, 2, 5}
    picks = mmr(POOL, SCORES, 3, 0.5, similarity, fits=lambda position, _: position in allowed)
    assert sorted(picks.tolist()) == [0, 2, 5]
    page = Reranker(RerankConfig(diversity=0.5, max_per_brand=2), _catalogue(), vectors)
    chosen = POOL[page.select(POOL, SCORES, 5)].tolist()
    brands = _catalogue()["brand"].to_list()
    assert chosen[0] == 0 and 1 not in chosen and 3 not in chosen
    assert max(sum(brands[i] == b for i in chosen) for b in ("A", "b")) <= 2


def test_exploration_keeps_page_rules() -> None:
    config = RerankConfig(exploration=1.0, protected=1, max_per_brand=2, seed=3)
    reranker = Reranker(config, _catalogue())
    brands = _catalogue()["brand"].to_list()
    titles = [normalise_title(t) for t in _catalogue()["title"].to_list()]
    for _ in range(20):
        page = POOL[reranker.select(POOL, SCORES, 4)].tolist()
        assert page[0] == 0 and len(set(page)) == 4
        assert len({titles[i] for i in page}) == 4
        assert max(sum(brands[i] == b for i in page) for b in ("A", "b")) <= 2


def test_explore_admissible_mask_limits_replacements() -> None:
    exposure = Exposure(shown=np.zeros(20), clicked=np.zeros(20))
    page = explore(
        np.arange(5),
        np.arange(20),
        exposure,
        1.0,
        0,
        np.random.default_rng(0),
        admissible=lambda page, slot, spare: spare >= 15,
    )
    assert all(item >= 15 for item in page.tolist())


def test_fingerprint_changes_with_settings() -> None:
    assert RerankConfig().fingerprint() == RerankConfig().fingerprint() != ""
    assert RerankConfig(max_per_brand=2).fingerprint() != RerankConfig().fingerprint()


@pytest.mark.parametrize("k", [0, 1])
def test_tiny_pages(k: int) -> None:
    assert len(_page(RerankConfig(diversity=0.3, max_per_brand=1), k=k)) == k
