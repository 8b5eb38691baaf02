"""Request and response bodies of the review routes: reviews in, their readings, product
summaries, trends and alerts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopsense.serving.schemas import Id, utc_moment

#: Most reviews in one `POST /v1/reviews` batch.
MAX_REVIEWS = 100
#: Longest review text, in characters.
MAX_REVIEW_LENGTH = 5000


class ReviewIn(BaseModel):
    """A review a shopper wrote about a product."""

    model_config = ConfigDict(extra="forbid")

    user: Id = Field(description="The reviewer's id.")
    item: Id = Field(description="The product's id; must be in the served catalogue.")
    text: str = Field(
        min_length=1,
        max_length=MAX_REVIEW_LENGTH,
        pattern=r"\S",
        description="What they wrote (personal data in it is masked before it is stored).",
    )
    rating: float | None = Field(
        None, ge=1, le=5, allow_inf_nan=False, description="Their star rating, 1-5, if any."
    )
    timestamp: datetime | None = Field(
        None, description="When it was written (ISO 8601; no zone = UTC). Omitted: on receipt."
    )

    @field_validator("timestamp")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        return utc_moment(value)


class AspectOut(BaseModel):
    """An aspect a review talks about and the sentiment toward it."""

    term: str = Field(description="The words as written.")
    aspect: str = Field(description="The canonical aspect the term belongs to.")
    sentiment: str = Field(description="positive, negative or neutral.")
    score: float = Field(description="The model's probability of `sentiment`.")


class ReviewOut(BaseModel):
    """A stored review and how it reads."""

    review: str = Field(description="The review's id.")
    user: str
    item: str
    text: str = Field(description="The text as stored (personal data masked).")
    language: str
    sentiment: str = Field(description="positive, negative or neutral.")
    score: float = Field(description="The model's probability of `sentiment`.")
    positive: float = Field(description="The model's probability that the review is positive.")
    aspects: list[AspectOut]


class ReviewsAccepted(BaseModel):
    """Reviews stored durably, read, and counted in their products' summaries and trends."""

    reviews: list[ReviewOut]
    alerts: list[str] = Field(description="Ids of the alerts these reviews raised.")


class QuoteOut(BaseModel):
    """A sentence of a review (personal data masked)."""

    review: str = Field(description="The review's id.")
    text: str


class AspectSummaryOut(BaseModel):
    """How a product's reviews speak of one aspect."""

    aspect: str
    mentions: int
    positive: int
    negative: int
    neutral: int
    sentiment: str = Field(description="The sentiment most mentions have.")
    quotes: list[QuoteOut] = Field(description="Sentences that say so, most confident first.")


class ClaimOut(BaseModel):
    """One statement of the summary line and the quotes that back it."""

    aspect: str
    sentiment: str
    quotes: list[QuoteOut]


class ReviewSummaryOut(BaseModel):
    """A product's reviews in one view."""

    item: str
    reviews: int = Field(description="How many reviews it has.")
    mean_rating: float | None = Field(description="Mean star rating of the rated ones.")
    ratings: dict[str, int] = Field(description="Reviews per star, '1' to '5'.")
    sentiment: dict[str, float] = Field(description="Share of reviews per sentiment.")
    aspects: list[AspectSummaryOut] = Field(description="The most discussed aspects.")
    summary: str = Field(description="One line; every claim in it is one of `claims`.")
    claims: list[ClaimOut]


class AlertOut(BaseModel):
    """Something whose reviews turned: more complaints or a larger negative share than usual."""

    id: str
    scope: str = Field(description="item, brand or category.")
    key: str = Field(description="The item id, brand or category name.")
    kind: str = Field(description="What jumped, e.g. negative_share or complaint_volume.")
    raised_at: datetime
    value: float = Field(description="The value that raised it.")
    baseline: float = Field(description="What was expected.")
    reason: str
    reviews: list[str] = Field(description="Ids of the reviews behind it.")


class AlertList(BaseModel):
    """Alerts, newest first."""

    alerts: list[AlertOut]


class AspectShareOut(BaseModel):
    """How often an aspect came up in a period and how often it was criticised."""

    aspect: str
    share: float = Field(description="Share of the period's reviews that mention it.")
    negative_share: float = Field(description="Share of those mentions that criticise it.")


class TrendPointOut(BaseModel):
    """One period of a trend."""

    start: datetime = Field(description="The period's first moment (UTC).")
    reviews: int
    negative_share: float
    aspects: list[AspectShareOut] = Field(description="Most mentioned first.")


class TrendOut(BaseModel):
    """Review volume, negative share and aspect shares over time for one product, brand or
    category."""

    scope: str
    key: str
    bucket: str
    points: list[TrendPointOut] = Field(
        description="Oldest first; periods without reviews left out."
    )
