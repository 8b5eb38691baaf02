"""Promotions that target a request: in search results, the running promotions that target the
search (its words, its categories, the shopper's segments) lift their items by the ranking's
promotion blend (`shopsense.ranking.promotion`), under the same cap and floor as the lists; in a
shopper's list, the promotions targeted at them replace the shared untargeted values."""

from __future__ import annotations

from collections.abc import Mapping
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


def shopper_values(
    engine: PlacementEngine,
    config: PromotionConfig,
    context: RequestContext,
    item_index: Mapping[str, int],
) -> np.ndarray | None:
    """The business value per catalogue item of a shopper's list where a targeted promotion
    runs for them (`context`: what their list is about, their segments): the lift of every
    promotion running for them. None where none is targeted at them: the shared values of the
    untargeted promotions hold (and lists computed ahead stay valid)."""
    if config.weight <= 0:
        return None
    lifts = engine.targeted_lifts(context)
    if lifts is None:
        return None
    values = np.zeros(len(item_index))
    for item, lift in lifts.items():
        index = item_index.get(item)
        if index is not None:
            values[index] = lift
    return values
