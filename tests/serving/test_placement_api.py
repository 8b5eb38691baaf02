"""Sponsored placement over REST: the campaigns admin API, sponsored slots on a shopper's list,
outcomes joined to the logged impression, erasure, and the server without placement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopsense.ranking.promotion import PromotionConfig
from shopsense.ranking.rerank import RerankConfig
from shopsense.serving.app import create_app

from .conftest import ADMIN, CATALOG, private_copy, serving_config, shopper

LIST = "/v1/users/u1/recommendations"


@pytest.fixture
def client(bundle_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "s.duckdb")
    config = config.model_copy(update={"placement_store": tmp_path / "placement.duckdb"})
    with TestClient(create_app(config)) as test:
        yield test


def _campaign(campaign_id: str, item: str, **fields: object) -> dict[str, object]:
    return {"campaign_id": campaign_id, "items": [item], "bid": 1.0, "daily_budget": 50.0, **fields}


def _list(client: TestClient, k: int, sponsored: bool, user: str = "u1") -> dict:
    response = client.get(
        f"/v1/users/{user}/recommendations",
        params={"k": k, "sponsored": sponsored},
        headers=shopper(user),
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_campaigns_are_saved_listed_and_erased_by_admins(client: TestClient) -> None:
    first = client.post("/v1/campaigns", json=_campaign("c1", "run-trail-shoe-0"), headers=ADMIN)
    assert first.status_code == 200, first.text
    assert first.json() == {"campaign": "c1", "version": 1}
    again = _campaign("c1", "run-trail-shoe-1", bid=2.0)
    assert client.post("/v1/campaigns", json=again, headers=ADMIN).json()["version"] == 2
    listed = client.get("/v1/campaigns", headers=ADMIN).json()
    assert [(c["campaign_id"], c["items"], c["bid"]) for c in listed] == [
        ("c1", ["run-trail-shoe-1"], 2.0)
    ]
    erased = client.delete("/v1/campaigns/c1", headers=ADMIN)
    assert erased.json() == {"campaign": "c1", "versions": 2}
    assert client.get("/v1/campaigns", headers=ADMIN).json() == []
    assert client.delete("/v1/campaigns/c1", headers=ADMIN).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"campaign_id": "c", "items": ["x"], "daily_budget": 5.0}, "bid"),
        ({"campaign_id": "c", "items": ["x"], "bid": -1, "daily_budget": 5.0}, "bid"),
        ({"campaign_id": "c", "bid": 1.0, "daily_budget": 5.0}, "items"),
        ({**_campaign("c", "x"), "colour": "red"}, "colour"),
    ],
)
def test_a_bad_campaign_is_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/v1/campaigns", json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert client.get("/v1/campaigns", headers=ADMIN).json() == []


def test_campaigns_need_an_admin_key(client: TestClient) -> None:
    body = _campaign("c1", "run-trail-shoe-0")
    for headers in (CATALOG, shopper("u1")):
        assert client.post("/v1/campaigns", json=body, headers=headers).status_code == 403
        assert client.get("/v1/campaigns", headers=headers).status_code == 403
        assert client.delete("/v1/campaigns/c1", headers=headers).status_code == 403


def test_sponsored_items_take_the_slots_and_organic_ones_stay(client: TestClient) -> None:
    organic = [item["item"] for item in _list(client, 20, False)["items"]]
    # Relevant to u1 (in their organic top 20) but not on their page of 10.
    promoted = organic[12:14]
    for index, item in enumerate(promoted):
        client.post("/v1/campaigns", json=_campaign(f"c{index}", item), headers=ADMIN)
    plain = _list(client, 10, False)
    assert plain["impression"] is None
    assert [i["item"] for i in plain["items"]] == organic[:10]
    assert not any(i["sponsored"] or i["campaign"] for i in plain["items"])

    served = _list(client, 10, True)
    items = served["items"]
    assert served["impression"] and len(items) == 10
    sponsored = [(p, i["item"], i["campaign"]) for p, i in enumerate(items) if i["sponsored"]]
    # The default slots are positions 1 and 5: exactly those, one item per campaign.
    assert [p for p, _, _ in sponsored] == [1, 5]
    assert {(item, campaign) for _, item, campaign in sponsored} == {
        (promoted[0], "c0"),
        (promoted[1], "c1"),
    }
    rest = [i for i in items if not i["sponsored"]]
    assert [i["item"] for i in rest] == organic[:8]
    assert all(i["campaign"] is None for i in rest)


def test_an_outcome_is_joined_to_its_impression(client: TestClient) -> None:
    organic = [item["item"] for item in _list(client, 20, False)["items"]]
    client.post("/v1/campaigns", json=_campaign("c1", organic[12]), headers=ADMIN)
    served = _list(client, 10, True)
    path = f"/v1/impressions/{served['impression']}/outcomes"
    click = {"item": organic[12], "kind": "click"}
    response = client.post(path, json=click, headers=shopper("u1"))
    assert response.status_code == 200, response.text
    assert response.json()["charged"] > 0
    bought = {"item": organic[0], "kind": "purchase"}
    assert client.post(path, json=bought, headers=ADMIN).json()["charged"] == 0
    assert client.post(path, json=click, headers=shopper("u2")).status_code == 403
    not_served = client.post(path, json={"item": organic[19], "kind": "click"}, headers=ADMIN)
    assert not_served.status_code == 422 and not_served.json()["detail"][0]["field"] == "item"
    bad_kind = client.post(path, json={"item": organic[0], "kind": "like"}, headers=ADMIN)
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["field"] == "kind"
    unknown = client.post("/v1/impressions/nope/outcomes", json=click, headers=ADMIN)
    assert unknown.status_code == 404


def test_erasure_removes_the_shoppers_impressions(client: TestClient) -> None:
    organic = [item["item"] for item in _list(client, 20, False)["items"]]
    client.post("/v1/campaigns", json=_campaign("c1", organic[12]), headers=ADMIN)
    mine = _list(client, 10, True)["impression"]
    theirs = _list(client, 10, True, user="u2")["impression"]
    assert client.delete("/v1/users/u1", headers=ADMIN).status_code == 204
    click = {"item": organic[0], "kind": "click"}
    assert (
        client.post(f"/v1/impressions/{mine}/outcomes", json=click, headers=ADMIN).status_code
        == 404
    )
    engine = client.app.state.runtime.placement
    assert engine.store.served_list(theirs)
    assert not engine.store.impression_log().filter(shopper_id="u1").height


def test_without_a_placement_store_lists_are_organic(bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "s.duckdb")
    with TestClient(create_app(config)) as plain:
        sponsored = _list(plain, 10, True)
        assert sponsored == _list(plain, 10, False)
        assert sponsored["impression"] is None
        refused = plain.get("/v1/campaigns", headers=ADMIN)
        assert refused.status_code == 503 and "placement" in refused.json()["detail"]


def test_sponsored_search_for_a_shopper(text_bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(private_copy(text_bundle_root, tmp_path), tmp_path / "s.duckdb")
    config = config.model_copy(update={"placement_store": tmp_path / "placement.duckdb"})
    with TestClient(create_app(config)) as search:
        params = {"q": "running shoe", "k": 20}
        organic = [hit["item"] for hit in _search(search, params)["items"]]
        search.post("/v1/campaigns", json=_campaign("c1", organic[12]), headers=ADMIN)
        served = _search(search, {**params, "k": 10, "sponsored": True})
        items = served["items"]
        assert served["impression"] and served["query"]["text"] == "running shoe"
        assert [(p, i["campaign"]) for p, i in enumerate(items) if i["sponsored"]] == [(1, "c1")]
        assert [i["item"] for i in items if not i["sponsored"]] == organic[:9]
        # A catalog key alone names no shopper: the organic list, not logged.
        anonymous = search.get(
            "/v1/search", params={**params, "k": 10, "sponsored": True}, headers=CATALOG
        ).json()
        assert anonymous["impression"] is None
        assert [i["item"] for i in anonymous["items"]] == organic[:10]


def _search(client: TestClient, params: dict[str, object]) -> dict:
    response = client.get("/v1/search", params=params, headers=shopper("u1"))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_promotion_lifts_its_items_under_the_cap(bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "s.duckdb")
    config = config.model_copy(
        update={
            "placement_store": tmp_path / "placement.duckdb",
            "rerank": RerankConfig(promotion=PromotionConfig(weight=1.0, max_promoted_share=0.1)),
        }
    )
    with TestClient(create_app(config)) as client:
        organic = [item["item"] for item in _list(client, 10, False)["items"]]
        pool = [item["item"] for item in _list(client, 20, False)["items"]]
        promoted = pool[12:14]
        body = {"campaign_id": "p", "kind": "promotion", "items": promoted, "boost": 1.5}
        assert client.post("/v1/campaigns", json=body, headers=ADMIN).status_code == 200
        lifted = [item["item"] for item in _list(client, 10, False)["items"]]
        # Weight 1 puts a promoted item first; the cap (10% of 10) allows only one.
        assert lifted[0] in promoted and not set(lifted[1:]) & set(promoted)
        assert client.delete("/v1/campaigns/p", headers=ADMIN).status_code == 200
        assert [item["item"] for item in _list(client, 10, False)["items"]] == organic
