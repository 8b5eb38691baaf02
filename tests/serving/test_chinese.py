"""A Chinese shop through train -> bundle -> serve: search and recommendations over REST, with
the query understood and the reasons in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.data.demo import generate_demo_shop
from shopsense.serving.app import create_app
from shopsense.text.encoder import MULTILINGUAL_MODEL

from .conftest import ADMIN, CATALOG, serving_config


@pytest.fixture(scope="module")
def zh_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shop = generate_demo_shop(n_items=300, n_users=60, language="zh")
    root = tmp_path_factory.mktemp("zh-bundles")
    train_bundle(shop, root, ["cooccurrence", "content", "popularity"])
    return root


@pytest.fixture
def zh_client(zh_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(serving_config(zh_root, tmp_path / "zh.duckdb"))) as client:
        yield client


def test_the_bundle_keeps_the_shops_language_and_encoder(zh_root: Path) -> None:
    bundle = Bundle.load(zh_root)
    assert bundle.catalogue.language == "zh"
    assert bundle.searcher is not None
    assert bundle.searcher.index.encoder.config.model_name == MULTILINGUAL_MODEL


def test_chinese_search_over_rest(zh_client: TestClient) -> None:
    response = zh_client.get("/v1/search", params={"q": "跑鞋 500元以下", "k": 5}, headers=CATALOG)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"]["language"] == "zh"
    assert body["query"]["max_price"] == 500.0
    assert [c["kind"] for c in body["query"]["constraints"]] == ["price"]
    top = body["items"][0]
    assert "跑鞋" in top["title"] or "跑步鞋" in top["title"]
    assert top["reason"].startswith("与您搜索")
    for hit in body["items"]:
        item = zh_client.get(f"/v1/items/{hit['item']}", headers=CATALOG).json()
        assert item["price"] <= 500.0


def test_cross_lingual_search_over_rest(zh_client: TestClient) -> None:
    response = zh_client.get("/v1/search", params={"q": "running shoes", "k": 3}, headers=CATALOG)
    assert response.status_code == 200, response.text
    titles = [hit["title"] for hit in response.json()["items"]]
    assert any("跑" in title for title in titles), titles


def test_recommendations_give_chinese_reasons(zh_client: TestClient) -> None:
    events = [{"user": "新顾客", "item": item, "kind": "view"} for item in _two_items(zh_client)]
    assert zh_client.post("/v1/events", json=events, headers=ADMIN).status_code in (200, 202)
    response = zh_client.get("/v1/users/新顾客/recommendations", params={"k": 5}, headers=ADMIN)
    assert response.status_code == 200, response.text
    reasons = [pick["reason"] for pick in response.json()["items"]]
    assert reasons and all(any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in reasons), reasons


def _two_items(client: TestClient) -> list[str]:
    hits = client.get("/v1/search", params={"q": "蓝牙耳机", "k": 2}, headers=CATALOG).json()
    return [hit["item"] for hit in hits["items"]]
