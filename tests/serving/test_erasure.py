"""`DELETE /v1/users/{id}` erases the shopper everywhere at once, and for good."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.data import Dataset
from shopsense.data.store import Store
from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, LIGHT_MODELS, serving_config

TENT = "cam-ultralight-tent-1"


def _personal(client: TestClient, user: str) -> list[str | None]:
    items = client.get(f"/v1/users/{user}/recommendations", headers=ADMIN).json()["items"]
    return [r["because"] for r in items]


def test_erasure_reaches_store_state_bundle_and_restarts(
    shop: Dataset, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("erasure-bundles")
    train_bundle(shop, root, LIGHT_MODELS, search=False)
    config = serving_config(root, tmp_path / "store.duckdb")
    app = create_app(config)
    with TestClient(app) as client:
        # u1 is in the training data; they also add an event and a profile sentence.
        client.post("/v1/events", json={"user": "u1", "item": TENT, "kind": "view"}, headers=ADMIN)
        client.post("/v1/users", json={"user": "u1", "text": "tents please"}, headers=ADMIN)
        assert client.get("/v1/users/u1", headers=ADMIN).status_code == 200
        assert any(_personal(client, "u1"))

        assert client.delete("/v1/users/u1", headers=ADMIN).status_code == 204

        assert client.get("/v1/users/u1", headers=ADMIN).status_code == 404
        anonymous = client.get("/v1/users/nobody/recommendations", headers=ADMIN).json()["items"]
        erased = client.get("/v1/users/u1/recommendations", headers=ADMIN).json()["items"]
        assert erased == anonymous and not any(r["because"] for r in erased)
        runtime = app.state.runtime
        assert "u1" not in runtime.users.events and "u1" not in runtime.users.texts
        # Deleting again (or an unknown shopper) is fine: erasure is idempotent.
        assert client.delete("/v1/users/u1", headers=ADMIN).status_code == 204
    with Store(config.store, read_only=True) as store:
        stored = store.load()
    for table in ("interactions", "reviews", "queries", "users"):
        assert getattr(stored, table).filter(user_id="u1").height == 0, table
    assert stored.interactions.filter(user_id="u2").height > 0  # nobody else was touched
    # The bundle's copy of the training data is scrubbed too, so a new store seeded from it
    # does not bring the shopper back.
    assert Bundle.load(root).dataset().interactions.filter(user_id="u1").height == 0
    for store_path in (config.store, tmp_path / "fresh.duckdb"):
        with TestClient(create_app(serving_config(root, store_path))) as client:
            assert client.get("/v1/users/u1", headers=ADMIN).status_code == 404
            assert not any(_personal(client, "u1"))


def test_no_loaded_model_holds_anything_of_an_erased_shopper(text_client: TestClient) -> None:
    user, sentence = "erase-me-5c1d", "ultralight hiking above the clouds"
    text_client.post("/v1/users", json={"user": user, "text": sentence}, headers=ADMIN)
    text_client.post("/v1/events", json={"user": user, "item": TENT, "kind": "cart"}, headers=ADMIN)
    text_client.get(f"/v1/users/{user}/recommendations", headers=ADMIN)
    text_client.get(f"/v1/users/{user}", headers=ADMIN)
    text_client.get("/v1/search", params={"q": "tent", "user": user}, headers=ADMIN)
    assert text_client.delete(f"/v1/users/{user}", headers=ADMIN).status_code == 204

    served = text_client.app.state.runtime.served
    for component in [*served.bundle.models.values(), served.bundle.searcher, served.recommender]:
        state = pickle.dumps(component)
        assert user.encode() not in state and sentence.encode() not in state, component


def test_logs_hold_no_shopper_ids_or_text(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    user, sentence, query = "shopper-7f3a9", "secret hobby xylophone", "secret query zebra"
    with caplog.at_level(logging.INFO):
        client.post("/v1/events", json={"user": user, "item": TENT, "kind": "view"}, headers=ADMIN)
        client.post("/v1/users", json={"user": user, "text": sentence}, headers=ADMIN)
        client.get(f"/v1/users/{user}/recommendations", headers=ADMIN)
        client.get(f"/v1/users/{user}", headers=ADMIN)
        client.get("/v1/search", params={"q": query, "user": user}, headers=ADMIN)
        client.post(
            "/v1/events", json={"user": user, "item": "bad-id", "kind": "view"}, headers=ADMIN
        )
        client.delete(f"/v1/users/{user}", headers=ADMIN)
    # The test client logs its own URLs; only the server's records matter here.
    server = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert any("/v1/users/{user_id}" in line for line in server)
    for secret in (user, sentence, query, "bad-id"):
        assert not [line for line in server if secret in line]
