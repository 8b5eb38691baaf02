"""Review floors over the REST API: `min_rating`, `min_positive` and `require_reviews` on
`GET /v1/search` and the recommendation lists, documented in OpenAPI, 422 on bad values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from shopsense.serving.app import create_app

from .conftest import ADMIN, CATALOG, LIGHT_MODELS, serving_config

#: Reviews per product by its number (the last part of its id): 0 loved, 1 disliked, 2 none.
STARS = {"0": [5.0, 5.0, 4.0], "1": [2.0, 1.0, 3.0], "2": []}
ROUTES = ("/v1/search", "/v1/recommendations", "/v1/users/u1/recommendations")
#: What each route needs besides a floor.
NEEDS: dict[str, dict[str, object]] = {"/v1/search": {"q": "trail shoe"}}


def number(item_id: str) -> str:
    return item_id.rsplit("-", 1)[1]


def reviewed_shop(shop: Dataset) -> Dataset:
    """The tiny shop with star-rated reviews by `STARS`."""
    rows = [
        {"user_id": f"u{n}", "item_id": item, "rating": stars, "text": f"{stars:g} stars."}
        for item in shop.items["item_id"].to_list()
        for n, stars in enumerate(STARS[number(item)])
    ]
    return replace(shop, reviews=pl.DataFrame(rows))


@pytest.fixture(scope="module")
def reviewed_root(tmp_path_factory: pytest.TempPathFactory, shop: Dataset) -> Path:
    """A bundle (light models, search index) of the tiny shop with star-rated reviews."""
    root = tmp_path_factory.mktemp("reviewed-bundles")
    train_bundle(reviewed_shop(shop), root, LIGHT_MODELS)
    return root


@pytest.fixture(scope="module")
def reviewed(reviewed_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = tmp_path_factory.mktemp("reviewed-store") / "store.duckdb"
    with TestClient(create_app(serving_config(reviewed_root, store))) as client:
        yield client


def _items(client: TestClient, path: str, **params: object) -> list[str]:
    response = client.get(path, params={"k": 30, **NEEDS.get(path, {}), **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return [item["item"] for item in response.json()["items"]]


@pytest.mark.parametrize("path", ROUTES)
def test_floors_leave_out_products_below_them(reviewed: TestClient, path: str) -> None:
    everything = {number(item) for item in _items(reviewed, path)}
    assert everything == {"0", "1", "2"}
    # Products without reviews are kept unless reviews are required.
    assert {number(item) for item in _items(reviewed, path, min_rating=4)} == {"0", "2"}
    assert {number(item) for item in _items(reviewed, path, min_positive=0.5)} == {"0", "2"}
    required = _items(reviewed, path, min_rating=4, require_reviews="true")
    assert required and {number(item) for item in required} == {"0"}
    assert {number(item) for item in _items(reviewed, path, require_reviews="true")} == {"0", "1"}


def test_lists_read_the_reviews_artifact_without_a_search_index(
    tmp_path: Path, shop: Dataset
) -> None:
    train_bundle(reviewed_shop(shop), tmp_path / "bundle", LIGHT_MODELS, search=False)
    config = serving_config(tmp_path / "bundle", tmp_path / "store.duckdb")
    with TestClient(create_app(config)) as client:
        path = "/v1/recommendations"
        kept = _items(client, path, min_rating=4, require_reviews="true")
        assert kept and {number(item) for item in kept} == {"0"}


def test_search_reads_the_floors_from_the_bundle_it_loaded(reviewed: TestClient) -> None:
    floor = {"q": "pro trail shoe", "min_rating": 2.5, "require_reviews": "true"}
    response = reviewed.get("/v1/search", params=floor, headers=CATALOG)
    assert response.status_code == 200
    assert all(number(item["item"]) == "0" for item in response.json()["items"])


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_rating": 6}, "min_rating"),
        ({"min_rating": 0.5}, "min_rating"),
        ({"min_rating": "four"}, "min_rating"),
        ({"min_rating": "nan"}, "min_rating"),
        ({"min_positive": 1.5}, "min_positive"),
        ({"min_positive": -0.1}, "min_positive"),
        ({"require_reviews": "maybe"}, "require_reviews"),
    ],
)
def test_bad_floors_are_422_naming_the_parameter(
    reviewed: TestClient, path: str, params: dict[str, object], field: str
) -> None:
    response = reviewed.get(path, params={**NEEDS.get(path, {}), **params}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert {problem["field"] for problem in response.json()["detail"]} == {field}


def test_floors_are_documented_in_openapi(reviewed: TestClient) -> None:
    paths = reviewed.get("/openapi.json").json()["paths"]
    for path in ("/v1/search", "/v1/recommendations", "/v1/users/{user_id}/recommendations"):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        for name in ("min_rating", "min_positive", "require_reviews"):
            assert parameters[name]["in"] == "query" and not parameters[name]["required"]
            assert parameters[name]["description"]
        rating = next(s for s in parameters["min_rating"]["schema"]["anyOf"] if "maximum" in s)
        assert (rating["minimum"], rating["maximum"]) == (1, 5)
