"""Accepted events change the shopper's next recommendations at once, with sources and reasons."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopsense.data.store import Store
from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, CATALOG, recommend, serving_config

TENT = "cam-ultralight-tent-1"


def test_a_new_shopper_gets_bestsellers_then_their_own_list(client: TestClient) -> None:
    cold = recommend(client, "visitor-1")
    assert cold and all(r["reason"] == "popular in the shop" for r in cold)
    assert all(r["sources"][0] == "popularity" for r in cold)

    event = {"user": "visitor-1", "item": TENT, "kind": "view"}
    assert client.post("/v1/events", json=event, headers=ADMIN).json() == {"accepted": 1}

    warm = recommend(client, "visitor-1")
    assert TENT not in {r["item"] for r in warm}  # what they saw is not recommended back
    top = warm[0]
    assert top["sources"][0] == "cooccurrence"
    assert top["because"] == TENT
    assert top["reason"] == "because you viewed “Pro ultralight tent”"


def test_every_accepted_event_counts_at_once(client: TestClient) -> None:
    before = client.get("/v1/users/u3", headers=ADMIN).json()
    batch = [
        {"user": "u3", "item": TENT, "kind": "cart"},
        {"user": "u3", "item": "cam-camp-stove-0", "kind": "purchase"},
    ]
    assert client.post("/v1/events", json=batch, headers=ADMIN).json() == {"accepted": 2}
    after = client.get("/v1/users/u3", headers=ADMIN).json()
    assert after["events"] == before["events"] + 2
    assert [e["item"] for e in after["recent"][:2]] == ["cam-camp-stove-0", TENT]
    reasons = {r["reason"] for r in recommend(client, "u3", k=10)}
    assert "because you bought “Classic camp stove”" in reasons


def test_events_are_in_the_store_when_acknowledged(bundle_root: Path, tmp_path: Path) -> None:
    store_path = tmp_path / "store.duckdb"
    with TestClient(create_app(serving_config(bundle_root, store_path))) as client:
        event = {"user": "visitor-2", "item": TENT, "kind": "purchase", "value": 2}
        assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    with Store(store_path, read_only=True) as store:
        stored = store.load().interactions.filter(user_id="visitor-2")
    assert stored.select("item_id", "kind", "value").rows() == [(TENT, "purchase", 2.0)]


class SlowSyncStore(Store):
    """A store whose commits take a while (a slow disk), noting each committed event's user."""

    committed: list[str] = []

    def append_events(self, records: list) -> list[int]:
        time.sleep(0.2)
        ids = super().append_events(records)
        SlowSyncStore.committed += [record.user_id for record in records]
        return ids


def test_the_reply_comes_after_the_commit(
    bundle_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reply sent before the commit (or a commit left to the background) would reach the
    # client while the slow commit is still under way: an event acknowledged, then lost in a
    # crash. Every reply must find its events already committed.
    import shopsense.data.shop_store as shop_store

    monkeypatch.setattr(shop_store, "Store", SlowSyncStore)
    monkeypatch.setattr(SlowSyncStore, "committed", [])
    with TestClient(create_app(serving_config(bundle_root, tmp_path / "slow.duckdb"))) as client:
        for number in range(3):
            user = f"slow-{number}"
            event = {"user": user, "item": TENT, "kind": "view"}
            assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
            assert SlowSyncStore.committed[-1:] == [user]


def test_state_survives_a_restart(bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(bundle_root, tmp_path / "store.duckdb")
    with TestClient(create_app(config)) as client:
        client.post(
            "/v1/events", json={"user": "visitor-3", "item": TENT, "kind": "view"}, headers=ADMIN
        )
        first = recommend(client, "visitor-3")
    with TestClient(create_app(config)) as client:
        assert recommend(client, "visitor-3") == first


def test_similar_items_are_explained(client: TestClient) -> None:
    response = client.get(f"/v1/items/{TENT}/similar", params={"k": 3}, headers=CATALOG)
    similar = response.json()["items"]
    assert len(similar) == 3 and TENT not in {r["item"] for r in similar}
    assert similar[0]["reason"] == "similar to “Pro ultralight tent”"
    assert client.get("/v1/items/nope/similar", headers=CATALOG).status_code == 404


def test_item_details(client: TestClient) -> None:
    item = client.get(f"/v1/items/{TENT}", headers=CATALOG).json()
    assert item["title"] == "Pro ultralight tent"
    assert item["categories"] == ["Outdoor & Home", "Camping"]
    assert client.get("/v1/items/nope", headers=CATALOG).status_code == 404


def test_a_sentence_gives_a_cold_shopper_a_profile(text_client: TestClient) -> None:
    client = text_client
    sentence = {"user": "hiker", "text": "I go camping in the mountains with a light tent"}
    response = client.post("/v1/users", json=sentence, headers=ADMIN)
    assert response.status_code == 201, response.text
    profile = response.json()
    assert profile["described"] and profile["events"] == 0
    assert profile["interests"]["categories"][0]["name"] == "Camping"

    picks = recommend(client, "hiker")
    assert picks[0]["sources"][0] == "content"
    assert picks[0]["reason"] == "matches the interests you described"
    top = client.get(f"/v1/items/{picks[0]['item']}", headers=CATALOG).json()
    assert "Camping" in top["categories"]
    assert client.get("/v1/users/hiker", headers=ADMIN).json()["described"]


def test_search_is_explained_and_personalised(text_client: TestClient) -> None:
    client = text_client
    plain = client.get("/v1/search", params={"q": "cast iron pan", "k": 3}, headers=CATALOG)
    assert plain.status_code == 200, plain.text
    hits = plain.json()["items"]
    assert hits[0]["title"].endswith("cast iron pan")
    assert "lexical" in hits[0]["sources"]
    assert hits[0]["reason"].startswith("matches the words of your search")

    kitchen = [
        {"user": "cook", "item": f"kit-chef-knife-{n}", "kind": "purchase"} for n in range(3)
    ]
    client.post("/v1/events", json=kitchen, headers=ADMIN)
    params = {"q": "gift", "user": "cook", "k": 3}
    personal = client.get("/v1/search", params=params, headers=ADMIN).json()["items"]
    assert all("personal" in hit["sources"] for hit in personal)


def test_search_without_an_index_is_503(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "tent"}, headers=CATALOG)
    assert response.status_code == 503
    assert "without a search index" in response.json()["detail"]
