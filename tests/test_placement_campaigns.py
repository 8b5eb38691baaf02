"""Campaigns: validation with errors naming the field, the file, the versioned store, erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopsense.data.errors import DataError
from shopsense.placement import (
    Campaign,
    ImpressionRecord,
    PlacementStore,
    RequestContext,
    load_campaigns,
    parse_campaigns,
)

SPONSORED = {"campaign_id": "c1", "items": ["a"], "bid": 0.5, "daily_budget": 10.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bid": -1}, "bid"),
        ({"bid": None}, "bid"),
        ({"daily_budget": None}, "daily_budget"),
        ({"items": []}, "items"),
        ({"colour": "red"}, "colour"),
        ({"kind": "promotion"}, "boost"),
        ({"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "end"),
        ({"frequency_cap": {"impressions": 0}}, "frequency_cap.impressions"),
    ],
)
def test_bad_campaigns_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(DataError) as error:
        parse_campaigns([{**SPONSORED, **change}], source="campaigns.json")
    assert error.value.field == field
    assert error.value.record == "c1"
    assert "campaigns.json" in str(error.value)


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(DataError, match="duplicate"):
        parse_campaigns([SPONSORED, SPONSORED])


def test_campaigns_file(tmp_path: Path) -> None:
    path = tmp_path / "campaigns.json"
    promotion = {"campaign_id": "p1", "kind": "promotion", "brands": ["acme"], "boost": 1.2}
    path.write_text(json.dumps({"campaigns": [SPONSORED, promotion]}))
    assert [c.campaign_id for c in load_campaigns(path)] == ["c1", "p1"]
    path.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_campaigns(path)
    path.write_text(json.dumps({"campaigns": "c1"}))
    with pytest.raises(DataError) as error:
        load_campaigns(path)
    assert error.value.field == "campaigns"


def test_schedule_and_targeting() -> None:
    campaign = Campaign.model_validate(
        {
            **SPONSORED,
            "start": "2026-01-01T00:00:00Z",
            "end": "2026-01-02T00:00:00Z",
            "targeting": {"segments": ["vip"], "query_terms": ["Shampoo"]},
        }
    )
    assert campaign.active(datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert not campaign.active(datetime(2026, 1, 2, tzinfo=UTC))
    vip = frozenset({"vip"})
    assert campaign.targets(RequestContext("u", segments=vip, query="dry shampoo"))
    assert not campaign.targets(RequestContext("u", segments=vip, query="soap"))
    assert not campaign.targets(RequestContext("u", query="shampoo"))


def test_store_versions_campaigns_durably_and_erases(tmp_path: Path) -> None:
    path = tmp_path / "placement.duckdb"
    campaign = Campaign.model_validate(SPONSORED)
    with PlacementStore(path) as store:
        assert store.save_campaign(campaign) == 1
        assert store.save_campaign(campaign.model_copy(update={"bid": 0.8})) == 2
    with PlacementStore(path) as store:  # reopened: durable
        assert store.campaign("c1").bid == 0.8
        assert store.campaign("c1", version=1).bid == 0.5
        assert [version for version, _ in store.versions("c1")] == [1, 2]
        assert [c.campaign_id for c in store.campaigns()] == ["c1"]
        assert store.erase_campaign("c1") == 2
        assert store.campaigns() == []
        with pytest.raises(KeyError):
            store.campaign("c1")


def test_impressions_join_outcomes_and_erase_with_the_shopper() -> None:
    now = datetime(2026, 1, 1, 9, tzinfo=UTC)
    with PlacementStore() as store:
        records = [
            ImpressionRecord("r1", shopper, "search", "a", 0, 0.5, now, "c1", 0.3)
            for shopper in ("u1", "u2")
        ]
        first, second = store.log_impressions(records)
        store.log_outcome(first, "click", 0.3, now)
        store.log_outcome(second, "purchase", 0.0, now)
        log = store.impression_log()
        assert log["clicked"].to_list() == [True, False]
        assert log["purchased"].to_list() == [False, True]
        assert log["propensity"].to_list() == [0.5, 0.5]
        assert store.spend(now.date()) == {"c1": pytest.approx(0.3)}
        assert store.erase_shopper("u1") == {"outcomes": 1, "impressions": 1}
        assert store.impression_log()["shopper_id"].to_list() == ["u2"]
        with pytest.raises(KeyError):
            store.impression(first)
