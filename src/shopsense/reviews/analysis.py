"""What reading a review yields: its language, its sentiment and the aspects it talks about.

These are the records every review consumer shares (product summaries, trends and alerts,
search and ranking signals, the REST API), and `ANALYZED`, the columns of a table of analysed
reviews, one row per review.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shopsense.data import schema

__all__ = ["ANALYZED", "ASPECT", "AspectMention", "ReviewAnalysis", "empty_analyzed"]


@dataclass(frozen=True)
class AspectMention:
    """One aspect a review talks about and the sentiment toward it."""

    term: str
    """The words as the review writes them ("battery life", "物流")."""
    aspect: str
    """The canonical aspect the term belongs to (one name for "battery" and "battery life")."""
    sentiment: str
    """positive, negative or neutral."""
    score: float
    """The model's probability of `sentiment`."""
    start: int
    """Where the term starts in the review's text (characters)."""
    end: int
    """Where it ends (exclusive)."""


@dataclass(frozen=True)
class ReviewAnalysis:
    """The reading of one review."""

    language: str
    sentiment: str
    """positive, negative or neutral."""
    score: float
    """The model's probability of `sentiment`."""
    positive: float
    """The model's probability that the review is positive (what aggregates average)."""
    aspects: tuple[AspectMention, ...] = ()


#: One aspect mention in a table of analysed reviews.
ASPECT = pl.Struct(
    {
        "term": pl.Utf8(),
        "aspect": pl.Utf8(),
        "sentiment": pl.Utf8(),
        "score": pl.Float64(),
        "start": pl.Int32(),
        "end": pl.Int32(),
    }
)

#: Columns of a table of analysed reviews: the stored review (text PII-masked) and its reading.
ANALYZED: dict[str, pl.DataType] = {
    "review_id": pl.Utf8(),
    **schema.REVIEWS,
    "language": pl.Utf8(),
    "sentiment": pl.Utf8(),
    "score": pl.Float64(),
    "positive": pl.Float64(),
    "aspects": pl.List(ASPECT),
}


def empty_analyzed() -> pl.DataFrame:
    """An empty table of analysed reviews."""
    return pl.DataFrame(schema=ANALYZED)
