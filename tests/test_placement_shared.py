"""Several processes placing from one PostgreSQL placement store: budgets, frequency caps and
campaigns hold across them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_placement_engine import DAY, _campaign, _serve
from test_placement_exploration import _explored

from shopsense.placement import (
    AuctionConfig,
    ExplorationConfig,
    PlacementConfig,
    PlacementEngine,
    PlacementStore,
)
from shopsense.placement import engine as engine_module


def _engines(url: str, reserve_price: float = 0.01) -> list[PlacementEngine]:
    auction = AuctionConfig(slots=[1, 5], floor_rank=20, reserve_price=reserve_price)
    config = PlacementConfig(auction=auction)
    return [
        PlacementEngine(PlacementStore(url), config=config, clock=lambda: DAY, shared=True)
        for _ in range(2)
    ]


def test_a_frequency_cap_holds_across_processes(postgres_url: str) -> None:
    first, second = _engines(postgres_url)
    cap = {"frequency_cap": {"impressions": 2, "window_hours": 24}}
    first.save_campaign(_campaign("c1", ["s1"], daily_budget=1000.0, **cap))
    second.refresh()  # what the campaigns notice makes every other process do
    seen = 0
    for minute in range(600, 700, 5):
        engine = (first, second)[minute // 5 % 2]  # alternate, as a load balancer would
        placement, _ = _serve(engine, "capped", DAY + timedelta(minutes=minute))
        seen += "s1" in placement.item_ids
    assert seen == 2


def test_clicks_charged_by_two_processes_never_exceed_the_budget(postgres_url: str) -> None:
    # A reserve near the bid: every click costs about the bid, so one process alone could
    # spend the whole budget, and two that did not share their spend would spend it twice.
    first, second = _engines(postgres_url, reserve_price=0.9)
    first.save_campaign(_campaign("c1", ["s1"], daily_budget=2.0))
    second.refresh()
    late = DAY + timedelta(hours=23)  # late in the day: pacing lets it bid
    ids = []
    for number in range(12):
        engine = (first, second)[number % 2]
        placement, logged = _serve(engine, f"u{number}", late + timedelta(minutes=number))
        ids += [(engine, i) for e, i in zip(placement.entries, logged, strict=True) if e.sponsored]
    click = late + timedelta(minutes=30)
    # Each process charges the clicks on its own impressions, one after the other.
    total = sum(engine.record_outcome(i, at=click) for engine, i in ids)
    assert len(ids) >= 4
    assert total <= 2.0 + 1e-9
    assert first.store.spend(DAY.date())["c1"] <= 2.0 + 1e-9


def test_an_erased_campaign_stops_in_every_process_after_refresh(postgres_url: str) -> None:
    first, second = _engines(postgres_url)
    first.save_campaign(_campaign("c1", ["s1"], daily_budget=1000.0))
    second.refresh()
    at = DAY + timedelta(hours=12)
    assert "s1" in _serve(second, "u1", at)[0].item_ids
    first.erase_campaign("c1")
    second.refresh()
    assert "s1" not in _serve(second, "u2", at)[0].item_ids


def test_the_explorer_reads_what_other_processes_logged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = PlacementConfig(exploration=ExplorationConfig(share=1.0, slots=[3]))
    first, second = (
        PlacementEngine(PlacementStore(postgres_url), config=config, clock=lambda: DAY, shared=True)
        for _ in range(2)
    )
    impression, item = _explored(first, "u")
    first.record_outcome(impression, "click")
    prior = [config.exploration.prior_clicks]
    assert second.explorer.posterior([item])[0].tolist() == prior  # read before the logs
    monkeypatch.setattr(engine_module, "EXPLORATION_REFRESH_S", 0.0)
    _explored(second, "v")  # placing re-reads what every process logged
    assert second.explorer.posterior([item])[0].tolist() >= [prior[0] + 1]
