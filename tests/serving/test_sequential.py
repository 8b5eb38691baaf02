"""The sequential model sees each accepted event at once, in order, without retraining."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from shopsense.retrieval.base import UserContext
from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, serving_config

FAST = {"hidden": 16, "max_epochs": 3, "patience": 3, "threads": 1}
SEEN = ["cam-ultralight-tent-1", "kit-chef-knife-2", "run-trail-shoe-0"]


@pytest.fixture(scope="module")
def sequential_client(
    shop: Dataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("sequential-bundles")
    train_bundle(shop, root, ["sasrec", "popularity"], configs={"sasrec": FAST}, search=False)
    config = serving_config(root, tmp_path_factory.mktemp("sequential") / "store.duckdb")
    with TestClient(create_app(config)) as client:
        yield client


def _served(client: TestClient, user: str) -> list[str]:
    response = client.get(f"/v1/users/{user}/recommendations", params={"k": 5}, headers=ADMIN)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert all(r["sources"][0] == "sasrec" for r in items)
    return [r["item"] for r in items]


def _expected(client: TestClient, history: list[str]) -> list[str]:
    """The sequential model's own top 5 for `history` in this order, history excluded."""
    served = client.app.state.runtime.served
    recommender, model = served.recommender, served.bundle.models["sasrec"]
    indices = [recommender.item_index[item] for item in history]
    top, _ = model.recommend(UserContext.of(indices), 5, exclude=indices)
    return [recommender.item_ids[i] for i in top]


def test_each_event_extends_the_sequence_the_model_reads(sequential_client: TestClient) -> None:
    client, user = sequential_client, "sequence-visitor"
    lists = []
    for step in range(1, len(SEEN) + 1):
        event = {"user": user, "item": SEEN[step - 1], "kind": "view"}
        assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
        served = _served(client, user)
        assert served == _expected(client, SEEN[:step])
        lists.append(served)
    assert len({tuple(items) for items in lists}) > 1  # the list moved with the history
    # Order matters to a sequential model: the same items the other way round are read as such.
    reversed_user = "reversed-visitor"
    batch = [{"user": reversed_user, "item": item, "kind": "view"} for item in reversed(SEEN)]
    assert client.post("/v1/events", json=batch, headers=ADMIN).status_code == 200
    assert _served(client, reversed_user) == _expected(client, SEEN[::-1])
