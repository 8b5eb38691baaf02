"""Sponsored slots on a served list: the organic pool through `PlacementEngine.place`, the
served list logged with its propensities, and the response marked.

The relevance the auction reads is the organic order itself: an item's score is the share of
the pool ranked below it, so a sponsored item passes the floor only if the organic ranker put
it within the top `floor_rank` of the pool, and items outside the pool never qualify.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from shopsense.placement.campaigns import RequestContext
from shopsense.placement.engine import PlacementEngine
from shopsense.serving.schemas import RecommendationList

L = TypeVar("L", bound=RecommendationList)


def pool_size(engine: PlacementEngine, k: int) -> int:
    """How many organic items to rank for a list of `k` (enough to read the floor from)."""
    return max(k, engine.config.auction.floor_rank)


def sponsor(
    engine: PlacementEngine,
    pool: L,
    k: int,
    context: RequestContext,
    surface: str,
) -> L:
    """The list of `k` to serve for `context` (the shopper and what the request is about,
    `shopsense.serving.targeting`) from the organic `pool` (best first): sponsored
    winners in their slots (as many organic items leave the list as winners enter it), logged
    with the propensities, and the impression id."""
    ids = [item.item for item in pool.items]
    scores = 1.0 - np.arange(len(ids), dtype=np.float64) / max(len(ids), 1)
    rank = {item: index for index, item in enumerate(ids)}

    def relevance(items: Sequence[str]) -> np.ndarray:
        return np.array([scores[rank[i]] if i in rank else -np.inf for i in items])

    placement = engine.place(context, ids, scores, k, relevance, surface=surface)
    engine.log(placement)
    by_id = {item.item: item for item in pool.items}
    items = [
        by_id[entry.item_id].model_copy(
            update={"sponsored": entry.sponsored, "campaign": entry.campaign_id}
        )
        for entry in placement.entries
    ]
    return pool.model_copy(update={"items": items, "impression": placement.request_id})
