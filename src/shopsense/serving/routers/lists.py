"""`GET /v1/lists/trending` and `GET /v1/lists/new`: the shop-wide lists of a home page (any
key; no shopper's data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shopsense.ranking.cascade import Scored
from shopsense.serving.deps import CATALOG_ERRORS, RuntimeDep, require_catalog
from shopsense.serving.responses import recommendation_list
from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import MAX_K, RecommendationList
from shopsense.serving.shop_lists import TRENDING_DAYS, ItemActivity, item_activity

router = APIRouter(
    prefix="/v1/lists",
    tags=["recommendations"],
    dependencies=[Depends(require_catalog)],
    responses=CATALOG_ERRORS,
)
#: The reasons of the two lists, in the shop's language (English for any other).
_TRENDING = {
    "en": "trending: {events} events in the shop's last {days} days",
    "zh": "热门：近 {days} 天有 {events} 次浏览或购买",
}
_NEW = {"en": "new arrival", "zh": "新品"}
K = Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")]


@router.get("/trending")
async def trending(runtime: RuntimeDep, k: K = 10) -> RecommendationList:
    """The products with the most events in the shop's last days of activity (live events
    included; refreshed every minute)."""
    activity = await _activity(runtime)
    wording = _TRENDING.get(runtime.served.bundle.catalogue.language or "en", _TRENDING["en"])
    picks = [
        Scored(
            item,
            float(activity.recent[item]),
            ("trending",),
            wording.format(events=int(activity.recent[item]), days=f"{TRENDING_DAYS:g}"),
            None,
        )
        for item in activity.trending(k)
    ]
    return recommendation_list(runtime.served, picks)


@router.get("/new")
async def new_arrivals(runtime: RuntimeDep, k: K = 10) -> RecommendationList:
    """The products added last: by the catalogue's `created_at`, or, for a catalogue without
    dates, by when each product first appeared in the shop's events."""
    activity = await _activity(runtime)
    wording = _NEW.get(runtime.served.bundle.catalogue.language or "en", _NEW["en"])
    picks = [
        Scored(item, float(activity.arrived[item]), ("new",), wording, None)
        for item in activity.newest(k)
    ]
    return recommendation_list(runtime.served, picks)


async def _activity(runtime: Runtime) -> ItemActivity:
    served = runtime.served
    catalogue = served.bundle.catalogue
    cached = runtime.shop_lists.fresh(catalogue)
    if cached is not None:
        return cached
    # A snapshot of the shoppers taken on the event loop; counted on a compute thread.
    events = dict(runtime.users.events)
    activity = await served.in_compute_thread(
        item_activity, events, served.recommender.item_index, catalogue.items["created_at"]
    )
    return runtime.shop_lists.keep(catalogue, activity)
