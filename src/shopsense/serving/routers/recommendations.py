"""`GET /v1/users/{user_id}/recommendations` (a shopper's personal list: their token or an admin
key) and `GET /v1/recommendations` (the anonymous list: any key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shopsense.serving.deps import (
    CATALOG_ERRORS,
    SHOPPER_ERRORS,
    RuntimeDep,
    require_catalog,
    require_path_shopper,
)
from shopsense.serving.responses import recommendation_list
from shopsense.serving.schemas import MAX_K, PathId, RecommendationList

router = APIRouter(prefix="/v1", tags=["recommendations"])
K = Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")]


@router.get(
    "/users/{user_id}/recommendations",
    dependencies=[Depends(require_path_shopper)],
    responses=SHOPPER_ERRORS,
)
async def recommend(user_id: PathId, runtime: RuntimeDep, k: K = 10) -> RecommendationList:
    """The shopper's top-`k` products, each with its source signals and a reason. Reflects
    every event accepted so far; a shopper with no events gets their described interests or
    the shop's bestsellers."""
    served = runtime.served
    recommender = served.recommender
    history = recommender.history(runtime.users.history(user_id))
    text = runtime.users.texts.get(user_id)
    # The history was read above, on the event loop: every event acknowledged before this
    # request is in it, whichever thread scores it.
    picks = recommender.ahead(history, k, user_id, text)
    runtime.metrics.lists.labels(path="live" if picks is None else "precomputed").inc()
    if picks is not None:
        return recommendation_list(served, picks)
    if text and served.content is not None:
        # The sentence is encoded: text work runs on the text thread.
        picks = await served.in_text_thread(recommender.recommend, history, k, user_id, text)
    else:
        picks = await served.in_compute_thread(recommender.recommend, history, k, user_id, text)
    return recommendation_list(served, picks)


@router.get("/recommendations", dependencies=[Depends(require_catalog)], responses=CATALOG_ERRORS)
async def recommend_anonymous(runtime: RuntimeDep, k: K = 10) -> RecommendationList:
    """What a visitor nobody knows gets: the shop's top-`k` products (no shopper's data)."""
    served = runtime.served
    recommender = served.recommender
    history = recommender.history([])
    picks = await served.in_compute_thread(recommender.recommend, history, k)
    return recommendation_list(served, picks)
