"""Request and response bodies of the campaign and impression routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shopsense.placement.store import OutcomeKind
from shopsense.serving.schemas import Id


class CampaignSaved(BaseModel):
    """A campaign stored as a new version, in effect at once."""

    campaign: str = Field(description="The campaign's id.")
    version: int = Field(description="The version stored (1 for a new campaign).")


class CampaignErased(BaseModel):
    """A campaign deleted with every version; it stopped at once."""

    campaign: str = Field(description="The campaign's id.")
    versions: int = Field(description="How many versions were deleted.")


class OutcomeIn(BaseModel):
    """What the shopper did with one item of a served list."""

    model_config = ConfigDict(extra="forbid")

    item: Id = Field(description="The product id, as served in the list.")
    kind: OutcomeKind = Field(description="click or purchase.")


class OutcomeRecorded(BaseModel):
    """An outcome joined to its impression."""

    impression: str = Field(description="The served list's id.")
    item: str
    kind: OutcomeKind
    charged: float = Field(description="What the sponsored click cost its campaign (else 0).")
