"""Review trends and alerts: a burst raises an alert with its reviews; a steady stream does not."""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from shopsense.data.errors import DataError
from shopsense.reviews.alerts import MonitorConfig, ObservedReview, ReviewMonitor
from shopsense.reviews.detector import (
    Alarm,
    BurstDetector,
    DetectorConfig,
    alarm_points,
    share_surprise,
    tail_surprise,
)

START = datetime(2021, 1, 4, tzinfo=UTC)  # a Monday


def steady_stream(days: int = 200, seed: int = 0) -> list[ObservedReview]:
    """About 12 reviews a day over 10 products of two brands, 5% negative, some with aspects."""
    rng = random.Random(seed)
    reviews = []
    for number in range(days * 12):
        item = f"p{rng.randrange(10)}"
        negative = rng.random() < 0.05
        aspects = (("delivery", "negative" if negative else "positive"),) if number % 3 else ()
        reviews.append(
            ObservedReview(
                review_id=f"r{number}",
                item_id=item,
                brand="acme" if item < "p5" else "zeta",
                categories=("Cards", "Gift Cards"),
                timestamp=START + timedelta(days=number / 12 + rng.random() / 12),
                negative=negative,
                aspects=aspects,
            )
        )
    return reviews


def burst(item: str, start: datetime, count: int, gap_hours: float) -> list[ObservedReview]:
    return [
        ObservedReview(
            review_id=f"burst{k}",
            item_id=item,
            brand="acme",
            categories=("Cards", "Gift Cards"),
            timestamp=start + timedelta(hours=gap_hours * k),
            negative=True,
            aspects=(("balance", "negative"),),
        )
        for k in range(count)
    ]


@pytest.fixture(scope="module")
def steady() -> ReviewMonitor:
    return ReviewMonitor.replay(steady_stream())


def test_steady_stream_stays_quiet(steady: ReviewMonitor) -> None:
    assert steady.alerts() == []
    assert steady.keys("brand") == ["acme", "zeta"]


def test_injected_burst_raises_an_alert_with_its_reviews() -> None:
    reviews = steady_stream()
    start = reviews[-1].timestamp + timedelta(hours=1)
    injected = burst("p3", start, 8, 2.0)
    monitor = ReviewMonitor.replay(reviews)
    raised = [alert for review in injected for alert in monitor.observe(review)]
    item = [a for a in raised if a.scope == "item" and a.key == "p3"]
    assert item, "no alert on the product with the burst"
    first = item[0]
    assert first.kind in ("complaint_volume", "negative_share")
    assert start <= first.raised_at <= injected[-1].timestamp
    assert set(first.reviews) <= {r.review_id for r in injected}
    assert len(first.reviews) >= monitor.config.min_negatives
    assert first.value > first.baseline
    assert "p3" in first.reason and "negative" in first.reason
    assert monitor.alerts(since=start) == monitor.alerts()
    assert monitor.alerts(since=injected[-1].timestamp + timedelta(days=1)) == []
    assert len({alert.id for alert in monitor.alerts()}) == len(monitor.alerts())


def test_new_product_all_negative_raises_a_share_alert() -> None:
    monitor = ReviewMonitor.replay(steady_stream(days=60))
    start = START + timedelta(days=61)
    raised = [a for r in burst("fresh", start, 6, 1.0) for a in monitor.observe(r)]
    assert any(a.kind == "negative_share" and a.key == "fresh" for a in raised)
    assert not any(a.kind == "complaint_volume" and a.key == "fresh" for a in raised)


def test_trend_periods_shares_and_aspects(steady: ReviewMonitor) -> None:
    weeks = steady.trend("item", "p1", "week")
    days = steady.trend("item", "p1", "day")
    months = steady.trend("item", "p1", "month")
    assert (
        sum(p.reviews for p in weeks)
        == sum(p.reviews for p in days)
        == sum(p.reviews for p in months)
    )
    assert all(p.start.weekday() == 0 for p in weeks)
    assert all(p.start.day == 1 for p in months)
    point = steady.trend("brand", "acme", "week")[3]
    week = [
        r
        for r in steady_stream()
        if r.brand == "acme" and point.start <= r.timestamp < point.start + timedelta(days=7)
    ]
    assert point.reviews == len(week)
    assert point.negatives == sum(r.negative for r in week)
    assert point.negative_share == pytest.approx(point.negatives / point.reviews)
    delivery = next(a for a in point.aspects if a.aspect == "delivery")
    mentions = [r for r in week if r.aspects]
    assert delivery.share == pytest.approx(len(mentions) / len(week))
    assert delivery.negative_share == pytest.approx(
        sum(r.aspects[0][1] == "negative" for r in mentions) / len(mentions)
    )
    assert steady.trend("brand", "nobody") == []
    with pytest.raises(ValueError, match="bucket"):
        steady.trend("item", "p1", "year")
    with pytest.raises(ValueError, match="scope"):
        steady.trend("shop", "p1")


