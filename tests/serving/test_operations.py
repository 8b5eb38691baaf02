"""`GET /metrics` is Prometheus text that counts what the server did, by route template."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.serving.conftest import ADMIN, CATALOG

TENT = "cam-ultralight-tent-1"


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_requests_events_and_the_bundle(client: TestClient) -> None:
    batch = [{"user": "m1", "item": TENT, "kind": "view"}] * 3
    assert client.post("/v1/events", json=batch, headers=ADMIN).status_code == 200
    for _ in range(2):
        assert client.get("/v1/users/m1/recommendations", headers=ADMIN).status_code == 200
    assert client.get("/v1/items/nope", headers=CATALOG).status_code == 404

    samples = _samples(client)
    route = "/v1/users/{user_id}/recommendations"
    ok = (("method", "GET"), ("route", route), ("status", "200"))
    assert samples[("shopsense_requests_total", ok)] == 2
    missing = (("method", "GET"), ("route", "/v1/items/{item_id}"), ("status", "404"))
    assert samples[("shopsense_requests_total", missing)] == 1
    assert samples[("shopsense_request_seconds_count", (("route", route),))] == 2
    assert samples[("shopsense_events_total", ())] == 3
    version = client.get("/healthz").json()["bundle"]
    assert samples[("shopsense_bundle_info", (("version", version),))] == 1
    # Route templates only: no shopper id in any label.
    assert not [key for key in samples if "m1" in str(key)]
