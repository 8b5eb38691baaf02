"""Every route refuses a missing or unknown key (401) and a read key where it needs admin (403)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, READ, private_copy, serving_config

#: The API of issue 5, with the scope each route needs (None: public).
ROUTES = {
    ("GET", "/v1/users/{user_id}/recommendations"): "read",
    ("GET", "/v1/items/{item_id}/similar"): "read",
    ("GET", "/v1/search"): "read",
    ("GET", "/v1/items/{item_id}"): "read",
    ("POST", "/v1/events"): "admin",
    ("POST", "/v1/users"): "admin",
    ("GET", "/v1/users/{user_id}"): "read",
    ("DELETE", "/v1/users/{user_id}"): "admin",
    ("GET", "/healthz"): None,
    ("GET", "/metrics"): "read",
}


@pytest.fixture(scope="module")
def app(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("auth")
    return create_app(serving_config(private_copy(bundle_root, tmp), tmp / "s.duckdb"))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _request(client: TestClient, method: str, template: str, headers: dict[str, str]):
    item = "run-trail-shoe-0"
    path = template.replace("{user_id}", "u1").replace("{item_id}", item)
    params = {"q": "trail shoe"} if template == "/v1/search" else None
    body = None
    if template == "/v1/events":
        body = {"user": "u1", "item": item, "kind": "view"}
    elif template == "/v1/users" and method == "POST":
        body = {"user": "u1", "text": "I love trail running"}
    return client.request(method, path, params=params, json=body, headers=headers)


def test_the_app_has_exactly_the_routes_of_the_issue(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    routes = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert routes == set(ROUTES)


@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s])
def test_missing_or_unknown_key_is_401(client: TestClient, method: str, template: str) -> None:
    for headers in ({}, {"X-API-Key": "not-a-key"}, {"X-API-Key": ""}):
        response = _request(client, method, template, headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "APIKey"


@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s == "admin"])
def test_read_key_on_admin_route_is_403(client: TestClient, method: str, template: str) -> None:
    assert _request(client, method, template, READ).status_code == 403


@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s == "read"])
def test_read_key_is_enough_for_read_routes(client: TestClient, method: str, template: str) -> None:
    # Search may be unavailable (503) in a bundle without a search index, but never 401/403.
    assert _request(client, method, template, READ).status_code in (200, 503)


@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s == "admin"])
def test_admin_key_opens_admin_routes(client: TestClient, method: str, template: str) -> None:
    assert _request(client, method, template, ADMIN).status_code < 300


def test_health_and_schema_need_no_key(client: TestClient) -> None:
    for path in ("/healthz", "/openapi.json"):
        assert client.get(path).status_code == 200
