"""How the demo shop's shoppers behave; the defaults give the shop `shopsense demo` uses."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DemoShopConfig(BaseModel):
    """Behaviour of the simulated shop. Size and seed are arguments of `generate_demo_shop`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(
        366, ge=30, description="Length of the event window in days (from 2024-01-01 UTC)."
    )
    mean_visits: float = Field(
        20.0, gt=5.0, description="Mean product visits per shopper (every shopper makes >= 5)."
    )
    new_item_fraction: float = Field(
        0.12, ge=0.0, le=0.5, description="Share of items listed during the event window."
    )
    cold_item_fraction: float = Field(
        0.04,
        ge=0.0,
        le=0.3,
        description="Share of items listed after the window closes, so they have no events.",
    )
    zipf_exponent: float = Field(
        1.0, ge=0.0, le=2.0, description="Exponent of the items' Zipf-like base popularity."
    )
    search_share: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of sessions that start with a search."
    )
    compare_probability: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Chance that the next visit is another item of the "
        "same kind (comparison shopping).",
    )
    complement_probability: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Chance that the next visit is a complementary kind "
        "(tent -> sleeping bag) when nothing was bought.",
    )
    complement_after_purchase: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Chance of moving to a complementary kind right after "
        "a purchase, or at the start of the next session.",
    )
    review_share: float = Field(
        0.6, ge=0.0, le=1.0, description="Share of purchases that get a written review."
    )

    @model_validator(mode="after")
    def _chances_fit(self) -> Self:
        if self.compare_probability + self.complement_probability > 1.0:
            raise ValueError("compare_probability + complement_probability must be at most 1")
        return self
