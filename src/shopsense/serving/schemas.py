"""Request and response bodies of the REST API (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from shopsense.data.records import InteractionKind

#: Longest user or item id accepted; ids are the shop's own strings.
MAX_ID_LENGTH = 256
#: Most events in one `POST /v1/events` batch.
MAX_BATCH = 1000
#: Longest free text (a query or a profile sentence), in characters.
MAX_TEXT_LENGTH = 1000
#: Most items one list response returns.
MAX_K = 100
# Timestamps outside this range are almost certainly unit mistakes (milliseconds, year 0).
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)

#: An id holds at least one non-space character.
ID_PATTERN = r"\S"
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
#: An id in a URL path, checked like one in a body.
PathId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]


def utc_moment(value: datetime | None) -> datetime | None:
    """A request's timestamp in UTC (no zone = UTC); a `ValueError` outside 1970-2200."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not _EARLIEST <= value < _LATEST:
        raise ValueError("timestamp must be between 1970 and 2200")
    return value.astimezone(UTC)


def _written_as_date(value: Any) -> Any:
    """A query's moment must be an ISO 8601 date-time, as documented: a bare number (which
    pydantic would read as Unix seconds) is refused."""
    if isinstance(value, str) and _is_number(value):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z")
    return value


def _is_number(text: str) -> bool:
    """Whether `text` reads as a number (`12`, `-1.5`, `5e-98`, `inf`)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


#: A moment given in a query string, checked like one in a body (422 outside 1970-2200).
UtcMoment = Annotated[datetime, BeforeValidator(_written_as_date), AfterValidator(utc_moment)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventIn(_Body):
    """One thing a shopper did. Ids are the shop's own ids, as in its data."""

    user: Id = Field(description="The shopper's id.")
    item: Id = Field(description="The product's id; must be in the served catalogue.")
    kind: InteractionKind = Field(description="view, click, cart, purchase or rating.")
    timestamp: datetime | None = Field(
        None, description="When it happened (ISO 8601; no zone = UTC). Omitted: on receipt."
    )
    value: float | None = Field(
        None,
        allow_inf_nan=False,
        ge=-1e6,
        le=1e6,
        validate_default=True,
        description="The rating (0-5) for kind=rating, otherwise a quantity or weight (default 1).",
    )

    @field_validator("timestamp")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        return utc_moment(value)

    @field_validator("value")
    @classmethod
    def _rating_in_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("kind") is InteractionKind.RATING and (
            value is None or not 0 <= value <= 5
        ):
            raise ValueError("a rating event needs a value between 0 and 5")
        return value


class EventsAccepted(BaseModel):
    """Events stored durably and applied to the shoppers' state."""

    accepted: int = Field(description="How many events were stored.")


class ProfileIn(_Body):
    """A new or existing shopper described in their own words (cold start)."""

    user: Id = Field(description="The shopper's id.")
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        pattern=r"\S",
        description="A sentence about their interests, e.g. 'I'm into trail running'.",
    )


class Recommendation(BaseModel):
    """One recommended product with where it came from and why."""

    item: str = Field(description="Product id.")
    title: str = Field(description="Product title.")
    score: float = Field(description="Score of the model named first in `sources`.")
    sources: list[str] = Field(
        description="Signals behind it: the model that ranked it first, then the other models "
        "that also have it among their top candidates."
    )
    reason: str = Field(description="A readable explanation, e.g. 'because you viewed X'.")
    because: str | None = Field(
        None, description="The product id the reason refers to, where there is one."
    )
    sponsored: bool = Field(False, description="Whether it is a paid (sponsored) placement.")
    campaign: str | None = Field(None, description="The sponsored campaign's id.")


class RecommendationList(BaseModel):
    """Products for a shopper, an item or a query, best first."""

    bundle: str = Field(description="Version of the bundle that produced the list.")
    items: list[Recommendation]
    impression: str | None = Field(
        None,
        description="Id of the logged list (with `sponsored=true`): report clicks and purchases "
        "at /v1/impressions/{impression}/outcomes.",
    )


class UnderstoodConstraint(BaseModel):
    """One thing the query asks for, as search read it."""

    kind: str = Field(description="price, brand, category, colour, material or size.")
    value: str = Field(description="Catalogue value (brand, category…) or price bound text.")
    effect: str = Field(description="'filter' or 'boost'.")
    phrase: str = Field(description="The words of the query it was read from.")


class UnderstoodQuery(BaseModel):
    """How search read a query: its language, the words searched and the constraints."""

    text: str = Field(description="The query as received (personal data masked).")
    language: str = Field(description="Detected language: 'en', 'zh', ...")
    search_text: str = Field(description="The words searched: corrected, price phrases removed.")
    corrections: dict[str, str] = Field(description="Typed -> corrected.")
    constraints: list[UnderstoodConstraint]
    min_price: float | None
    max_price: float | None
    prefers_low_price: bool = Field(description="'cheap', '便宜' and the like: low prices boosted.")


class SearchList(RecommendationList):
    """Products for a query, best first, and how the query was understood."""

    query: UnderstoodQuery


class ItemOut(BaseModel):
    """A product of the served catalogue."""

    item: str
    title: str
    description: str
    brand: str | None
    categories: list[str]
    price: float | None
    attributes: dict[str, Any]
    created_at: datetime | None


class RecentEvent(BaseModel):
    """One recent event of a shopper."""

    item: str
    title: str
    kind: str
    timestamp: datetime | None


class Interest(BaseModel):
    """One interest with its share of the shopper's (time-decayed) activity."""

    name: str
    weight: float


class ProfileOut(BaseModel):
    """What ShopSense knows about a shopper, in readable form."""

    user: str
    events: int = Field(description="Events known for this shopper (training data + live).")
    recent: list[RecentEvent] = Field(description="Latest events, newest first.")
    interests: dict[str, list[Interest]] = Field(
        description="Top interests by facet (categories, brands, terms)."
    )
    described: bool = Field(description="Whether the shopper described themselves in words.")


class Health(BaseModel):
    """Liveness and what is being served."""

    status: str = Field(description="`ok`, or `degraded` while the store cannot be written.")
    store: str = Field(description="`ok`, or `failing` while writes to the store fail.")
    bundle: str
    items: int
    users: int


class Problem(BaseModel):
    """An error."""

    detail: Any
