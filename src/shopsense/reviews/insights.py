"""A shop's reviews as the engine keeps them: every review's reading, the product summaries over
them and the monitor that watches the stream for trends and alerts.

`ShopReviews` is built once from the analysed reviews (a bundle's, then a server's), reads new
ones with the shop's review analyzer (`read`), takes them as they come (`add`: the product's
summary and the trends change at once) and forgets a shopper's (`forget_user`). A shop whose
reviews were too few to train an analyzer on reads a review's sentiment off its star rating
(4-5 positive, 1-2 negative, 3 neutral) and finds no aspects in it. Review ids are content
digests (`review_id`), so the same stored review gets the same id in a bundle, in the store and
over the API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import polars as pl

from shopsense.data import schema
from shopsense.data.language import detect_language
from shopsense.reviews.alerts import Alert, MonitorConfig, ObservedReview, ReviewMonitor
from shopsense.reviews.analysis import ANALYZED, ReviewAnalysis, empty_analyzed
from shopsense.reviews.analyzer import ReviewAnalyzer
from shopsense.reviews.corpora import NEGATIVE, NEUTRAL, POSITIVE
from shopsense.reviews.summary import ProductSummary, summarize
from shopsense.text.pii import mask_pii

__all__ = ["ShopReviews", "analyzed_frame", "rating_reading", "review_id", "review_ids"]

#: The moment a review without a timestamp is taken to have been written (its arrival is
#: unknown once stored): the start of the epoch, so it counts in summaries but never as news.
_UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


def review_id(user_id: str, item_id: str, timestamp: datetime | None, text: str) -> str:
    """The id of a stored review: a digest of who wrote what about which product when."""
    moment = timestamp.isoformat() if timestamp is not None else ""
    content = "\x1f".join((user_id, item_id, moment, text))
    return "r" + hashlib.sha256(content.encode()).hexdigest()[:16]


def review_ids(reviews: pl.DataFrame) -> list[str]:
    """The id of each review of a `shopsense.data.schema.REVIEWS` frame."""
    return [
        review_id(user, item, moment, text or "")
        for user, item, moment, text in reviews.select(
            "user_id", "item_id", "timestamp", "text"
        ).iter_rows()
    ]


def analyzed_frame(reviews: pl.DataFrame, readings: Sequence[ReviewAnalysis]) -> pl.DataFrame:
    """Reviews (`shopsense.data.schema.REVIEWS` columns) with their readings, one row each, as
    an `ANALYZED` table; ids from the texts as given, texts PII-masked."""
    if reviews.height != len(readings):
        raise ValueError(f"{reviews.height} reviews but {len(readings)} readings")
    readings_frame = pl.DataFrame(
        {
            "review_id": review_ids(reviews),
            "language": [reading.language for reading in readings],
            "sentiment": [reading.sentiment for reading in readings],
            "score": [reading.score for reading in readings],
            "positive": [reading.positive for reading in readings],
            "aspects": [
                [
                    {
                        "term": m.term,
                        "aspect": m.aspect,
                        "sentiment": m.sentiment,
                        "score": m.score,
                        "start": m.start,
                        "end": m.end,
                    }
                    for m in reading.aspects
                ]
                for reading in readings
            ],
        },
        schema={name: ANALYZED[name] for name in ANALYZED if name not in schema.REVIEWS},
    )
    masked = reviews.select(list(schema.REVIEWS)).with_columns(
        pl.col("text").fill_null("").map_elements(mask_pii, return_dtype=pl.Utf8)
    )
    return pl.concat([masked, readings_frame], how="horizontal").select(list(ANALYZED))


def rating_reading(rating: float | None, text: str) -> ReviewAnalysis:
    """A review's reading from its star rating alone (no text model)."""
    if rating is None:
        return ReviewAnalysis(detect_language(text), NEUTRAL, 1.0, 0.5)
    positive = min(1.0, max(0.0, (rating - 1) / 4))
    sentiment = POSITIVE if rating >= 4 else NEGATIVE if rating <= 2 else NEUTRAL
    return ReviewAnalysis(detect_language(text), sentiment, 1.0, positive)


