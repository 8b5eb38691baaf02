"""Campaign targeting at serving time: a search is about the categories its query names and
its first results have, a shopper's list about what they last acted on, and the shopper's
segments come from the shop's users table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle.catalogue import Catalogue
from shopsense.data.shoppers import UserEvent, UserState, profile_segments
from shopsense.ranking.promotion import PromotionConfig
from shopsense.ranking.rerank import RerankConfig
from shopsense.serving.app import create_app
from shopsense.serving.settings import ServingConfig
from shopsense.serving.targeting import list_context, search_context

from .conftest import ADMIN, CATALOG, private_copy, serving_config, shopper


@pytest.fixture
def placing(text_bundle_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """The text bundle (search index) served with a placement store."""
    config = serving_config(private_copy(text_bundle_root, tmp_path), tmp_path / "s.duckdb")
    config = config.model_copy(update={"placement_store": tmp_path / "placement.duckdb"})
    with TestClient(create_app(config)) as client:
        yield client


def _campaign(campaign_id: str, item: str, **targeting: list[str]) -> dict[str, object]:
    return {
        "campaign_id": campaign_id,
        "items": [item],
        "bid": 1.0,
        "daily_budget": 50.0,
        "targeting": targeting,
    }


def _sponsored(client: TestClient, path: str, params: dict[str, object]) -> list[str]:
    response = client.get(path, params={**params, "sponsored": True}, headers=shopper("u1"))
    assert response.status_code == 200, response.text
    return [i["campaign"] for i in response.json()["items"] if i["sponsored"]]


def test_a_search_runs_only_campaigns_for_its_categories(placing: TestClient) -> None:
    params = {"q": "running shoe", "k": 20}
    found = placing.get("/v1/search", params=params, headers=shopper("u1")).json()["items"]
    relevant = found[12]["item"]  # relevant to the query, not on the page of 10
    for campaign_id, category in (("kitchen", "Kitchen"), ("running", "Running")):
        campaign = _campaign(campaign_id, relevant, categories=[category])
        assert placing.post("/v1/campaigns", json=campaign, headers=ADMIN).status_code == 200
    assert _sponsored(placing, "/v1/search", {**params, "k": 10}) == ["running"]
    words = _campaign("words", relevant, query_terms=["sock"])
    placing.delete("/v1/campaigns/running", headers=ADMIN)
    placing.post("/v1/campaigns", json=words, headers=ADMIN)
    assert _sponsored(placing, "/v1/search", {**params, "k": 10}) == []
    assert _sponsored(placing, "/v1/search", {"q": "running shoe sock", "k": 10}) == ["words"]


def test_a_shoppers_list_runs_only_campaigns_for_what_they_looked_at(
    placing: TestClient,
) -> None:
    path = "/v1/users/u1/recommendations"  # u1 shops for camping (tests/serving/conftest.py)
    organic = placing.get(path, params={"k": 20}, headers=shopper("u1")).json()["items"]
    relevant = organic[12]["item"]
    for campaign_id, category in (("garden", "Garden"), ("camping", "Camping")):
        placing.post(
            "/v1/campaigns",
            json=_campaign(campaign_id, relevant, categories=[category]),
            headers=ADMIN,
        )
    assert _sponsored(placing, path, {"k": 10}) == ["camping"]


def test_segments_are_read_from_the_users_attributes() -> None:
    attributes = pl.Series(
        ['{"segments": ["vip", "b2b"]}', '{"segments": "new"}', '{"profile": "x"}', None, "{bad"]
    )
    assert profile_segments(attributes) == [
        frozenset({"vip", "b2b"}),
        frozenset({"new"}),
        frozenset(),
        frozenset(),
        frozenset(),
    ]
    users = pl.DataFrame({"user_id": ["a", "b"], "attributes": attributes[:2]})
    interactions = pl.DataFrame(
        {"user_id": ["a"], "item_id": ["x"], "kind": ["view"], "timestamp": [None]},
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )
    state = UserState.from_frames(interactions, users)
    assert state.segments == {"a": frozenset({"vip", "b2b"}), "b": frozenset({"new"})}
    state.forget("a")
    assert "a" not in state.segments


def test_the_contexts_carry_categories_at_every_level_and_segments() -> None:
    catalogue = Catalogue(
        pl.DataFrame(
            {
                "item_id": ["t", "s", "k"],
                "title": ["tent", "sock", "knife"],
                "categories": [["Outdoor", "Camping"], ["Outdoor", "Running"], ["Kitchen"]],
            }
        ),
        language="en",
    )
    users = UserState(
        events={"u": [UserEvent("k", "view", 1.0), UserEvent("t", "view", 2.0)]},
        segments={"u": frozenset({"vip"})},
    )
    listed = list_context(catalogue, users, "u")
    assert listed.categories == {"Outdoor", "Camping", "Kitchen"}
    assert listed.segments == {"vip"} and listed.query is None
    searched = search_context(catalogue, users, "v", "socks", ["Running"], ["s", "nope"])
    assert searched.categories == {"Outdoor", "Running"} and searched.segments == frozenset()
    assert searched.query_words == {"socks"}


def test_a_promotion_targeting_the_search_lifts_its_item_in_search(
    text_bundle_root: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(_promoting(text_bundle_root, tmp_path))) as client:
        params = {"q": "running shoe", "k": 10}
        organic = _search(client, {**params, "k": 20})
        promoted = organic[12]  # within the floor (2 x 10) but not on the page of 10
        for campaign_id, words in (("socks", ["sock"]), ("shoes", ["shoe"])):
            body = {
                "campaign_id": campaign_id,
                "kind": "promotion",
                "items": [promoted],
                "boost": 1.5,
                "targeting": {"query_terms": words},
            }
            assert client.post("/v1/campaigns", json=body, headers=ADMIN).status_code == 200
            lifted = _search(client, params)
            # Weight 1 puts a promoted item first; a campaign for other words lifts nothing.
            assert lifted == ([promoted, *organic[:9]] if words == ["shoe"] else organic[:10])
        deep = _search(client, {"q": "running shoe", "k": 5})
        assert promoted not in deep  # below the floor of a page of 5 (2 x 5)


def _search(client: TestClient, params: dict[str, object]) -> list[str]:
    response = client.get("/v1/search", params=params, headers=CATALOG)
    assert response.status_code == 200, response.text
    return [item["item"] for item in response.json()["items"]]


def test_a_promotion_targeted_at_a_shopper_lifts_its_item_in_their_list_only(
    bundle_root: Path, tmp_path: Path
) -> None:
    with TestClient(create_app(_promoting(bundle_root, tmp_path))) as client:
        camper = _list(client, "u1", 20)  # u1 shops for camping, u2 for the kitchen
        cook = _list(client, "u2", 10)
        promoted = camper[12]  # within the floor (2 x 10) but not on the page of 10
        for campaign_id, category in (("garden", "Garden"), ("camping", "Camping")):
            body = {
                "campaign_id": campaign_id,
                "kind": "promotion",
                "items": [promoted],
                "boost": 1.5,
                "targeting": {"categories": [category]},
            }
            assert client.post("/v1/campaigns", json=body, headers=ADMIN).status_code == 200
            lifted = _list(client, "u1", 10)
            # Weight 1 puts a promoted item first, for the shoppers the campaign targets only.
            assert lifted == ([promoted, *camper[:9]] if category == "Camping" else camper[:10])
            assert _list(client, "u2", 10) == cook


def _list(client: TestClient, user: str, k: int) -> list[str]:
    path = f"/v1/users/{user}/recommendations"
    response = client.get(path, params={"k": k}, headers=shopper(user))
    assert response.status_code == 200, response.text
    return [item["item"] for item in response.json()["items"]]


def _promoting(root: Path, tmp_path: Path) -> ServingConfig:
    """A private copy of `root` served with a placement store and promotions at full weight,
    at most 10% of a page promoted."""
    config = serving_config(private_copy(root, tmp_path), tmp_path / "s.duckdb")
    return config.model_copy(
        update={
            "placement_store": tmp_path / "placement.duckdb",
            "rerank": RerankConfig(promotion=PromotionConfig(weight=1.0, max_promoted_share=0.1)),
        }
    )