def test_late_review_goes_to_its_own_period() -> None:
    reviews = steady_stream(days=30)
    monitor = ReviewMonitor.replay(reviews)
    before = {p.start: p.reviews for p in monitor.trend("item", "p2", "day")}
    late = ObservedReview("late", "p2", "acme", ("Cards",), START + timedelta(days=2), True)
    assert monitor.observe(late) == []
    after = {p.start: p.reviews for p in monitor.trend("item", "p2", "day")}
    day = START + timedelta(days=2)
    assert after[day] == before.get(day, 0) + 1


def test_bad_reviews_and_config_are_rejected() -> None:
    monitor = ReviewMonitor()
    naive = ObservedReview("r1", "p1", None, (), datetime(2021, 1, 1), False)
    with pytest.raises(DataError, match="timestamp"):
        monitor.observe(naive)
    with pytest.raises(DataError, match="item_id"):
        monitor.observe(ObservedReview("r2", "", None, (), START, False))
    with pytest.raises(ValidationError):
        MonitorConfig(threshold=6.0, thresh=1.0)
    with pytest.raises(ValidationError, match="horizons"):
        DetectorConfig(horizons=(0, 3))


def test_detector_peek_skip_and_alarm_agree() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(3.0, 400).astype(float)
    counts[350] = 30.0
    config = DetectorConfig(horizons=(1, 4), half_life=50.0, warmup=20)
    one, two = BurstDetector(config), BurstDetector(config)
    scores = []
    for count in counts:
        peeked = one.peek(count)
        scores.append(one.update(count))
        assert peeked == pytest.approx(scores[-1])
    assert int(np.argmax(scores)) == 350 and scores[350] > 10
    for _ in range(30):
        two.update(0.0)
    skipping = BurstDetector(config)
    skipping.skip(30)
    assert skipping.buckets == two.buckets
    assert skipping.update(5.0) == pytest.approx(two.update(5.0))
    alarm = Alarm(threshold=2.0, cooldown=10)
    streamed = np.array([alarm.check(score) for score in scores])
    np.testing.assert_array_equal(streamed, alarm_points(np.array(scores), 2.0, 10))
    with pytest.raises(ValueError, match="count"):
        one.update(-1.0)


def test_record_normalised_scores() -> None:
    config = DetectorConfig(horizons=(1,), half_life=50.0, warmup=20, record_window=100)
    detector = BurstDetector(config)
    counts = np.random.default_rng(1).poisson(3.0, 300).astype(float)
    counts[[150, 160]] = 40.0
    scores = [detector.update(count) for count in counts]
    assert scores[150] > 1.0  # a new record
    assert scores[160] < scores[150]  # the same spike again is less news


def test_tail_probabilities() -> None:
    assert tail_surprise(0, 1.0, 1.0) == 0.0
    assert tail_surprise(3, 1.0, 1.0) == pytest.approx(-np.log10(0.0803014), rel=1e-4)
    assert tail_surprise(10, 2.0, 8.0) < tail_surprise(10, 2.0, 2.0)  # over-dispersion
    assert share_surprise(3, 3, 0.5) == pytest.approx(-np.log10(0.125))
    assert share_surprise(1, 10, 0.5) == 0.0


def test_gift_cards_stream(shared_data: Path) -> None:
    """The real Gift Cards reviews: few alerts untouched; a burst on a real product is caught."""
    folder = shared_data / "amazon-giftcards-2018-5core-raw"
    with gzip.open(folder / "Gift_Cards_5.json.gz", "rt") as lines:
        rows = [json.loads(line) for line in lines]
    reviews = [
        ObservedReview(
            review_id=f"r{n}",
            item_id=row["asin"],
            brand=None,
            categories=("Gift Cards",),
            timestamp=datetime.fromtimestamp(row["unixReviewTime"], UTC),
            negative=row["overall"] <= 2,
        )
        for n, row in enumerate(rows)
    ]
    quiet = ReviewMonitor.replay(reviews)
    span_months = (max(r.timestamp for r in reviews) - min(r.timestamp for r in reviews)).days / 30
    assert len(quiet.alerts()) / span_months < 0.5
    item = max({r.item_id for r in reviews}, key=[r.item_id for r in reviews].count)
    start = datetime(2017, 6, 1, 9, tzinfo=UTC)
    injected = [
        ObservedReview(
            f"burst{k}", item, None, ("Gift Cards",), start + timedelta(hours=2 * k), True
        )
        for k in range(8)
    ]
    monitor = ReviewMonitor.replay(reviews + injected)
    hits = [a for a in monitor.alerts(since=start) if a.scope == "item" and a.key == item]
    assert hits and hits[0].raised_at <= injected[-1].timestamp
    assert set(hits[0].reviews) <= {r.review_id for r in injected}
