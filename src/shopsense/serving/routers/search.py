"""`GET /v1/search`: products for a free-text query, optionally personalised for a shopper and
within review floors (`min_rating`, `min_positive`, `require_reviews`, as on the lists)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from shopsense.search.index import Filters
from shopsense.serving.deps import (
    SHOPPER_ERRORS,
    CallerDep,
    RuntimeDep,
    require_catalog,
    require_shopper,
)
from shopsense.serving.promoted import promote
from shopsense.serving.responses import search_list
from shopsense.serving.routers.recommendations import ReviewFloorDep, Sponsored
from shopsense.serving.schemas import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_K,
    MAX_TEXT_LENGTH,
    Problem,
    SearchList,
)
from shopsense.serving.sponsored import pool_size, sponsor
from shopsense.serving.targeting import search_context
from shopsense.text.pii import mask_pii

router = APIRouter(
    prefix="/v1",
    tags=["search"],
    dependencies=[Depends(require_catalog)],
    responses={
        **SHOPPER_ERRORS,
        503: {"model": Problem, "description": "The bundle has no search index."},
    },
)


@router.get("/search")
async def search(
    runtime: RuntimeDep,
    caller: CallerDep,
    floor: ReviewFloorDep,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=r"\S", description="Query.")
    ],
    user: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID_LENGTH,
            pattern=ID_PATTERN,
            description="Shopper to personalise for (their token or an admin key).",
        ),
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")] = 10,
    sponsored: Sponsored = False,
) -> SearchList:
    """Ranked products for a query, each with its sources and a reason (a product whose
    reviews praise what the query asks for says so); with `user`, blended with that shopper's
    interests (from every event known so far). Review floors leave out products below them;
    a product without reviews is kept unless `require_reviews`. Running promotions that
    target the search lift their items (the ranking's promotion blend, as in the lists). With
    `sponsored`, sponsored items may take the configured slots for a known shopper (`user`,
    else the token's)."""
    if user is not None:
        require_shopper(caller, user)
    served = runtime.served
    searcher = served.bundle.searcher
    if searcher is None:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="search is not available: this bundle was trained without a search index",
        )
    context = None
    if user is not None:
        await runtime.refresh_shopper(user)
        context = served.shopper_context(runtime.users.history(user))
    # Personal data in the query is masked before it is encoded.
    filters = Filters(**floor.model_dump()) if not floor.is_empty() else None
    query = mask_pii(q)
    engine = runtime.placement
    shopper = user or caller.shopper
    placing = sponsored and engine is not None and shopper is not None
    promotion = runtime.config.rerank.promotion
    promoting = engine is not None and promotion.weight > 0 and engine.runs_promotions()
    size = pool_size(engine, k) if placing and engine is not None else k
    if promoting:
        size = max(size, math.ceil(promotion.floor_depth * k))
    results = await served.in_text_thread(searcher.search, query, context, size, filters)
    listed = search_list(served, results)
    if not (placing or promoting) or engine is None:
        return listed
    named = [c.value for c in listed.query.constraints if c.kind == "category"]
    ids = [item.item for item in listed.items]
    about = search_context(served.bundle.catalogue, runtime.users, shopper or "", query, named, ids)
    if promoting:
        listed = await runtime.placing(promote, engine, listed, k, about, promotion)
    if not placing:
        return listed.model_copy(update={"items": listed.items[:k]})
    return await runtime.placing(sponsor, engine, listed, k, about, "search")
