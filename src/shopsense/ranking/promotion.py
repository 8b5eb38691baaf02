"""Blending a ranked pool's relevance with business value, under a cap on promoted items.

An item's business value (>= 0) is what the shop gains from showing it beyond relevance: the
lift of its running promotions (`boost - 1`, `shopsense.placement.PlacementEngine
.promotion_values`) or a margin the caller passes. An item with value > 0 is *promoted*. Over
one pool, relevance is rescaled to [0, 1] and value divided by the pool's largest, so the weight
means the same on every list: the page is picked by `(1 - weight) * relevance + weight * value`.
Two constraints hold: value counts only for items among the pool's best `floor_depth * k` by
relevance (a promotion never lifts an item from deep down the pool), and at most
`max_promoted_share` of the page's `k` slots (rounded down) hold promoted items.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class PromotionConfig(BaseModel):
    """How much business value weighs against relevance, and the constraints on it."""

    model_config = ConfigDict(extra="forbid")

    weight: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Weight λ of business value against relevance, both rescaled over the pool "
        "(0: off, the ranker's order; the default 0.1 is the largest weight that cost at most "
        "2% relative NDCG@10 on Amazon Beauty's held-out validation cases, BENCHMARKS.md "
        "placement-tradeoff). Acts only where items have a business value.",
    )
    max_promoted_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="At most this share of a page's slots (rounded down) hold promoted items.",
    )
    floor_depth: float = Field(
        2.0,
        ge=1,
        description="Value counts only for items among the pool's best `floor_depth * k` by "
        "relevance (the relevance floor of a promoted item).",
    )


def blend(scores: np.ndarray, values: np.ndarray, k: int, config: PromotionConfig) -> np.ndarray:
    """The page score of each pool item: `(1 - weight) * relevance + weight * value`, relevance
    rescaled to [0, 1] over the pool, value divided by the pool's largest and counted only for
    the best `floor_depth * k` items by relevance."""
    scores = np.asarray(scores, dtype=np.float64)
    span = scores.max() - scores.min() if len(scores) else 0.0
    relevance = (scores - scores.min()) / span if span > 0 else np.ones(len(scores))
    value = np.clip(np.asarray(values, dtype=np.float64), 0.0, None)
    depth = math.ceil(config.floor_depth * k)
    if len(scores) > depth:
        value[np.argsort(-scores, kind="stable")[depth:]] = 0.0
    top = value.max(initial=0.0)
    if top > 0:
        value = value / top
    return (1.0 - config.weight) * relevance + config.weight * value


def promoted_limit(config: PromotionConfig, k: int) -> int:
    """How many promoted items a page of `k` may hold."""
    return math.floor(config.max_promoted_share * k + 1e-9)


def promoted_page(
    scores: np.ndarray, values: np.ndarray, k: int, config: PromotionConfig
) -> np.ndarray:
    """Positions (into a pool scored `scores`, with business `values`) of the page of up to
    `k`, best blended score first, at most `promoted_limit` of them promoted (value > 0): a
    list without the re-ranker's page rules, such as search results."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(-blend(scores, values, k, config), kind="stable")
    room = promoted_limit(config, k)
    page: list[int] = []
    for position in order.tolist():
        if values[position] > 0:
            if room == 0:
                continue
            room -= 1
        page.append(position)
        if len(page) == k:
            break
    return np.asarray(page, dtype=np.int64)
