"""The promotion blend on tiny pools: λ = 0 changes nothing, a larger λ promotes more, the cap
on promoted items and the relevance floor always hold, and bad settings name their field."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from shopsense.data.schema import conform
from shopsense.ranking.promotion import PromotionConfig, blend, promoted_limit, promoted_page
from shopsense.ranking.rerank import Exposure, RerankConfig, Reranker
from shopsense.serving.settings import parse_rerank

N = 40


def _catalogue(n: int = N) -> pl.DataFrame:
    return conform(
        pl.DataFrame(
            {
                "item_id": [f"p{i}" for i in range(n)],
                "title": [f"Item {i}" for i in range(n)],
                "brand": [f"b{i % 7}" for i in range(n)],
                "categories": [[f"c{i % 3}"] for i in range(n)],
                "price": [10.0] * n,
                "attributes": ["{}"] * n,
            }
        ),
        "items",
    )


#: Every third item is promoted (value 0.5, item 9 value 1).
VALUES = np.where(np.arange(N) % 3 == 0, 0.5, 0.0)
VALUES[9] = 1.0
POOL = np.arange(30)
SCORES = np.linspace(1.0, 0.0, 30)


def _config(**promotion: float) -> RerankConfig:
    return RerankConfig(promotion=PromotionConfig(**promotion))


def _page(config: RerankConfig, values: np.ndarray | None = VALUES, k: int = 10) -> np.ndarray:
    reranker = Reranker(config, _catalogue(), values=values)
    return POOL[reranker.select(POOL, SCORES, k)]


def _promoted(page: np.ndarray) -> int:
    return int((VALUES[page] > 0).sum())


def test_weight_zero_leaves_the_list_as_it_was() -> None:
    unchanged = _page(RerankConfig(), values=None)
    assert unchanged.tolist() == list(range(10))
    assert _page(_config(weight=0.0, max_promoted_share=0.0)).tolist() == unchanged.tolist()
    reranker = Reranker(_config(weight=0.0), _catalogue(), values=VALUES)
    assert not reranker.promoting
    assert reranker.fingerprint() == Reranker(RerankConfig(), _catalogue()).fingerprint()


def test_without_promoted_items_any_weight_leaves_the_list_alone() -> None:
    page = _page(_config(weight=0.9), values=np.zeros(N))
    assert page.tolist() == list(range(10))


def test_a_larger_weight_promotes_monotonically_more() -> None:
    shares = [
        _promoted(_page(_config(weight=weight, max_promoted_share=1.0)))
        for weight in (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
    ]
    assert shares == sorted(shares)
    assert shares[0] == 4 and shares[-1] > shares[0]


def test_the_cap_is_never_exceeded() -> None:
    rng = np.random.default_rng(0)
    for trial in range(60):
        k = int(rng.integers(1, 12))
        share = float(rng.choice([0.0, 0.1, 0.25, 0.3, 0.5]))
        config = RerankConfig(
            promotion=PromotionConfig(weight=float(rng.uniform(0.01, 1)), max_promoted_share=share),
            diversity=float(rng.choice([0.0, 0.3])),
            exploration=float(rng.choice([0.0, 0.5])),
            max_per_brand=int(rng.choice([2, 10])),
            seed=trial,
        )
        values = np.where(rng.random(N) < 0.5, rng.uniform(0.1, 2.0, N), 0.0)
        scores = np.sort(rng.random(30))[::-1]
        reranker = Reranker(config, _catalogue(), values=values)
        exposure = Exposure(rng.integers(0, 5, N).astype(float), np.zeros(N))
        page = POOL[reranker.select(POOL, scores, k, exposure=exposure)]
        assert int((values[page] > 0).sum()) <= promoted_limit(config.promotion, k)


def test_the_relevance_floor_keeps_deep_items_down() -> None:
    # Item 29 is the only promoted one, far below the best floor_depth * k = 20 by relevance.
    values = np.zeros(N)
    values[29] = 1.0
    page = _page(_config(weight=1.0, max_promoted_share=1.0), values=values)
    assert 29 not in page.tolist()
    shallow = np.zeros(N)
    shallow[15] = 1.0
    assert _page(_config(weight=0.5, max_promoted_share=1.0), values=shallow)[0] == 15


def test_blend_rescales_per_list() -> None:
    config = PromotionConfig(weight=0.5, floor_depth=1.0)
    low = blend(np.array([3.0, 2.0, 1.0]), np.array([0.0, 0.0, 4.0]), 3, config)
    high = blend(np.array([300.0, 200.0, 100.0]), np.array([0.0, 0.0, 0.4]), 3, config)
    assert np.allclose(low, high) and np.allclose(low, [0.5, 0.25, 0.5])


def test_promoting_changes_the_fingerprint() -> None:
    reranker = Reranker(_config(weight=0.3), _catalogue())
    plain = reranker.fingerprint()
    reranker.promote(VALUES)
    promoted = reranker.fingerprint()
    assert promoted != plain
    reranker.promote(VALUES * 2)
    assert reranker.fingerprint() not in {plain, promoted}
    with pytest.raises(ValueError, match="cover the 40 items"):
        reranker.promote(np.ones(3))


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"weight": 1.5}, "weight"),
        ({"weight": -0.1}, "weight"),
        ({"max_promoted_share": 2}, "max_promoted_share"),
        ({"floor_depth": 0.5}, "floor_depth"),
        ({"lambda": 0.2}, "lambda"),
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        RerankConfig.model_validate({"promotion": settings})
    assert error.value.errors()[0]["loc"] == ("promotion", field)
    with pytest.raises(ValueError, match=f"promotion.{field}"):
        parse_rerank(json.dumps({"promotion": settings}))


def test_a_plain_list_keeps_its_order_without_weight_and_caps_promoted_items() -> None:
    scores = np.linspace(1.0, 0.0, 12)
    values = np.zeros(12)
    values[[3, 7, 9]] = 0.5
    plain = promoted_page(scores, values, 5, PromotionConfig(weight=0.0))
    assert plain.tolist() == [0, 1, 2, 3, 4]
    lifted = promoted_page(scores, values, 5, PromotionConfig(weight=1.0, max_promoted_share=0.4))
    # Two promoted slots of five, best blended first; item 9 lies below the floor (2 x 5).
    assert lifted.tolist() == [3, 7, 0, 1, 2]
    assert len(promoted_page(scores, values, 20, PromotionConfig())) == 12  # the whole pool
