"""Promotions in search results: the running promotions that target the search (its words, its
categories, the shopper's segments) lift their items by the ranking's promotion blend
(`shopsense.ranking.promotion`), as in recommendation lists, under the same cap and floor."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from shopsense.placement.campaigns import RequestContext
from shopsense.placement.engine import PlacementEngine
from shopsense.ranking.promotion import PromotionConfig, promoted_page
from shopsense.serving.schemas import RecommendationList

L = TypeVar("L", bound=RecommendationList)


def promote(
    engine: PlacementEngine, pool: L, k: int, context: RequestContext, config: PromotionConfig
) -> L:
    """`pool` (best first) with its first `k` picked by the promotion blend of its order and the
    lift (`boost - 1`) of the promotions targeting `context`; the rest keeps its order. Scores
    stay the search's own."""
    ids = [item.item for item in pool.items]
    values = np.clip(engine.boosts(context, ids) - 1.0, 0.0, None)
    if not values.any():
        return pool
    relevance = 1.0 - np.arange(len(ids), dtype=np.float64) / max(len(ids), 1)
    page = promoted_page(relevance, values, k, config).tolist()
    chosen = set(page)
    order = page + [position for position in range(len(ids)) if position not in chosen]
    return pool.model_copy(update={"items": [pool.items[position] for position in order]})
