"""The default bundle, the learned fusion, served: real time, sentences, explanations, erasure."""

from __future__ import annotations

import pickle

from fastapi.testclient import TestClient

from shopsense.bundle import DEFAULT_MODELS
from shopsense.ranking.fusion import FusionRetriever
from shopsense.retrieval.content import ContentRetriever
from tests.serving.conftest import ADMIN, CATALOG, recommend

TENT = "cam-ultralight-tent-1"


def test_the_default_bundle_is_the_fusion(fused_client: TestClient) -> None:
    models = fused_client.app.state.runtime.served.bundle.models
    assert list(models) == list(DEFAULT_MODELS) == ["best"]
    assert isinstance(models["best"], FusionRetriever)


def test_an_event_reaches_the_fused_recommendations_at_once(fused_client: TestClient) -> None:
    client = fused_client
    cold = recommend(client, "fresh-visitor")
    assert len(cold) == 5 and all(r["sources"][0] == "best" for r in cold)

    event = {"user": "fresh-visitor", "item": TENT, "kind": "view"}
    assert client.post("/v1/events", json=event, headers=ADMIN).json() == {"accepted": 1}

    warm = recommend(client, "fresh-visitor")
    assert warm != cold and TENT not in {r["item"] for r in warm}
    # Each item names the generators that proposed it after the fused model, and a reason
    # that points at the one event.
    assert all(len(r["sources"]) > 1 for r in warm)
    assert any(r["because"] == TENT for r in warm)
    # Worded by the generator behind it: "because you viewed X", "similar to X, which you viewed".
    assert any("“Pro ultralight tent”" in r["reason"] and "viewed" in r["reason"] for r in warm)


def test_a_sentence_uses_the_content_generator_inside_the_fusion(
    fused_client: TestClient,
) -> None:
    client = fused_client
    served = client.app.state.runtime.served
    fusion = served.bundle.models["best"]
    assert isinstance(served.content, ContentRetriever)
    assert served.content in fusion.generators.values()

    sentence = {"user": "camper", "text": "I go camping in the mountains with a light tent"}
    response = client.post("/v1/users", json=sentence, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.json()["interests"]["categories"][0]["name"] == "Camping"
    picks = recommend(client, "camper")
    top = client.get(f"/v1/items/{picks[0]['item']}", headers=CATALOG).json()
    assert "Camping" in top["categories"]


def test_similar_items_through_the_fusion(fused_client: TestClient) -> None:
    response = fused_client.get(f"/v1/items/{TENT}/similar", params={"k": 3}, headers=CATALOG)
    assert response.status_code == 200, response.text
    similar = response.json()["items"]
    assert len(similar) == 3 and TENT not in {r["item"] for r in similar}


def test_erasure_leaves_nothing_in_the_fused_model(fused_client: TestClient) -> None:
    client = fused_client
    user, sentence = "erase-fused-9b2e", "trail running in the rain"
    client.post("/v1/users", json={"user": user, "text": sentence}, headers=ADMIN)
    client.post("/v1/events", json={"user": user, "item": TENT, "kind": "cart"}, headers=ADMIN)
    recommend(client, user)
    assert client.delete(f"/v1/users/{user}", headers=ADMIN).status_code == 204
    assert client.get(f"/v1/users/{user}", headers=ADMIN).status_code == 404
    served = client.app.state.runtime.served
    for component in (*served.bundle.models.values(), served.recommender):
        state = pickle.dumps(component)
        assert user.encode() not in state and sentence.encode() not in state
