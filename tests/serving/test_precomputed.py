"""Lists computed at training time: the same as scoring live, used only while they are true."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle
from shopsense.data import Dataset
from shopsense.data.shoppers import UserState
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.precomputed import PRECOMPUTED_K, read_precomputed
from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, private_copy, recommend, serving_config

TENT = "cam-ultralight-tent-1"


def _table(root: Path) -> Path:
    lists = Bundle.load(root).precomputed
    assert lists is not None
    return lists.path


def _lists(client: TestClient) -> dict[str, float]:
    """The recommendation-list counters of /metrics, by path."""
    text = client.get("/metrics", headers=ADMIN).text
    counts = {"precomputed": 0.0, "live": 0.0}
    for line in text.splitlines():
        if line.startswith("shopsense_recommendation_lists_total{"):
            path = line.split('path="')[1].split('"')[0]
            counts[path] = float(line.rsplit(" ", 1)[1])
    return counts


@pytest.mark.parametrize("root_fixture", ["bundle_root", "fused_bundle_root"])
def test_every_precomputed_list_is_what_live_scoring_gives(
    root_fixture: str, request: pytest.FixtureRequest, shop: Dataset
) -> None:
    root = request.getfixturevalue(root_fixture)
    bundle = Bundle.load(root)
    assert bundle.manifest["artifacts"]["precomputed"]["config"]["k"] == PRECOMPUTED_K
    lists = read_precomputed(_table(root))
    recommender = Recommender(bundle.models, bundle.items, lists, PRECOMPUTED_K)
    state = UserState.from_frames(bundle.dataset().interactions, bundle.dataset().users)
    assert set(lists) == set(state.events) == set(shop.interactions["user_id"].to_list())
    for user in state.events:
        history = recommender.history(state.history(user))
        ahead = recommender.ahead(history, PRECOMPUTED_K, user)
        assert ahead is not None, user
        live = recommender.recommend(history, PRECOMPUTED_K, user)
        assert [(p.item, p.sources, p.reason, p.because) for p in ahead] == [
            (p.item, p.sources, p.reason, p.because) for p in live
        ]
        assert [p.score for p in ahead] == pytest.approx([p.score for p in live])
        # Another length, or a history that changed, is scored live.
        assert recommender.ahead(history, PRECOMPUTED_K - 1, user) is None
        assert recommender.ahead(history, PRECOMPUTED_K, user, "tents please") is None


def test_server_answers_from_the_list_until_the_history_changes(
    app: FastAPI, client: TestClient
) -> None:
    runtime = app.state.runtime
    before = recommend(client, "u1", k=PRECOMPUTED_K)
    assert _lists(client) == {"precomputed": 1.0, "live": 0.0}
    response = client.post(
        "/v1/events", json={"user": "u1", "item": TENT, "kind": "purchase"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    # At once, whether the background refresh has run yet or not, the list is the new one.
    after = recommend(client, "u1", k=PRECOMPUTED_K)
    assert TENT not in [r["item"] for r in after] and after != before
    client.portal.call(runtime.refresher.idle)
    refreshed = recommend(client, "u1", k=PRECOMPUTED_K)
    assert refreshed == after
    counts = _lists(client)
    assert counts["precomputed"] >= 2.0 and sum(counts.values()) == 3.0
    # Another list length is scored live; a visitor with no events gets the shop's list,
    # kept after it was first made.
    recommend(client, "u2", k=3)
    recommend(client, "visitor-1", k=PRECOMPUTED_K)
    assert recommend(client, "visitor-2", k=PRECOMPUTED_K) == recommend(
        client, "visitor-1", k=PRECOMPUTED_K
    )
    assert _lists(client)["live"] == counts["live"] + 2.0


def test_refreshed_lists_are_what_live_scoring_gives(app: FastAPI, client: TestClient) -> None:
    runtime = app.state.runtime
    events = [{"user": f"u{n}", "item": TENT, "kind": "view"} for n in range(8)]
    events.append({"user": "newcomer", "item": TENT, "kind": "cart"})
    assert client.post("/v1/events", json=events, headers=ADMIN).status_code == 200
    client.portal.call(runtime.refresher.idle)
    recommender = runtime.served.recommender
    for user in [*(f"u{n}" for n in range(8)), "newcomer"]:
        history = recommender.history(runtime.users.history(user))
        ahead = recommender.ahead(history, PRECOMPUTED_K, user)
        assert ahead is not None, user
        live = recommender.recommend(history, PRECOMPUTED_K, user)
        assert [(p.item, p.reason) for p in ahead] == [(p.item, p.reason) for p in live]


def test_erasure_removes_the_shoppers_lists(bundle_root: Path, tmp_path: Path) -> None:
    root = private_copy(bundle_root, tmp_path)
    assert pl.read_parquet(_table(root)).filter(user_id="u1").height == PRECOMPUTED_K
    app = create_app(serving_config(root, tmp_path / "store.duckdb"))
    with TestClient(app) as client:
        # An event queues u1 for re-scoring; the erasure right after must win over it.
        event = {"user": "u1", "item": TENT, "kind": "view"}
        assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
        assert client.delete("/v1/users/u1", headers=ADMIN).status_code == 204
        client.portal.call(app.state.runtime.refresher.idle)
        assert "u1" not in app.state.runtime.served.recommender.precomputed
        assert _lists(client)["precomputed"] == 0.0
    table = pl.read_parquet(_table(root))
    assert table.filter(user_id="u1").height == 0 and table.filter(user_id="u2").height > 0
