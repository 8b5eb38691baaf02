"""`GET /v1/items/{item_id}` and `GET /v1/items/{item_id}/similar`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from shopsense.serving.deps import READ_ERRORS, RuntimeDep, require_read
from shopsense.serving.responses import item_index, item_out, recommendation_list
from shopsense.serving.schemas import MAX_ID_LENGTH, MAX_K, ItemOut, Problem, RecommendationList

router = APIRouter(
    prefix="/v1/items",
    tags=["items"],
    dependencies=[Depends(require_read)],
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "Unknown item."}},
)
ItemId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH)]


@router.get("/{item_id}")
async def get_item(item_id: ItemId, runtime: RuntimeDep) -> ItemOut:
    """A product of the served catalogue."""
    served = runtime.served
    return item_out(served, item_index(served.recommender, item_id))


@router.get("/{item_id}/similar")
async def similar_items(
    item_id: ItemId,
    runtime: RuntimeDep,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")] = 10,
) -> RecommendationList:
    """Products related to one product ("similar items", "bought together")."""
    served = runtime.served
    index = item_index(served.recommender, item_id)
    picks = await served.in_compute_thread(served.recommender.similar, index, k)
    return recommendation_list(served, picks)
