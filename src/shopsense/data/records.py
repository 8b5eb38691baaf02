"""Typed records: the data contract between a shop and ShopSense.

Loaders build columnar frames directly for speed (see `schema.py`); these records are the typed
form of one row, used by the Python API, the REST API and validation of single events.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class InteractionKind(StrEnum):
    """What a user did with an item."""

    VIEW = "view"
    CLICK = "click"
    CART = "cart"
    PURCHASE = "purchase"
    RATING = "rating"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Item(_Record):
    """A product in the catalogue."""

    item_id: str = Field(min_length=1, description="The shop's own product id.")
    title: str = Field("", description="Product title.")
    description: str = Field("", description="Free-text description.")
    brand: str | None = Field(None, description="Brand name.")
    categories: list[str] = Field(default_factory=list, description="Category path, broad first.")
    price: float | None = Field(None, ge=0, description="Price in the shop's currency.")
    attributes: dict[str, str] = Field(default_factory=dict, description="Colour, size, material…")
    created_at: datetime | None = Field(None, description="When the product was listed.")


class User(_Record):
    """A shopper. Only the id is required; attributes are free-form."""

    user_id: str = Field(min_length=1)
    attributes: dict[str, str] = Field(default_factory=dict)


class Interaction(_Record):
    """One event: a user viewed, clicked, carted, bought or rated an item."""

    user_id: str = Field(min_length=1)
    item_id: str = Field(min_length=1)
    kind: InteractionKind = InteractionKind.PURCHASE
    value: float = Field(1.0, description="Rating for kind=rating, quantity or weight otherwise.")
    timestamp: datetime | None = None


class Review(_Record):
    """A written review with its star rating."""

    user_id: str = Field(min_length=1)
    item_id: str = Field(min_length=1)
    rating: float = Field(ge=0, le=5)
    text: str = ""
    timestamp: datetime | None = None


class Query(_Record):
    """A search a shopper made, with the items they clicked in its results."""

    user_id: str | None = None
    text: str = Field(min_length=1)
    timestamp: datetime | None = None
    clicked: list[str] = Field(default_factory=list)
