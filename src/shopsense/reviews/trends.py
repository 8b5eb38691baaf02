"""Review trends per product, brand and category: volume, negative share and aspect shares.

`TrendBook` files each observed review under the day of its own timestamp (so a review that arrives
late still lands in its period) for every scope it belongs to, and rolls days up into weeks
(starting Monday) or months on request.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from shopsense.data.errors import DataError

__all__ = [
    "BUCKETS",
    "SCOPES",
    "AspectShare",
    "ObservedReview",
    "TrendBook",
    "TrendPoint",
    "scope_keys",
]

#: The scopes a review is tracked under.
SCOPES = ("item", "brand", "category")
#: The periods a trend can be rolled up to.
BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class ObservedReview:
    """One analysed review as the trend and alert monitor sees it."""

    review_id: str
    item_id: str
    brand: str | None
    categories: tuple[str, ...]
    timestamp: datetime
    """When it was written; timezone-aware."""
    negative: bool
    aspects: tuple[tuple[str, str], ...] = ()
    """(aspect, sentiment) pairs, sentiment positive / negative / neutral."""


@dataclass(frozen=True)
class AspectShare:
    """How often an aspect came up in a period and how often it was criticised."""

    aspect: str
    share: float
    """Share of the period's reviews that mention it."""
    negative_share: float
    """Share of the reviews mentioning it that criticise it."""


@dataclass(frozen=True)
class TrendPoint:
    """One period of a scope's trend."""

    start: datetime
    reviews: int
    negatives: int
    negative_share: float
    aspects: tuple[AspectShare, ...]
    """Most mentioned first."""


@dataclass
class _Tally:
    reviews: int = 0
    negatives: int = 0
    mentions: Counter[str] = field(default_factory=Counter)
    complaints: Counter[str] = field(default_factory=Counter)

    def add(self, other: _Tally) -> None:
        self.reviews += other.reviews
        self.negatives += other.negatives
        self.mentions.update(other.mentions)
        self.complaints.update(other.complaints)


def validate(review: ObservedReview) -> datetime:
    """The review's timestamp in UTC; a `DataError` naming the field if the review is malformed."""
    stamp = review.timestamp
    if not isinstance(stamp, datetime) or stamp.tzinfo is None or stamp.utcoffset() is None:
        raise DataError(
            "must be a timezone-aware datetime", record=review.review_id, field="timestamp"
        )
    if not review.review_id:
        raise DataError("must not be empty", record=review.item_id, field="review_id")
    if not review.item_id:
        raise DataError("must not be empty", record=review.review_id, field="item_id")
    return stamp.astimezone(UTC)


def scope_keys(review: ObservedReview) -> list[tuple[str, str]]:
    """The (scope, key) pairs a review counts toward: its item, its brand and each category."""
    keys = [("item", review.item_id)]
    if review.brand:
        keys.append(("brand", review.brand))
    keys.extend(("category", category) for category in dict.fromkeys(review.categories) if category)
    return keys


def period_start(day: date, bucket: str) -> date:
    """The first day of the `bucket` period that holds `day`."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise ValueError(f"bucket must be one of {BUCKETS}, got {bucket!r}")


class TrendBook:
    """Daily tallies per (scope, key), rolled up to trends on request."""

    def __init__(self) -> None:
        self._days: dict[tuple[str, str], dict[date, _Tally]] = defaultdict(dict)

    def add(self, review: ObservedReview) -> None:
        """File `review` under the day of its timestamp for each of its scopes."""
        day = validate(review).date()
        mentioned = set(name for name, _ in review.aspects)
        criticised = set(name for name, sentiment in review.aspects if sentiment == "negative")
        for scope_key in scope_keys(review):
            tally = self._days[scope_key].setdefault(day, _Tally())
            tally.reviews += 1
            tally.negatives += int(review.negative)
            tally.mentions.update(mentioned)
            tally.complaints.update(criticised)

    def keys(self, scope: str) -> list[str]:
        """The keys seen under `scope`, sorted."""
        return sorted(key for kind, key in self._days if kind == scope)

    def trend(self, scope: str, key: str, bucket: str = "week") -> list[TrendPoint]:
        """The periods of (`scope`, `key`) that have reviews, oldest first."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
        periods: dict[date, _Tally] = defaultdict(_Tally)
        for day, tally in self._days.get((scope, key), {}).items():
            periods[period_start(day, bucket)].add(tally)
        return [_point(start, periods[start]) for start in sorted(periods)]


def _point(start: date, tally: _Tally) -> TrendPoint:
    aspects = tuple(
        AspectShare(
            aspect=aspect,
            share=count / tally.reviews,
            negative_share=tally.complaints[aspect] / count,
        )
        for aspect, count in tally.mentions.most_common()
    )
    return TrendPoint(
        start=datetime(start.year, start.month, start.day, tzinfo=UTC),
        reviews=tally.reviews,
        negatives=tally.negatives,
        negative_share=tally.negatives / tally.reviews,
        aspects=aspects,
    )
