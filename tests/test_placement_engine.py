"""The placement engine over a simulated day: budgets, pacing, caps, floor, rules, erasure."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shopsense.placement import (
    AuctionConfig,
    Campaign,
    PlacementConfig,
    PlacementEngine,
    PlacementStore,
    RequestContext,
)

DAY = datetime(2026, 3, 2, tzinfo=UTC)
ORGANIC = [f"o{i}" for i in range(60)]
SCORES = np.linspace(1.0, 0.0, len(ORGANIC))
#: Relevance of the sponsored items for every request: "junk" is below any sensible floor.
RELEVANCE = {"s1": 0.95, "s2": 0.9, "s3": 0.85, "junk": 0.05, "banned": 0.97}
K = 10


def _relevance(items: list[str]) -> np.ndarray:
    return np.array([RELEVANCE[item] for item in items])


def _engine(
    store: PlacementStore, campaigns: list[Campaign], reserve_price: float = 0.01
) -> PlacementEngine:
    auction = AuctionConfig(slots=[1, 5], floor_rank=20, reserve_price=reserve_price)
    config = PlacementConfig(auction=auction)
    engine = PlacementEngine(store, config=config, clock=lambda: DAY)
    for campaign in campaigns:
        engine.save_campaign(campaign)
    return engine


def _campaign(campaign_id: str, items: list[str], **fields: object) -> Campaign:
    return Campaign.model_validate(
        {"campaign_id": campaign_id, "items": items, "bid": 1.0, "daily_budget": 5.0, **fields}
    )


def _serve(engine: PlacementEngine, shopper: str, at: datetime, **options: object):
    context = RequestContext(shopper)
    placement = engine.place(context, ORGANIC, SCORES, K, _relevance, at=at, **options)
    return placement, engine.log(placement)


def test_a_day_of_traffic_never_overspends_and_is_paced() -> None:
    campaigns = [_campaign("c1", ["s1"]), _campaign("c2", ["s2"], bid=0.6, daily_budget=3.0)]
    # A reserve near the bids: every click costs about a bid, so clicks could exhaust either
    # budget within the first hours if pacing did not spread them.
    engine = _engine(PlacementStore(), campaigns, reserve_price=0.5)
    rng = np.random.default_rng(0)
    charged: Counter[str] = Counter()
    by_noon: dict[str, float] = {}
    for minute in range(0, 24 * 60, 3):
        at = DAY + timedelta(minutes=minute)
        if minute == 12 * 60:
            by_noon = dict(charged)
        placement, ids = _serve(engine, f"u{minute}", at)
        for entry, impression_id in zip(placement.entries, ids, strict=True):
            if entry.sponsored and rng.random() < 0.5:  # clicks far beyond the budgets
                charged[entry.campaign_id] += engine.record_outcome(impression_id, at=at)
    for campaign in campaigns:
        budget, cid = campaign.daily_budget, campaign.campaign_id
        assert charged[cid] <= budget + 1e-9
        assert engine.store.spend(DAY.date())[cid] == pytest.approx(charged[cid])
        assert charged[cid] >= 0.8 * budget  # pacing spreads the budget, it does not starve it
        tolerance = engine.config.pacing.tolerance
        assert by_noon[cid] <= budget * (0.5 + tolerance) + campaign.bid


def test_late_clicks_are_charged_only_what_is_left() -> None:
    engine = _engine(PlacementStore(), [_campaign("c1", ["s1"], daily_budget=2.0)])
    ids = []
    for minute in range(24 * 60 - 60, 24 * 60, 10):  # late in the day: pacing lets it bid
        placement, logged = _serve(engine, f"u{minute}", DAY + timedelta(minutes=minute))
        ids += [i for entry, i in zip(placement.entries, logged, strict=True) if entry.sponsored]
    total = sum(engine.record_outcome(i, at=DAY + timedelta(hours=23, minutes=59)) for i in ids)
    assert len(ids) >= 2 and total <= 2.0 + 1e-9


def test_a_capped_shopper_never_sees_the_campaign_again(tmp_path: Path) -> None:
    cap = {"frequency_cap": {"impressions": 2, "window_hours": 24}}
    campaigns = [_campaign("c1", ["s1"], daily_budget=1000.0, **cap)]
    path = tmp_path / "placement.duckdb"
    engine = _engine(PlacementStore(path), campaigns)
    seen = 0
    for minute in range(600, 900, 5):
        placement, _ = _serve(engine, "capped", DAY + timedelta(minutes=minute))
        seen += "s1" in placement.item_ids
        other, _ = _serve(engine, f"other{minute}", DAY + timedelta(minutes=minute))
        assert "s1" in other.item_ids  # the campaign still runs for everyone else
    assert seen == 2
    engine.store.close()
    restarted = PlacementEngine(PlacementStore(path), config=engine.config, clock=lambda: DAY)
    for minute in range(900, 1000, 5):
        placement, _ = _serve(restarted, "capped", DAY + timedelta(minutes=minute))
        assert "s1" not in placement.item_ids
    placement, _ = _serve(restarted, "capped", DAY + timedelta(hours=40))
    assert "s1" in placement.item_ids  # the window has passed


def test_irrelevant_or_disallowed_items_are_never_placed() -> None:
    campaigns = [
        _campaign("junk", ["junk"], bid=100.0, daily_budget=1e6),
        _campaign("banned", ["banned"], bid=100.0, daily_budget=1e6),
    ]
    engine = _engine(PlacementStore(), campaigns)
    allowed = lambda items: np.array([item != "banned" for item in items])  # noqa: E731
    for minute in range(0, 24 * 60, 15):
        at = DAY + timedelta(minutes=minute)
        placement, _ = _serve(engine, f"u{minute}", at, allowed=allowed)
        assert placement.item_ids == ORGANIC[:K]
        assert not any(entry.sponsored for entry in placement.entries)


def test_entries_are_labelled_and_organic_results_kept() -> None:
    campaigns = [_campaign("c1", ["s1"]), _campaign("c3", ["s3"])]
    engine = _engine(PlacementStore(), campaigns)
    placement, _ = _serve(engine, "u", DAY + timedelta(hours=12))
    sponsored = [(e.position, e.item_id, e.campaign_id) for e in placement.entries if e.sponsored]
    assert sponsored == [(1, "s1", "c1"), (5, "s3", "c3")]
    organic = [e.item_id for e in placement.entries if not e.sponsored]
    assert organic == ORGANIC[: K - 2]
    assert all(e.propensity == 1.0 for e in placement.entries)


def test_targeting_schedule_and_erasure() -> None:
    campaigns = [
        _campaign("c1", ["s1"], targeting={"query_terms": ["boots"]}),
        _campaign("c2", ["s2"], start="2026-03-03T00:00:00Z"),
    ]
    engine = _engine(PlacementStore(), campaigns)
    at = DAY + timedelta(hours=12)
    for query, expected in (("winter boots", ["s1"]), ("scarf", [])):
        context = RequestContext("u1", query=query)
        placement = engine.place(context, ORGANIC, SCORES, K, _relevance, at=at)
        assert [e.item_id for e in placement.entries if e.sponsored] == expected
        engine.log(placement)
    assert engine.erase_shopper("u1")["impressions"] == 2 * K
    assert engine.erase_campaign("c1") == 1
    context = RequestContext("u1", query="winter boots")
    assert not any(
        e.sponsored for e in engine.place(context, ORGANIC, SCORES, K, _relevance, at=at).entries
    )


def test_brand_campaigns_and_promotions() -> None:
    engine = PlacementEngine(
        PlacementStore(), brands={"s2": "acme", "o7": "acme"}, clock=lambda: DAY
    )
    engine.save_campaign(_campaign("brand", [], brands=["acme"]))
    engine.save_campaign(
        Campaign(campaign_id="promo", kind="promotion", brands=["acme"], boost=1.5)
    )
    placement = engine.place(RequestContext("u"), ORGANIC, SCORES, K, _relevance, at=DAY)
    assert "s2" in [e.item_id for e in placement.entries if e.sponsored]
    assert engine.boosts(RequestContext("u"), ["o6", "o7"]).tolist() == [1.0, 1.5]


def test_promotion_values_are_the_untargeted_running_lift() -> None:
    engine = PlacementEngine(PlacementStore(), brands={"o7": "acme"}, clock=lambda: DAY)
    engine.save_campaign(Campaign(campaign_id="p", kind="promotion", brands=["acme"], boost=1.5))
    engine.save_campaign(Campaign(campaign_id="down", kind="promotion", items=["o6"], boost=0.5))
    targeted = {"targeting": {"segments": ["vip"]}}
    engine.save_campaign(
        Campaign(campaign_id="vip", kind="promotion", items=["o5"], boost=3.0, **targeted)
    )
    assert engine.promotion_values(["o5", "o6", "o7", "o8"]).tolist() == [0.0, 0.0, 0.5, 0.0]
