"""`GET /v1/users/{user_id}/recommendations` (a shopper's personal list: their token or an admin
key) and `GET /v1/recommendations` (the anonymous list: any key).

Both take review floors (`min_rating`, `min_positive`, `require_reviews`; `/v1/search` takes
the same): no product below a floor is returned, and a product without reviews is kept unless
`require_reviews`. A list with a floor is always scored live (lists computed ahead know none).
"""

from __future__ import annotations

from typing import Annotated
from weakref import WeakKeyDictionary

import numpy as np
from fastapi import APIRouter, Depends, Query

from shopsense.ranking.cascade import History, Scored
from shopsense.reviews.signals import HIGHEST_STARS, LOWEST_STARS, ItemReviewSignals, ReviewFloor
from shopsense.serving.deps import (
    CATALOG_ERRORS,
    SHOPPER_ERRORS,
    RuntimeDep,
    require_catalog,
    require_path_shopper,
)
from shopsense.serving.promoted import shopper_values
from shopsense.serving.responses import recommendation_list
from shopsense.serving.runtime import Served
from shopsense.serving.schemas import MAX_K, PathId, RecommendationList
from shopsense.serving.sponsored import pool_size, sponsor
from shopsense.serving.targeting import list_context

router = APIRouter(prefix="/v1", tags=["recommendations"])
K = Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")]
#: Whether sponsored items may take the configured slots (the list is then logged).
Sponsored = Annotated[
    bool,
    Query(
        description="Let sponsored campaigns' items take the configured slots of the list; the "
        "served list is logged and its `impression` id returned (organic list when placement "
        "is off)."
    ),
]


def review_floor(
    min_rating: Annotated[
        float | None,
        Query(
            ge=LOWEST_STARS,
            le=HIGHEST_STARS,
            description="Only products whose mean star rating (1-5) is at least this.",
        ),
    ] = None,
    min_positive: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="Only products whose share of positive reviews is at least this (0-1).",
        ),
    ] = None,
    require_reviews: Annotated[
        bool, Query(description="Leave out products without reviews (kept by default).")
    ] = False,
) -> ReviewFloor:
    """The review floor a request asks for (query parameters shared by search and lists)."""
    return ReviewFloor(
        min_rating=min_rating, min_positive=min_positive, require_reviews=require_reviews
    )


ReviewFloorDep = Annotated[ReviewFloor, Depends(review_floor)]

#: Each served bundle's review signals over its catalogue, found once per bundle.
_SIGNALS: WeakKeyDictionary[Served, ItemReviewSignals | None] = WeakKeyDictionary()


def served_reviews(served: Served) -> ItemReviewSignals | None:
    """The bundle's review signals in catalogue order: the search index's, else read from the
    reviews artifact's analysed reviews; None where the bundle holds no reviews."""
    if served not in _SIGNALS:
        item_ids = served.recommender.item_ids
        searcher = served.bundle.searcher
        read = served.bundle.artifacts.get("reviews")
        signals = None
        if searcher is not None and searcher.reviews is not None:
            signals = searcher.reviews.signals.aligned(item_ids)
        elif read is not None:
            signals = ItemReviewSignals.from_analyzed(read.analyzed, item_ids)
        _SIGNALS[served] = signals
    return _SIGNALS[served]


def allowed_items(served: Served, floor: ReviewFloor) -> np.ndarray:
    """Per catalogue item, whether its reviews meet `floor` (without review signals every
    product is unreviewed)."""
    signals = served_reviews(served)
    if signals is None:
        return np.full(served.recommender.n_items, not floor.require_reviews)
    return signals.passes(floor)


@router.get(
    "/users/{user_id}/recommendations",
    dependencies=[Depends(require_path_shopper)],
    responses=SHOPPER_ERRORS,
)
async def recommend(
    user_id: PathId,
    runtime: RuntimeDep,
    floor: ReviewFloorDep,
    k: K = 10,
    sponsored: Sponsored = False,
) -> RecommendationList:
    """The shopper's top-`k` products, each with its source signals and a reason. Reflects
    every event accepted so far; a shopper with no events gets their described interests or
    the shop's bestsellers. Review floors leave out products below them. With `sponsored`,
    sponsored items may take the configured slots."""
    runtime.promote(stale_only=True)
    await runtime.refresh_shopper(user_id)
    served = runtime.served
    recommender = served.recommender
    history = recommender.history(runtime.users.history(user_id))
    text = runtime.users.texts.get(user_id)
    engine = runtime.placement
    values = None
    if engine is not None:
        # What the list is about (for targeted campaigns): the shopper's latest products.
        context = list_context(served.bundle.catalogue, runtime.users, user_id)
        promotion = runtime.config.rerank.promotion
        values = shopper_values(engine, promotion, context, recommender.item_index)
        if sponsored:
            runtime.metrics.lists.labels(path="live").inc()
            size = pool_size(engine, k)
            pool = await _live(served, history, size, floor, user_id, text, values)
            organic = recommendation_list(served, pool)
            return await runtime.placing(sponsor, engine, organic, k, context, "recommendations")
    # The history was read above, on the event loop: every event acknowledged before this
    # request is in it, whichever thread scores it.
    ahead = floor.is_empty() and values is None
    picks = recommender.ahead(history, k, user_id, text) if ahead else None
    runtime.metrics.lists.labels(path="live" if picks is None else "precomputed").inc()
    if picks is not None:
        return recommendation_list(served, picks)
    live = await _live(served, history, k, floor, user_id, text, values)
    return recommendation_list(served, live)


@router.get("/recommendations", dependencies=[Depends(require_catalog)], responses=CATALOG_ERRORS)
async def recommend_anonymous(
    runtime: RuntimeDep, floor: ReviewFloorDep, k: K = 10
) -> RecommendationList:
    """What a visitor nobody knows gets: the shop's top-`k` products (no shopper's data),
    review floors applied."""
    runtime.promote(stale_only=True)
    served = runtime.served
    history = served.recommender.history([])
    return recommendation_list(served, await _live(served, history, k, floor))


async def _live(
    served: Served,
    history: History,
    k: int,
    floor: ReviewFloor,
    user_id: str | None = None,
    text: str | None = None,
    values: np.ndarray | None = None,
) -> list[Scored]:
    """The list scored now, within the floor, promoted by `values` (the shopper's own business
    values; None: the shared ones)."""
    recommender = served.recommender
    batched = values is None and floor.is_empty() and not text
    if batched and user_id is not None and len(history):
        return await served.live.recommend(history, k, user_id)
    allowed = None if floor.is_empty() else allowed_items(served, floor)
    scoring = (recommender.recommend, history, k, user_id, text, allowed, values)
    if text and served.content is not None:
        # The sentence is encoded: text work runs on the text thread.
        return await served.in_text_thread(*scoring)
    return await served.in_compute_thread(*scoring)