class ShopReviews:
    """Analysed reviews, their product summaries, trends and alerts, and the analyzer that
    reads new ones (None: readings from ratings)."""

    def __init__(
        self,
        analyzed: pl.DataFrame,
        items: pl.DataFrame,
        analyzer: ReviewAnalyzer | None = None,
        language: str = "en",
        monitor: MonitorConfig | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.language = language
        self.monitor_config = monitor
        self._places = {
            item: (brand, tuple(categories or ()))
            for item, brand, categories in items.select(
                "item_id", "brand", "categories"
            ).iter_rows()
        }
        self.analyzed = empty_analyzed()
        self.monitor = ReviewMonitor(monitor)
        self._summaries: dict[str, ProductSummary] = {}
        self.add(analyzed)

    def __len__(self) -> int:
        return self.analyzed.height

    def read(self, reviews: pl.DataFrame, remember: bool = False) -> pl.DataFrame:
        """Analyse reviews (`shopsense.data.schema.REVIEWS` columns) into `ANALYZED` rows;
        `remember=False` keeps shoppers' words out of the encoder's on-disk cache."""
        texts = reviews["text"].fill_null("").to_list()
        if self.analyzer is not None:
            readings = self.analyzer.analyze(texts, remember=remember)
        else:
            ratings = reviews["rating"].to_list()
            readings = [rating_reading(r, t) for r, t in zip(ratings, texts, strict=True)]
        return analyzed_frame(reviews, readings)

    def catch_up(self, stored: pl.DataFrame) -> int:
        """Read and add the reviews of `stored` (`REVIEWS` columns) not read yet, e.g. those
        posted since a bundle was trained; returns how many."""
        unread = stored.filter(
            ~pl.Series(review_ids(stored), dtype=pl.Utf8).is_in(
                self.analyzed["review_id"].implode()
            )
        )
        if unread.height:
            self.add(self.read(unread))
        return unread.height

    def add(self, analyzed: pl.DataFrame) -> list[Alert]:
        """Take new analysed reviews (already-known ids are ignored): they join their products'
        summaries and the trends at once. Returns the alerts they raised."""
        fresh = analyzed.filter(~pl.col("review_id").is_in(self.analyzed["review_id"].implode()))
        fresh = fresh.unique("review_id", keep="first", maintain_order=True)
        if not fresh.height:
            return []
        self.analyzed = pl.concat([self.analyzed, fresh.select(list(ANALYZED))])
        for item in fresh["item_id"].unique().to_list():
            self._summaries.pop(item, None)
        ordered = fresh.with_columns(pl.col("timestamp").fill_null(_UNDATED)).sort(
            "timestamp", maintain_order=True
        )
        alerts: list[Alert] = []
        for row in ordered.iter_rows(named=True):
            alerts += self.monitor.observe(self._observed(row))
        return alerts

    def summary(self, item_id: str) -> ProductSummary:
        """The product's summary (an empty one for a product without reviews)."""
        if item_id not in self._summaries:
            rows = self.analyzed.filter(pl.col("item_id") == item_id)
            self._summaries[item_id] = summarize(item_id, rows, self.language)
        return self._summaries[item_id]

    def reviews_of(self, ids: Sequence[str]) -> pl.DataFrame:
        """The analysed reviews with these ids (in stored order)."""
        return self.analyzed.filter(pl.col("review_id").is_in(list(ids)))

    def forget_user(self, user_id: str) -> int:
        """Drop a shopper's reviews everywhere (summaries, trends, alerts' evidence); returns how
        many were dropped."""
        mine = self.analyzed["user_id"] == user_id
        dropped = int(mine.sum())
        if dropped:
            kept = self.analyzed.filter(~mine)
            self.analyzed = empty_analyzed()
            self.monitor = ReviewMonitor(self.monitor_config)
            self._summaries.clear()
            self.add(kept)
        return dropped

    def _observed(self, row: dict) -> ObservedReview:
        brand, categories = self._places.get(row["item_id"], (None, ()))
        return ObservedReview(
            review_id=row["review_id"],
            item_id=row["item_id"],
            brand=brand,
            categories=categories,
            timestamp=row["timestamp"],
            negative=row["sentiment"] == NEGATIVE,
            aspects=tuple((m["aspect"], m["sentiment"]) for m in row["aspects"] or ()),
        )
