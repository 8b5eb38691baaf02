"""Trending products and new arrivals: counted from the shoppers' events (live ones included),
arrival by the catalogue's dates or, without dates, by each product's first event."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import polars as pl
from fastapi.testclient import TestClient

from shopsense.data.shoppers import UserEvent
from shopsense.serving.shop_lists import item_activity

from .conftest import CATALOG

DAY = 86_400.0


def test_trending_counts_the_last_days_and_new_arrivals_read_the_first_event() -> None:
    index = {"a": 0, "b": 1, "c": 2, "d": 3}
    events = {
        "u1": [UserEvent("a", "view", 0.0), UserEvent("b", "view", 9 * DAY)],
        "u2": [UserEvent("b", "cart", 10 * DAY), UserEvent("c", "view", 10 * DAY)],
        "u3": [UserEvent("c", "view", math.nan), UserEvent("zz", "view", 10 * DAY)],
    }
    activity = item_activity(events, index, pl.Series([None] * 4, dtype=pl.Datetime("us", "UTC")))
    # "a" is 10 days older than the newest event: not trending; the NaN time counts nowhere.
    assert activity.trending(10) == [1, 2]
    assert activity.newest(10) == [2, 1, 0]  # "d" has no event: its arrival is unknown


def test_new_arrivals_follow_the_catalogue_dates_where_it_has_them() -> None:
    dates = pl.Series(
        [datetime(2024, 1, d, tzinfo=UTC) if d else None for d in (3, None, 9, 1)],
        dtype=pl.Datetime("us", "UTC"),
    )
    activity = item_activity({}, {"a": 0, "b": 1, "c": 2, "d": 3}, dates)
    assert activity.newest(2) == [2, 0]
    assert activity.trending(5) == []


def test_the_lists_over_rest(client: TestClient) -> None:
    trending = client.get("/v1/lists/trending", params={"k": 3}, headers=CATALOG)
    assert trending.status_code == 200
    first = trending.json()["items"]
    assert len(first) == 3 and all(i["sources"] == ["trending"] for i in first)
    assert all(i["reason"].startswith("trending:") for i in first)
    new = client.get("/v1/lists/new", params={"k": 5}, headers=CATALOG).json()["items"]
    assert len(new) == 5 and all(i["reason"] == "new arrival" for i in new)
    assert client.get("/v1/lists/new", params={"k": 0}, headers=CATALOG).status_code == 422
    assert client.get("/v1/lists/trending").status_code == 401
