"""Streaming review alerts: a jump in the complaints or the negative share of a product, brand
or category.

`ReviewMonitor.observe` takes analysed reviews one at a time (cheap per call). Per (scope, key) it
counts reviews and negative reviews in time buckets and keeps a `BurstDetector` on each count. On
every arrival it scores the open bucket together with the closed ones before it:

* `complaint_volume`: the negative-review count over the detector's horizons against its baseline
  (negative-binomial surprise, see `shopsense.reviews.detector`);
* `negative_share`: the negatives among the horizon's reviews against the key's baseline share,
  shrunk toward the share over all reviews seen (binomial surprise).

A key's complaint volume is judged once its detector has seen `detector.warmup` buckets; its
negative share from its first review (its baseline share starts at the overall one).

An alert is raised when a surprise reaches `threshold` with at least `min_negatives` negative
reviews behind it, at most once per `cooldown` buckets per key and kind. It names the reviews
behind it (the horizon's negative reviews) and says why in a sentence.

Late reviews: a review is evaluated when it arrives. The detectors count it in the key's open
bucket even when its timestamp is older (a late complaint is news now); the trends file it under
the period of its own timestamp.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from shopsense.reviews.detector import BurstDetector, DetectorConfig, share_surprise
from shopsense.reviews.trends import ObservedReview, TrendBook, TrendPoint, scope_keys, validate

__all__ = ["KINDS", "Alert", "MonitorConfig", "ObservedReview", "ReviewMonitor", "TrendPoint"]

#: The kinds of alert the monitor raises.
KINDS = ("complaint_volume", "negative_share")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Alert:
    """A jump in complaints about one product, brand or category."""

    id: str
    scope: str
    """item, brand or category."""
    key: str
    kind: str
    """complaint_volume or negative_share."""
    raised_at: datetime
    """The timestamp of the review that raised it."""
    value: float
    """Negative reviews in the window (complaint_volume) or their share of its reviews
    (negative_share)."""
    baseline: float
    """What the baseline expected for `value`."""
    reason: str
    reviews: tuple[str, ...]
    """The negative reviews behind it, oldest first."""


def _review_detector() -> DetectorConfig:
    """Daily buckets: horizons of 1, 3 and 7 days, a two-month half-life, two weeks of warm-up."""
    return DetectorConfig(horizons=(1, 3, 7), half_life=60.0, warmup=14, min_mean=0.02)


class MonitorConfig(BaseModel):
    """Buckets, detector settings and alert rules of a `ReviewMonitor` (bucket units throughout)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bucket_hours: float = Field(default=24.0, gt=0, description="length of a counting bucket")
    detector: DetectorConfig = Field(default_factory=_review_detector)
    threshold: float = Field(
        default=6.0, gt=0, description="surprise (-log10 p) that raises an alert"
    )
    min_negatives: int = Field(
        default=3, ge=1, description="negative reviews an alert needs behind it"
    )
    cooldown: int = Field(
        default=7, ge=0, description="buckets before a key and kind can alert again"
    )
    share_prior: float = Field(
        default=20.0,
        gt=0,
        description="pseudo-reviews at the overall negative share in a key's baseline share",
    )


@dataclass(frozen=True)
class _Finding:
    """The most surprising horizon of one kind of alert."""

    surprise: float
    horizon: int
    value: float
    baseline: float


@dataclass
class _Stream:
    """The counting state of one (scope, key)."""

    negatives: BurstDetector
    reviews: BurstDetector
    bucket: int
    open_negatives: int = 0
    open_reviews: int = 0
    recent: deque[tuple[int, str]] = field(default_factory=deque)
    last_alert: dict[str, int] = field(default_factory=dict)


