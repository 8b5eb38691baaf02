"""Bad requests are 422 naming the field; oversized bodies are 413."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from shopsense.serving.schemas import MAX_BATCH, UtcMoment
from tests.serving.conftest import ADMIN

ITEM = "run-trail-shoe-0"
GOOD = {"user": "u1", "item": ITEM, "kind": "view"}


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {problem["field"] for problem in response.json()["detail"]}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/users/u1/recommendations?k=0", "k"),
        ("/v1/users/u1/recommendations?k=101", "k"),
        ("/v1/users/u1/recommendations?k=ten", "k"),
        (f"/v1/items/{ITEM}/similar?k=-1", "k"),
        ("/v1/search", "q"),
        ("/v1/search?q=%20", "q"),
        (f"/v1/search?q=shoe&user={'x' * 300}", "user"),
        (f"/v1/users/{'x' * 300}", "user_id"),
    ],
)
def test_bad_query_or_path_names_the_field(client: TestClient, path: str, field: str) -> None:
    assert _fields(client.get(path, headers=ADMIN)) == {field}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**GOOD, "kind": "like"}, {"event.kind"}),
        ({"user": "u1", "kind": "view"}, {"event.item"}),
        ({**GOOD, "user": ""}, {"event.user"}),
        ({**GOOD, "kind": "rating"}, {"event.value"}),
        ({**GOOD, "kind": "rating", "value": 7}, {"event.value"}),
        ({**GOOD, "timestamp": "yesterday"}, {"event.timestamp"}),
        ({**GOOD, "timestamp": "1900-01-01T00:00:00Z"}, {"event.timestamp"}),
        ({**GOOD, "colour": "red"}, {"event.colour"}),
        ({**GOOD, "item": "no-such-product"}, {"event.item"}),
        ([GOOD, {**GOOD, "item": "no-such-product"}], {"events[1].item"}),
        ([GOOD, {**GOOD, "kind": 3}], {"events[1].kind"}),
        ([], {"events"}),
        ([GOOD] * (MAX_BATCH + 1), {"events"}),
        ("not an event", {"event"}),
    ],
)
def test_bad_events_name_the_field(client: TestClient, body: Any, fields: set[str]) -> None:
    assert _fields(client.post("/v1/events", json=body, headers=ADMIN)) == fields


def test_a_rejected_batch_stores_nothing(client: TestClient) -> None:
    before = client.get("/v1/users/u1", headers=ADMIN).json()["events"]
    client.post("/v1/events", json=[GOOD, {**GOOD, "item": "no-such-product"}], headers=ADMIN)
    assert client.get("/v1/users/u1", headers=ADMIN).json()["events"] == before


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/events",
        content=b'{"user": "u1",',
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert response.status_code == 422


def test_bad_profile_names_the_field(client: TestClient) -> None:
    assert _fields(client.post("/v1/users", json={"user": "u1"}, headers=ADMIN)) == {"text"}
    long_text = {"user": "u1", "text": "x" * 5000}
    assert _fields(client.post("/v1/users", json=long_text, headers=ADMIN)) == {"text"}


def test_oversized_body_is_413(client: TestClient) -> None:
    body = b"[" + b",".join([b'{"user": "u1", "item": "x", "kind": "view"}'] * 40_000) + b"]"
    response = client.post(
        "/v1/events", content=body, headers={**ADMIN, "content-type": "application/json"}
    )
    assert response.status_code == 413


def test_errors_do_not_echo_the_submitted_values(client: TestClient) -> None:
    secret = "secret-sentence-123"
    response = client.post("/v1/events", json={**GOOD, "kind": secret}, headers=ADMIN)
    assert response.status_code == 422
    assert secret not in response.text


@pytest.mark.parametrize("text", ["1700000000", "-5.835751758309335e-98", "1e3", " 12.5 ", "inf"])
def test_a_moment_written_as_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        TypeAdapter(UtcMoment).validate_python(text)
    assert TypeAdapter(UtcMoment).validate_python("2026-03-01T00:00:00Z").year == 2026
