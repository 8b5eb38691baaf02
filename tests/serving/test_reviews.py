"""Reviews over REST: ingestion (masked, durable, read at once), product summaries, trends,
alerts (listed, logged and posted to a webhook) and erasure, on a demo-shop bundle."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.data.demo import generate_demo_shop
from shopsense.serving.app import create_app

from .conftest import ADMIN, CATALOG, LIGHT_MODELS, private_copy, serving_config, shopper

COMPLAINT = "Broke after one day. The motor stopped and it smells of burning. Awful."


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shop = generate_demo_shop(n_items=150, n_users=600)
    root = tmp_path_factory.mktemp("review-bundles")
    train_bundle(shop, root, LIGHT_MODELS, search=False, precompute=False)
    return root


@pytest.fixture
def root(demo_root: Path, tmp_path: Path) -> Path:
    return private_copy(demo_root, tmp_path)


@pytest.fixture
def client(root: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(serving_config(root, tmp_path / "r.duckdb"))) as test:
        yield test


def _most_reviewed(root: Path) -> str:
    reviews = Bundle.load(root).dataset().reviews
    return str(reviews.group_by("item_id").len().sort(["len", "item_id"])["item_id"][-1])


def test_the_bundle_reads_every_review(root: Path) -> None:
    bundle = Bundle.load(root)
    read = bundle.reviews
    assert read is not None and read.analyzer is not None
    reviews = bundle.dataset().reviews
    assert read.analyzed.height == reviews.height
    # The shop's own ratings taught it: most 1-2 star reviews read negative, 4-5 positive.
    joined = read.analyzed.select("rating", "sentiment")
    low = joined.filter(pl.col("rating") <= 2)["sentiment"]
    high = joined.filter(pl.col("rating") >= 4)["sentiment"]
    assert (low == "negative").mean() > 0.8 and (high == "positive").mean() > 0.8
    assert read.analyzed["aspects"].list.len().sum() > 0


def test_summary_counts_and_backs_its_claims(client: TestClient, root: Path) -> None:
    item = _most_reviewed(root)
    response = client.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG)
    assert response.status_code == 200, response.text
    body = response.json()
    stored = Bundle.load(root).dataset().reviews.filter(pl.col("item_id") == item)
    assert body["reviews"] == stored.height
    assert sum(body["ratings"].values()) == stored.height
    assert sum(body["sentiment"].values()) == pytest.approx(1.0)
    texts = " ".join(stored["text"].to_list())
    for claim in body["claims"]:
        assert claim["aspect"] in body["summary"]
        assert claim["quotes"] and all(q["text"].rstrip("…") in texts for q in claim["quotes"])
    assert client.get("/v1/items/nope/reviews/summary", headers=CATALOG).status_code == 404


def test_a_posted_review_is_masked_stored_read_and_counted(
    client: TestClient, root: Path, tmp_path: Path
) -> None:
    item = _most_reviewed(root)
    before = client.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG).json()
    review = {"user": "U00001", "item": item, "rating": 1, "text": COMPLAINT + " ann@example.com"}
    response = client.post("/v1/reviews", json=review, headers=shopper("U00001"))
    assert response.status_code == 201, response.text
    (out,) = response.json()["reviews"]
    assert out["text"].endswith("[EMAIL]") and "ann@" not in out["text"]
    assert out["sentiment"] == "negative" and out["language"] == "en"
    after = client.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG).json()
    assert after["reviews"] == before["reviews"] + 1
    assert after["ratings"]["1"] == before["ratings"]["1"] + 1
    # Durable: a new server over the same store still counts it, under the same id.
    client.__exit__(None, None, None)
    config = serving_config(root, tmp_path / "r.duckdb")
    with TestClient(create_app(config)) as again:
        body = again.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG).json()
        assert body["reviews"] == after["reviews"]


def test_review_input_is_checked(client: TestClient, root: Path) -> None:
    item = _most_reviewed(root)
    good = {"user": "U00001", "item": item, "text": "Fine."}
    assert client.post("/v1/reviews", json=good, headers=shopper("U00002")).status_code == 403
    unknown = client.post("/v1/reviews", json={**good, "item": "nope"}, headers=ADMIN)
    assert unknown.status_code == 422 and "item" in unknown.text
    for bad in ({**good, "rating": 7}, {**good, "text": "   "}, {**good, "extra": 1}):
        answer = client.post("/v1/reviews", json=bad, headers=ADMIN)
        assert answer.status_code == 422, bad
    assert client.post("/v1/reviews", json=[], headers=ADMIN).status_code == 422


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_burst_of_complaints_raises_an_alert_with_its_reviews(
    root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    config = serving_config(root, tmp_path / "a.duckdb").model_copy(
        update={"alert_webhook": f"http://127.0.0.1:{hook.server_port}/alerts"}
    )
    item = _most_reviewed(root)
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    burst = [
        {
            "user": f"U{n:05d}",
            "item": item,
            "rating": 1,
            "text": COMPLAINT,
            "timestamp": (start + timedelta(minutes=20 * n)).isoformat(),
        }
        for n in range(8)
    ]
    try:
        with TestClient(create_app(config)) as client, caplog.at_level("WARNING"):
            raised = client.post("/v1/reviews", json=burst, headers=ADMIN).json()["alerts"]
            assert raised
            alerts = client.get("/v1/insights/alerts", headers=ADMIN).json()["alerts"]
            item_alerts = [a for a in alerts if a["scope"] == "item" and a["key"] == item]
            assert item_alerts and item_alerts[0]["id"] in raised
            assert item_alerts[0]["reason"] and len(item_alerts[0]["reviews"]) >= 3
            assert client.get("/v1/insights/alerts", headers=CATALOG).status_code == 403
            since = {"since": (start + timedelta(hours=6)).isoformat()}
            later = client.get("/v1/insights/alerts", params=since, headers=ADMIN)
            assert later.json()["alerts"] == []
            ancient = client.get(
                "/v1/insights/alerts", params={"since": "0001-01-01T00:00:00"}, headers=ADMIN
            )
            assert ancient.status_code == 422 and "since" in ancient.text
            trend = client.get(
                "/v1/insights/trends",
                params={"scope": "item", "key": item, "bucket": "day"},
                headers=ADMIN,
            ).json()
            last = trend["points"][-1]
            assert last["reviews"] == 8 and last["negative_share"] > 0.5
        assert any(hook_alert["id"] in raised for hook_alert in _Hook.received)
        assert any("review alert" in record.message for record in caplog.records)
    finally:
        hook.shutdown()


def test_erasure_removes_a_shoppers_reviews_everywhere(client: TestClient, root: Path) -> None:
    reviews = Bundle.load(root).dataset().reviews
    user, item = reviews.select("user_id", "item_id").row(0)
    before = client.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG).json()["reviews"]
    assert client.delete(f"/v1/users/{user}", headers=ADMIN).status_code == 204
    after = client.get(f"/v1/items/{item}/reviews/summary", headers=CATALOG).json()["reviews"]
    mine = reviews.filter((pl.col("user_id") == user) & (pl.col("item_id") == item)).height
    assert after == before - mine
    analyzed = Bundle.load(root).reviews
    assert analyzed is not None and user not in analyzed.analyzed["user_id"].to_list()
