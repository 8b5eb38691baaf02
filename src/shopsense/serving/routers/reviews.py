"""`POST /v1/reviews` (one review or a batch) and `GET /v1/items/{item_id}/reviews/summary`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import Discriminator, Field, Tag

from shopsense.data import schema
from shopsense.reviews.summary import ProductSummary, Quote
from shopsense.serving.deps import (
    BODY_ERRORS,
    CATALOG_ERRORS,
    SHOPPER_ERRORS,
    WRITE_ERRORS,
    CallerDep,
    RuntimeDep,
    require_catalog,
    require_shopper,
)
from shopsense.serving.review_schemas import (
    MAX_REVIEWS,
    AspectOut,
    AspectSummaryOut,
    ClaimOut,
    QuoteOut,
    ReviewIn,
    ReviewOut,
    ReviewsAccepted,
    ReviewSummaryOut,
)
from shopsense.serving.schemas import PathId, Problem
from shopsense.text.pii import mask_pii

router = APIRouter(prefix="/v1", tags=["reviews"])


def _shape(body: object) -> str:
    return "reviews" if isinstance(body, list) else "review"


Reviews = Annotated[
    Annotated[ReviewIn, Tag("review")]
    | Annotated[list[ReviewIn], Field(min_length=1, max_length=MAX_REVIEWS), Tag("reviews")],
    Discriminator(_shape),
]


@router.post(
    "/reviews",
    status_code=status.HTTP_201_CREATED,
    responses={**SHOPPER_ERRORS, **BODY_ERRORS, **WRITE_ERRORS},
)
async def add_reviews(
    reviews: Annotated[Reviews, Body(description=f"One review or a list of up to {MAX_REVIEWS}.")],
    runtime: RuntimeDep,
    caller: CallerDep,
) -> ReviewsAccepted:
    """Store reviews and read them: language, sentiment and the aspects each talks about.
    Personal data in the text (e-mail addresses, phone numbers, card numbers, addresses) is
    masked before anything is stored. The reply comes after they are committed; the products'
    summaries and the trends already count them, and any alert they raise is listed. Reviews of
    products outside the served catalogue are refused (422). An admin key may send anyone's
    reviews; a shopper token only its shopper's."""
    batch = reviews if isinstance(reviews, list) else [reviews]
    for user in dict.fromkeys(review.user for review in batch):
        require_shopper(caller, user)
    catalogue = runtime.served.bundle.catalogue
    unknown = [i for i, review in enumerate(batch) if catalogue.index_of(review.item) is None]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "unknown_item",
                    "loc": ("body", i, "item") if isinstance(reviews, list) else ("body", "item"),
                    "msg": "unknown item id: not in the served catalogue",
                }
                for i in unknown
            ]
        )
    received = datetime.now(UTC)
    frame = pl.DataFrame(
        {
            "user_id": [review.user for review in batch],
            "item_id": [review.item for review in batch],
            "rating": [review.rating for review in batch],
            "text": [mask_pii(review.text) for review in batch],
            "timestamp": [review.timestamp or received for review in batch],
        },
        schema=schema.REVIEWS,
    )
    analyzed, alerts = await runtime.add_reviews(frame)
    return ReviewsAccepted(
        reviews=[_review_out(row) for row in analyzed.iter_rows(named=True)],
        alerts=alerts,
    )


@router.get(
    "/items/{item_id}/reviews/summary",
    dependencies=[Depends(require_catalog)],
    responses={**CATALOG_ERRORS, 404: {"model": Problem, "description": "Unknown item."}},
)
async def review_summary(item_id: PathId, runtime: RuntimeDep) -> ReviewSummaryOut:
    """A product's reviews in one view: count, rating distribution, sentiment shares, the most
    discussed aspects with their sentiment and quotes, and a one-line summary whose every claim
    is backed by the quotes listed with it."""
    if runtime.served.bundle.catalogue.index_of(item_id) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown item")
    return _summary_out(runtime.reviews.summary(item_id))


def _review_out(row: dict) -> ReviewOut:
    return ReviewOut(
        review=row["review_id"],
        user=row["user_id"],
        item=row["item_id"],
        text=row["text"],
        language=row["language"],
        sentiment=row["sentiment"],
        score=round(row["score"], 4),
        positive=round(row["positive"], 4),
        aspects=[
            AspectOut(
                term=m["term"],
                aspect=m["aspect"],
                sentiment=m["sentiment"],
                score=round(m["score"], 4),
            )
            for m in row["aspects"] or ()
        ],
    )


def _quotes(quotes: tuple[Quote, ...]) -> list[QuoteOut]:
    return [QuoteOut(review=quote.review_id, text=quote.text) for quote in quotes]


def _summary_out(summary: ProductSummary) -> ReviewSummaryOut:
    return ReviewSummaryOut(
        item=summary.item_id,
        reviews=summary.reviews,
        mean_rating=None if summary.mean_rating is None else round(summary.mean_rating, 3),
        ratings={str(star): n for star, n in summary.ratings.items()},
        sentiment={label: round(share, 4) for label, share in summary.sentiment.items()},
        aspects=[
            AspectSummaryOut(
                aspect=a.aspect,
                mentions=a.mentions,
                positive=a.positive,
                negative=a.negative,
                neutral=a.neutral,
                sentiment=a.sentiment,
                quotes=_quotes(a.quotes),
            )
            for a in summary.aspects
        ],
        summary=summary.summary,
        claims=[
            ClaimOut(aspect=c.aspect, sentiment=c.sentiment, quotes=_quotes(c.quotes))
            for c in summary.claims
        ],
    )
