"""`POST /v1/impressions/{impression_id}/outcomes`: a click or purchase on an item of a list
served with `sponsored=true`, joined to its impression (the shopper's token or an admin key).
A sponsored item's first click is charged to its campaign."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError

from shopsense.serving.deps import (
    BODY_ERRORS,
    PLACEMENT_ERRORS,
    SHOPPER_ERRORS,
    CallerDep,
    PlacementDep,
    RuntimeDep,
    require_catalog,
    require_shopper,
)
from shopsense.serving.placement_schemas import OutcomeIn, OutcomeRecorded
from shopsense.serving.schemas import PathId, Problem

router = APIRouter(
    prefix="/v1",
    tags=["impressions"],
    dependencies=[Depends(require_catalog)],
    responses={
        **SHOPPER_ERRORS,
        **BODY_ERRORS,
        **PLACEMENT_ERRORS,
        404: {"model": Problem, "description": "Unknown (or erased) impression."},
    },
)


@router.post("/impressions/{impression_id}/outcomes")
async def record_outcome(
    impression_id: PathId,
    outcome: OutcomeIn,
    engine: PlacementDep,
    caller: CallerDep,
    runtime: RuntimeDep,
) -> OutcomeRecorded:
    """Record what the shopper did with one item of a served list."""
    served = await runtime.placing(engine.store.served_list, impression_id)
    if not served:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown impression")
    require_shopper(caller, served[0].shopper_id)
    entry = next((e for e in served if e.item_id == outcome.item), None)
    if entry is None or entry.impression_id is None:
        raise RequestValidationError(
            [{"type": "not_served", "loc": ("body", "item"), "msg": "not in this served list"}]
        )
    charged = await runtime.placing(engine.record_outcome, entry.impression_id, outcome.kind)
    return OutcomeRecorded(
        impression=impression_id, item=outcome.item, kind=outcome.kind, charged=charged
    )
