"""`/v1/campaigns`: the shop's sponsored campaigns and promotions (admin keys only). A saved
campaign is a new version in the placement store and runs at once; erasing one stops it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status

from shopsense.placement.campaigns import Campaign, parse_campaigns
from shopsense.serving.deps import (
    ADMIN_ERRORS,
    BODY_ERRORS,
    PLACEMENT_ERRORS,
    PlacementDep,
    RuntimeDep,
    require_admin,
)
from shopsense.serving.placement_schemas import CampaignErased, CampaignSaved
from shopsense.serving.schemas import PathId, Problem

router = APIRouter(
    prefix="/v1",
    tags=["campaigns"],
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ERRORS, **PLACEMENT_ERRORS},
)


@router.post("/campaigns", responses=BODY_ERRORS)
async def save_campaign(
    campaign: Annotated[
        dict[str, Any],
        Body(description="One campaign (the fields of `shopsense campaigns load` files)."),
    ],
    engine: PlacementDep,
    runtime: RuntimeDep,
) -> CampaignSaved:
    """Validate a campaign and store it as a new version (422 naming the bad field); a
    promotion's lift reaches recommendation lists at once (`RerankConfig.promotion`)."""
    (valid,) = parse_campaigns([campaign], source="request body")
    version = await runtime.placing(engine.save_campaign, valid)
    await runtime.campaigns_changed()
    return CampaignSaved(campaign=valid.campaign_id, version=version)


@router.get("/campaigns")
async def list_campaigns(engine: PlacementDep, runtime: RuntimeDep) -> list[Campaign]:
    """The latest version of every campaign."""
    return await runtime.placing(engine.campaigns)


@router.delete(
    "/campaigns/{campaign_id}",
    responses={404: {"model": Problem, "description": "Unknown (or erased) campaign."}},
)
async def erase_campaign(
    campaign_id: PathId, engine: PlacementDep, runtime: RuntimeDep
) -> CampaignErased:
    """Delete every version of a campaign; 404 if there is none."""
    versions = await runtime.placing(engine.erase_campaign, campaign_id)
    await runtime.campaigns_changed()
    if not versions:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown campaign")
    return CampaignErased(campaign=campaign_id, versions=versions)
