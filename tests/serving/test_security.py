"""Issue 16's findings, replayed on an app in this process (and on loopback where they need a
real server): each test fails if its finding comes back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, READ, private_copy, serving_config

ITEM = "run-trail-shoe-0"


@pytest.fixture(scope="module")
def app(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("security")
    return create_app(serving_config(private_copy(bundle_root, tmp), tmp / "s.duckdb"))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# ---- 6. headers and docs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "headers"),
    [("/healthz", {}), ("/v1/items/x", {}), ("/v1/items/x", READ), (f"/v1/items/{ITEM}", READ)],
)
def test_every_response_has_nosniff_a_request_id_and_no_server(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) == 32
    assert "server" not in response.headers


def test_a_plain_client_request_id_is_echoed_and_a_strange_one_replaced(
    client: TestClient,
) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert echoed.headers["x-request-id"] == "lb-1234.abc"
    for strange in ("a" * 65, "two words", "<script>"):
        replaced = client.get("/healthz", headers={"X-Request-ID": strange})
        assert replaced.headers["x-request-id"] != strange


def test_the_access_log_names_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="shopsense.serving.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-me-42"})
    assert any("id=trace-me-42" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/v1/users/u1/recommendations", None, ADMIN),
        ("/v1/users/u1", None, ADMIN),
        ("/v1/users/nobody", None, ADMIN),
        ("/v1/search", {"q": "tent", "user": "u1"}, READ),
    ],
)
def test_personal_responses_are_private_and_not_stored(
    client: TestClient, path: str, params: dict[str, str] | None, headers: dict[str, str]
) -> None:
    response = client.get(path, params=params, headers=headers)
    assert response.headers["cache-control"] == "private, no-store"


def test_catalogue_responses_may_be_cached(client: TestClient) -> None:
    response = client.get(f"/v1/items/{ITEM}/similar", headers=READ)
    assert response.status_code == 200
    assert "cache-control" not in response.headers


def test_docs_are_off_unless_enabled(client: TestClient, bundle_root: Path, tmp_path: Path) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "d.duckdb")
    with TestClient(create_app(config.model_copy(update={"docs": True}))) as docs:
        assert docs.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/users/%20/recommendations", "user_id"),
        ("/v1/users/%20%09", "user_id"),
        ("/v1/items/%20", "item_id"),
        ("/v1/items/%20/similar", "item_id"),
        (f"/v1/users/{'u' * 257}", "user_id"),
    ],
)
def test_path_ids_are_checked_like_body_ids(client: TestClient, path: str, field: str) -> None:
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
