"""`DELETE /v1/users/{id}` erases the shopper everywhere at once, and for good."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.data import Dataset
from shopsense.data.errors import StorageError
from shopsense.data.store import Store
from shopsense.serving.app import create_app
from shopsense.text.cache import text_key
from tests.serving.conftest import ADMIN, LIGHT_MODELS, private_copy, serving_config

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


# ---- erasure leaves no bytes (issue 16) ------------------------------------------------------
SHOPPER = "shopper-erase-5f2c9d"
SENTENCE = "I collect vintage brass telescopes"
QUERY = "zanzibar ultralight trekking"


@pytest.fixture(scope="module")
def erasure_root(shop: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A text bundle (content model and search) whose training data holds SHOPPER, with the
    encoder's on-disk cache in a folder of its own (`cache` beside the root)."""
    tmp = tmp_path_factory.mktemp("no-bytes")
    interactions = shop.interactions.with_columns(pl.col("user_id").replace("u1", SHOPPER))
    data = Dataset(items=shop.items, interactions=interactions, name="erasure", synthetic=True)
    configs = {"content": {"encoder": {"cache_dir": str(tmp / "cache")}}}
    train_bundle(data, tmp / "bundle", ["cooccurrence", "content", "popularity"], configs=configs)
    return tmp / "bundle"


def _files_holding(folders: list[Path], needles: list[bytes]) -> list[tuple[str, bytes]]:
    return [
        (str(path), needle)
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        for needle in needles
        if needle in path.read_bytes()
    ]


def _use_the_shop(client: TestClient) -> None:
    event = {"user": SHOPPER, "item": TENT, "kind": "cart"}
    assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    profile = {"user": SHOPPER, "text": SENTENCE}
    assert client.post("/v1/users", json=profile, headers=ADMIN).status_code == 201
    assert client.get(f"/v1/users/{SHOPPER}/recommendations", headers=ADMIN).status_code == 200
    assert client.get(f"/v1/users/{SHOPPER}", headers=ADMIN).status_code == 200
    search = {"q": QUERY, "user": SHOPPER}
    assert client.get("/v1/search", params=search, headers=ADMIN).status_code == 200


def test_erasure_leaves_no_bytes_in_bundle_store_or_cache(
    erasure_root: Path, tmp_path: Path
) -> None:
    root = private_copy(erasure_root, tmp_path)
    state = tmp_path / "state"
    cache = erasure_root.parent / "cache"
    needles = [
        SHOPPER.encode(),
        SENTENCE.encode(),
        QUERY.encode(),
        text_key("query", SENTENCE),
        text_key("query", QUERY),
    ]
    config = serving_config(root, state / "store.duckdb")
    with TestClient(create_app(config)) as client:
        _use_the_shop(client)
        # The scan sees the shopper before erasure (so it would see them after).
        assert _files_holding([root, state], [SHOPPER.encode()])
        assert client.delete(f"/v1/users/{SHOPPER}", headers=ADMIN).status_code == 204
    # The server has stopped: every file it wrote is complete, the write-ahead log included.
    assert _files_holding([root, state, cache], needles) == []
    audit = [json.loads(line) for line in (state / "store.duckdb.audit.jsonl").open()]
    assert [record["action"] for record in audit] == ["erase_shopper"]
    assert audit[0]["by"].startswith("key sha256:") and ADMIN["X-API-Key"] not in audit[0]["by"]


def test_a_failed_erasure_changes_nothing_and_a_retry_completes_it(
    erasure_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = private_copy(erasure_root, tmp_path)
    config = serving_config(root, tmp_path / "store.duckdb")
    with TestClient(create_app(config)) as client:
        _use_the_shop(client)
        before = _personal(client, SHOPPER)
        store = client.app.state.runtime.writer.store  # type: ignore[attr-defined]

        def disk_full(user: str) -> dict[str, int]:
            raise StorageError("nothing was written: No space left on device")

        with monkeypatch.context() as broken:
            broken.setattr(store, "delete_user", disk_full)
            response = client.delete(f"/v1/users/{SHOPPER}", headers=ADMIN)
        assert response.status_code == 503
        # Still fully present: served, stored, in the bundle, no half-written files.
        assert client.get(f"/v1/users/{SHOPPER}", headers=ADMIN).json()["described"]
        assert _personal(client, SHOPPER) == before
        assert Bundle.load(root).dataset().interactions.filter(user_id=SHOPPER).height > 0
        assert not [p for p in root.rglob("*.partial")]

        assert client.delete(f"/v1/users/{SHOPPER}", headers=ADMIN).status_code == 204
        assert client.get(f"/v1/users/{SHOPPER}", headers=ADMIN).status_code == 404
    assert Bundle.load(root).dataset().interactions.filter(user_id=SHOPPER).height == 0
    assert _files_holding([root, tmp_path], [SHOPPER.encode()]) == []


def test_events_after_erasure_start_a_new_shopper(client: TestClient) -> None:
    event = {"user": "u2", "item": TENT, "kind": "view"}
    assert client.delete("/v1/users/u2", headers=ADMIN).status_code == 204
    assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    profile = client.get("/v1/users/u2", headers=ADMIN).json()
    assert profile["events"] == 1 and [e["item"] for e in profile["recent"]] == [TENT]