class ReviewMonitor:
    """Trends and alerts over a stream of analysed reviews."""

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()
        self._bucket = timedelta(hours=self.config.bucket_hours)
        self._span = max(self.config.detector.horizons)
        self._streams: dict[tuple[str, str], _Stream] = {}
        self._alerts: list[Alert] = []
        self._trends = TrendBook()
        self._seen = 0
        self._negative = 0
        self._raised = 0

    @classmethod
    def replay(
        cls, reviews: Iterable[ObservedReview], config: MonitorConfig | None = None
    ) -> ReviewMonitor:
        """A monitor that has observed `reviews` in time order (sorted here by timestamp)."""
        monitor = cls(config)
        for review in sorted(reviews, key=validate):
            monitor.observe(review)
        return monitor

    def observe(self, review: ObservedReview) -> list[Alert]:
        """Count `review` under its item, brand and categories; return the alerts it raises."""
        stamp = validate(review)
        self._trends.add(review)
        self._seen += 1
        self._negative += int(review.negative)
        bucket = (stamp - EPOCH) // self._bucket
        raised = []
        for scope, key in scope_keys(review):
            stream = self._streams.get((scope, key))
            if stream is None:
                detector = self.config.detector
                stream = _Stream(BurstDetector(detector), BurstDetector(detector), bucket)
                self._streams[(scope, key)] = stream
            self._advance(stream, bucket)
            stream.open_reviews += 1
            if review.negative:
                stream.open_negatives += 1
                stream.recent.append((stream.bucket, review.review_id))
                raised.extend(self._check(scope, key, stream, stamp))
        self._alerts.extend(raised)
        return raised

    def alerts(self, since: datetime | None = None) -> list[Alert]:
        """Alerts raised so far (those raised at or after `since`), oldest first."""
        if since is None:
            return list(self._alerts)
        return [alert for alert in self._alerts if alert.raised_at >= since]

    def trend(self, scope: str, key: str, bucket: str = "week") -> list[TrendPoint]:
        """Volume, negative share and aspect shares of (`scope`, `key`) per day, week or month."""
        return self._trends.trend(scope, key, bucket)

    def keys(self, scope: str) -> list[str]:
        """The keys seen under `scope` (item ids, brands or categories)."""
        return self._trends.keys(scope)

    def _advance(self, stream: _Stream, bucket: int) -> None:
        """Close the open bucket when `bucket` is later; a late review stays in the open one."""
        if bucket <= stream.bucket:
            return
        stream.negatives.update(stream.open_negatives)
        stream.reviews.update(stream.open_reviews)
        stream.negatives.skip(bucket - stream.bucket - 1)
        stream.reviews.skip(bucket - stream.bucket - 1)
        stream.bucket, stream.open_negatives, stream.open_reviews = bucket, 0, 0
        while stream.recent and stream.recent[0][0] <= bucket - self._span:
            stream.recent.popleft()

    def _check(self, scope: str, key: str, stream: _Stream, stamp: datetime) -> list[Alert]:
        """The alerts the open bucket raises for one key."""
        config = self.config
        warm = stream.negatives.buckets >= config.detector.warmup
        overall = (self._negative + 1) / (self._seen + 2)
        reviews = {s.buckets: s for s in stream.reviews.peek_horizons(stream.open_reviews)}
        best: dict[str, _Finding] = {}
        for score in stream.negatives.peek_horizons(stream.open_negatives):
            if score.total < config.min_negatives:
                continue
            volume = _Finding(score.score, score.buckets, score.total, score.expected)
            seen = reviews[score.buckets]
            usual = (score.expected + overall * config.share_prior) / (
                seen.expected + config.share_prior
            )
            surprise = share_surprise(score.total, seen.total, usual)
            share = _Finding(surprise, score.buckets, score.total / seen.total, usual)
            for kind, finding in (("complaint_volume", volume), ("negative_share", share)):
                if kind == "complaint_volume" and not warm:
                    continue
                if kind not in best or finding.surprise > best[kind].surprise:
                    best[kind] = finding
        found = []
        for kind, finding in best.items():
            last = stream.last_alert.get(kind)
            if finding.surprise < config.threshold:
                continue
            if last is not None and stream.bucket - last < config.cooldown:
                continue
            stream.last_alert[kind] = stream.bucket
            found.append(self._alert(scope, key, kind, stamp, stream, finding))
        return found

    def _alert(
        self, scope: str, key: str, kind: str, stamp: datetime, stream: _Stream, finding: _Finding
    ) -> Alert:
        first = stream.bucket - finding.horizon + 1
        behind = tuple(review_id for bucket, review_id in stream.recent if bucket >= first)
        since = EPOCH + first * self._bucket
        odds = f"p = 10^-{finding.surprise:.1f}"
        if kind == "complaint_volume":
            reason = (
                f"{finding.value:g} negative reviews of {scope} {key} since {since:%Y-%m-%d %H:%M} "
                f"UTC, against {finding.baseline:.2f} expected ({odds})"
            )
        else:
            reason = (
                f"{finding.value:.0%} of the reviews of {scope} {key} since "
                f"{since:%Y-%m-%d %H:%M} UTC are negative ({len(behind)} reviews), against a "
                f"usual {finding.baseline:.0%} ({odds})"
            )
        self._raised += 1
        return Alert(
            id=f"{kind}:{scope}:{key}:{stamp:%Y%m%dT%H%M%S}:{self._raised}",
            scope=scope,
            key=key,
            kind=kind,
            raised_at=stamp,
            value=float(finding.value),
            baseline=float(finding.baseline),
            reason=reason,
            reviews=behind,
        )
