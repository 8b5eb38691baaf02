"""`GET /v1/items/{item_id}` (the catalogue artifact's record) and
`GET /v1/items/{item_id}/similar`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from shopsense.serving.deps import CATALOG_ERRORS, RuntimeDep, require_catalog
from shopsense.serving.responses import item_index, recommendation_list
from shopsense.serving.schemas import MAX_K, ItemOut, PathId, Problem, RecommendationList

router = APIRouter(
    prefix="/v1/items",
    tags=["items"],
    dependencies=[Depends(require_catalog)],
    responses={**CATALOG_ERRORS, 404: {"model": Problem, "description": "Unknown item."}},
)


@router.get("/{item_id}")
async def get_item(item_id: PathId, runtime: RuntimeDep) -> ItemOut:
    """A product of the served catalogue."""
    record = runtime.served.bundle.catalogue.record(item_id)
    if record is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown item")
    return ItemOut(
        item=record["item_id"],
        title=record["title"] or "",
        description=record["description"] or "",
        brand=record["brand"],
        categories=record["categories"] or [],
        price=record["price"],
        attributes=record["attributes"],
        created_at=record["created_at"],
    )


@router.get("/{item_id}/similar")
async def similar_items(
    item_id: PathId,
    runtime: RuntimeDep,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many items.")] = 10,
) -> RecommendationList:
    """Products related to one product ("similar items", "bought together")."""
    served = runtime.served
    index = item_index(served.recommender, item_id)
    picks = await served.in_compute_thread(served.recommender.similar, index, k)
    return recommendation_list(served, picks)
