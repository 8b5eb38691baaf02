"""The auction: relevance floor, expected-value order, second price, organic results kept."""

from __future__ import annotations

import numpy as np
import pytest

from shopsense.placement.auction import (
    AuctionConfig,
    Bid,
    insert_sponsored,
    relevance_floor,
    run_auction,
)

ORGANIC = [f"o{i}" for i in range(100)]
SCORES = np.linspace(1.0, 0.0, 100)


def _bid(item: str, campaign: str, bid: float, relevance: float, pctr: float = 0.05) -> Bid:
    return Bid(item, campaign, bid, relevance, pctr)


def test_floor_is_the_organic_score_at_floor_rank() -> None:
    config = AuctionConfig(floor_rank=10)
    assert relevance_floor(SCORES, config) == pytest.approx(SCORES[9])
    assert relevance_floor(SCORES[:3], config) == pytest.approx(SCORES[2])
    assert relevance_floor(SCORES, AuctionConfig(floor_rank=10, min_relevance=0.95)) == 0.95


def test_an_irrelevant_item_never_wins_whatever_its_bid() -> None:
    config = AuctionConfig(floor_rank=20)
    bids = [_bid("spam", "rich", 1000.0, relevance=0.5), _bid("fit", "modest", 0.1, 0.9)]
    winners = run_auction(bids, SCORES, 2, config)
    assert [w.bid.item_id for w in winners] == ["fit"]
    assert run_auction(bids[:1], SCORES, 2, config) == []


def test_expected_value_order_and_second_price() -> None:
    config = AuctionConfig(floor_rank=100, quality_exponent=1.0, reserve_price=0.01)
    bids = [
        _bid("a", "ca", 1.0, 0.95, pctr=0.10),
        _bid("b", "cb", 2.0, 0.95, pctr=0.02),
        _bid("c", "cc", 0.5, 0.95, pctr=0.10),
    ]
    winners = run_auction(bids, SCORES, 2, config)
    assert [w.bid.item_id for w in winners] == ["a", "c"]
    quality = winners[0].quality
    # a pays what keeps it above c: c's expected value over a's pCTR x quality.
    assert winners[0].price == pytest.approx(0.10 * 0.5 * quality / (0.10 * quality))
    # c pays what keeps it above b.
    assert winners[1].price == pytest.approx(0.02 * 2.0 / 0.10)
    for winner in winners:
        assert config.reserve_price <= winner.price <= winner.bid.bid


def test_one_item_per_campaign_and_quality_matters() -> None:
    config = AuctionConfig(floor_rank=100)
    bids = [_bid("a1", "ca", 1.0, 0.99), _bid("a2", "ca", 1.0, 0.98), _bid("b", "cb", 1.0, 0.5)]
    assert [w.bid.item_id for w in run_auction(bids, SCORES, 3, config)] == ["a1", "b"]


@pytest.mark.parametrize("k", [3, 10, 20])
def test_organic_results_are_kept_but_for_the_slots(k: int) -> None:
    config = AuctionConfig(floor_rank=100, slots=[1, 5])
    bids = [_bid("s1", "c1", 1.0, 0.99), _bid("s2", "c2", 0.9, 0.98)]
    winners = run_auction(bids, SCORES, len(config.slots), config)
    placed = insert_sponsored(ORGANIC, winners, k, config.slots)
    organic = [entry.item_id for entry in placed if not entry.sponsored]
    sponsored = [entry.position for entry in placed if entry.sponsored]
    assert len(placed) == k
    assert sponsored == [slot for slot in config.slots if slot < k]
    assert organic == ORGANIC[: k - len(sponsored)]  # same order, only slots displaced


def test_a_winner_already_on_the_page_is_not_shown_twice() -> None:
    winners = run_auction([_bid("o3", "c1", 1.0, 0.99)], SCORES, 1, AuctionConfig(floor_rank=100))
    placed = insert_sponsored(ORGANIC, winners, 10, [1])
    items = [entry.item_id for entry in placed]
    assert items == ["o0", "o3", "o1", "o2", *ORGANIC[4:10]]
