"""Every route against every kind of caller: no credentials, a catalog key, an admin key, the
shopper's own token and another shopper's token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopsense.cli import app as cli
from shopsense.serving.app import create_app
from shopsense.serving.tokens import (
    MAX_TTL_S,
    InvalidToken,
    mint_shopper_token,
    verify_shopper_token,
)
from tests.serving.conftest import (
    ADMIN,
    CATALOG,
    TOKEN_SECRET,
    private_copy,
    serving_config,
    shopper,
)

ITEM = "run-trail-shoe-0"
#: Each route with who may call it: `catalog` (any key or token), `shopper` (the shopper's
#: own token or an admin key), `admin`, or None (anyone).
ROUTES = {
    ("GET", "/v1/users/{user_id}/recommendations"): "shopper",
    ("GET", "/v1/recommendations"): "catalog",
    ("GET", "/v1/lists/trending"): "catalog",
    ("GET", "/v1/lists/new"): "catalog",
    ("GET", "/v1/items/{item_id}/similar"): "catalog",
    ("GET", "/v1/search"): "catalog",
    ("GET", "/v1/items/{item_id}"): "catalog",
    ("POST", "/v1/events"): "shopper",
    ("POST", "/v1/users"): "shopper",
    ("GET", "/v1/users/{user_id}"): "shopper",
    ("DELETE", "/v1/users/{user_id}"): "admin",
    ("POST", "/v1/reviews"): "shopper",
    ("GET", "/v1/items/{item_id}/reviews/summary"): "catalog",
    ("GET", "/v1/insights/alerts"): "admin",
    ("GET", "/v1/insights/trends"): "admin",
    ("POST", "/v1/campaigns"): "admin",
    ("GET", "/v1/campaigns"): "admin",
    ("DELETE", "/v1/campaigns/{campaign_id}"): "admin",
    ("POST", "/v1/impressions/{impression_id}/outcomes"): "shopper",
    ("POST", "/v1/assistant/messages"): "shopper",
    ("GET", "/v1/assistant/conversations"): "admin",
    ("GET", "/v1/assistant/conversations/{conversation_id}"): "shopper",
    ("POST", "/v1/assistant/answers"): "admin",
    ("GET", "/v1/assistant/answers"): "catalog",
    ("GET", "/healthz"): None,
    ("GET", "/metrics"): "admin",
}
#: Callers, and the routes they may use. The shopper is u1; erasure targets u5.
CALLERS = {
    "catalog key": (CATALOG, {"catalog"}),
    "admin key": (ADMIN, {"catalog", "shopper", "admin"}),
    "own token": (shopper("u1"), {"catalog", "shopper"}),
    "own token, no key": (
        {"Authorization": f"Bearer {mint_shopper_token(TOKEN_SECRET, 'u1')}"},
        {"catalog", "shopper"},
    ),
    "other's token": (shopper("u2"), {"catalog"}),
}


@pytest.fixture(scope="module")
def app(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("auth")
    config = serving_config(private_copy(bundle_root, tmp), tmp / "s.duckdb")
    return create_app(config.model_copy(update={"placement_store": tmp / "p.duckdb"}))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _request(client: TestClient, method: str, template: str, headers: dict[str, str]):
    user = "u5" if method == "DELETE" else "u1"
    path = template.replace("{user_id}", user).replace("{item_id}", ITEM)
    campaign = {"campaign_id": "c1", "items": [ITEM], "bid": 1.0, "daily_budget": 10.0}
    if template == "/v1/campaigns/{campaign_id}":
        # Set up by an admin, so that there is a campaign to erase.
        client.post("/v1/campaigns", json=campaign, headers=ADMIN)
        path = path.replace("{campaign_id}", "c1")
    elif template == "/v1/impressions/{impression_id}/outcomes":
        # A list served to u1 (logged by an admin's request) to report an outcome on.
        served = client.get(
            "/v1/users/u1/recommendations", params={"sponsored": True}, headers=ADMIN
        ).json()
        path = path.replace("{impression_id}", served["impression"])
    elif template == "/v1/assistant/conversations/{conversation_id}":
        # u1's conversation, started by an admin on u1's behalf.
        started = client.post(
            "/v1/assistant/messages", json={"user": "u1", "text": "hello"}, headers=ADMIN
        ).json()
        path = path.replace("{conversation_id}", started["conversation"])
    params = {
        "/v1/search": {"q": "trail shoe"},
        "/v1/insights/trends": {"scope": "item", "key": ITEM},
        "/v1/assistant/answers": {"item": ITEM} if method == "GET" else None,
    }.get(template)
    body = None
    if template == "/v1/events":
        body = {"user": "u1", "item": ITEM, "kind": "view"}
    elif template == "/v1/users" and method == "POST":
        body = {"user": "u1", "text": "I love trail running"}
    elif template == "/v1/reviews":
        body = {"user": "u1", "item": ITEM, "rating": 5, "text": "Great grip on wet rocks."}
    elif template == "/v1/campaigns" and method == "POST":
        body = campaign
    elif template == "/v1/assistant/answers" and method == "POST":
        body = {"item": ITEM, "question": "Is it waterproof?", "answer": "Yes, to 10 m."}
    elif template == "/v1/assistant/messages":
        body = {"user": "u1", "text": "where is my order?"}
    elif template.startswith("/v1/impressions/"):
        body = {"item": served["items"][0]["item"], "kind": "click"}
    return client.request(method, path, params=params, json=body, headers=headers)


def _allowed(status: int) -> bool:
    # Search is unavailable (503) in a bundle without a search index, but not refused.
    return status < 300 or status == 503


def test_the_app_has_exactly_these_routes(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    routes = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert routes == set(ROUTES)


@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s])
def test_missing_or_unknown_credentials_are_401(
    client: TestClient, method: str, template: str
) -> None:
    forged = mint_shopper_token("another-secret-of-enough-bytes", "u1")
    expired = mint_shopper_token(TOKEN_SECRET, "u1", 1, now=1_000_000)
    for headers in (
        {},
        {"X-API-Key": "not-a-key"},
        {"X-API-Key": ""},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": "Bearer nonsense"},
        {**ADMIN, "Authorization": "Basic dTE6cHc="},
        {**CATALOG, "Authorization": f"Bearer {forged}"},
    ):
        response = _request(client, method, template, headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == "APIKey"


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize(("method", "template"), [r for r, s in ROUTES.items() if s])
def test_every_route_for_every_caller(
    client: TestClient, method: str, template: str, caller: str
) -> None:
    headers, allowed = CALLERS[caller]
    response = _request(client, method, template, headers)
    if ROUTES[(method, template)] in allowed:
        assert _allowed(response.status_code), response.text
    else:
        assert response.status_code == 403, response.text


@pytest.mark.parametrize("caller", list(CALLERS))
def test_personalised_search_needs_the_shoppers_token(client: TestClient, caller: str) -> None:
    headers, allowed = CALLERS[caller]
    response = client.get("/v1/search", params={"q": "tent", "user": "u1"}, headers=headers)
    if "shopper" in allowed:
        assert _allowed(response.status_code), response.text
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("caller", ["catalog key", "other's token"])
def test_unknown_and_forbidden_shoppers_get_the_same_answer(
    client: TestClient, caller: str
) -> None:
    headers = CALLERS[caller][0]
    for path in ("/v1/users/{}", "/v1/users/{}/recommendations"):
        known = client.get(path.format("u3"), headers=headers)
        unknown = client.get(path.format("nobody-at-all"), headers=headers)
        assert known.status_code == unknown.status_code == 403
        assert known.json() == unknown.json()


def test_a_token_writes_only_its_own_shoppers_events(client: TestClient) -> None:
    own = {"user": "u1", "item": ITEM, "kind": "view"}
    other = {"user": "u2", "item": ITEM, "kind": "view"}
    assert client.post("/v1/events", json=[own], headers=shopper("u1")).status_code == 200
    assert client.post("/v1/events", json=[own, other], headers=shopper("u1")).status_code == 403
    described = {"user": "u2", "text": "tents"}
    assert client.post("/v1/users", json=described, headers=shopper("u1")).status_code == 403


def test_anonymous_recommendations_hold_no_personal_reason(client: TestClient) -> None:
    response = client.get("/v1/recommendations", params={"k": 5}, headers=CATALOG)
    assert response.status_code == 200
    assert [pick["because"] for pick in response.json()["items"]] == [None] * 5


def test_health_and_schema_need_no_key(client: TestClient) -> None:
    for path in ("/healthz", "/openapi.json"):
        assert client.get(path).status_code == 200


def test_without_a_secret_no_token_is_accepted(bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "n.duckdb")
    with TestClient(create_app(config.model_copy(update={"token_secret": None}))) as plain:
        token = {"Authorization": f"Bearer {mint_shopper_token(TOKEN_SECRET, 'u1')}"}
        assert plain.get("/v1/users/u1", headers=token).status_code == 401


# ---- tokens --------------------------------------------------------------------------------
def test_a_token_names_its_shopper_until_it_expires() -> None:
    token = mint_shopper_token(TOKEN_SECRET, "shopper.with:odd/chars é", 60, now=1000)
    assert verify_shopper_token(TOKEN_SECRET, token, now=1059) == "shopper.with:odd/chars é"
    with pytest.raises(InvalidToken, match="expired"):
        verify_shopper_token(TOKEN_SECRET, token, now=1060)


def test_a_changed_or_foreign_token_is_refused() -> None:
    token = mint_shopper_token(TOKEN_SECRET, "u1", 60, now=1000)
    version, user, expiry, signature = token.split(".")
    other_user = mint_shopper_token(TOKEN_SECRET, "u2", 60, now=1000).split(".")[1]
    for changed in (
        f"{version}.{other_user}.{expiry}.{signature}",
        f"{version}.{user}.{int(expiry) + 1000}.{signature}",
        f"{version}.{user}.{expiry}",
        "",
    ):
        with pytest.raises(InvalidToken):
            verify_shopper_token(TOKEN_SECRET, changed, now=1000)
    with pytest.raises(InvalidToken, match="signature"):
        verify_shopper_token("some-other-secret-value", token, now=1000)


@pytest.mark.parametrize(
    ("secret", "user", "ttl", "field"),
    [
        ("short", "u1", 60, "secret"),
        (TOKEN_SECRET, "", 60, "user"),
        (TOKEN_SECRET, "u1", 0, "ttl_s"),
        (TOKEN_SECRET, "u1", MAX_TTL_S + 1, "ttl_s"),
    ],
)
def test_minting_refuses_bad_arguments_by_name(
    secret: str, user: str, ttl: int, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        mint_shopper_token(secret, user, ttl)


def test_the_token_command_mints_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSENSE_TOKEN_SECRET", TOKEN_SECRET)
    result = CliRunner().invoke(cli, ["token", "--user", "U42", "--ttl", "900"])
    assert result.exit_code == 0, result.output
    assert verify_shopper_token(TOKEN_SECRET, result.stdout.strip()) == "U42"
    monkeypatch.delenv("SHOPSENSE_TOKEN_SECRET")
    refused = CliRunner().invoke(cli, ["token", "--user", "U42"])
    assert refused.exit_code == 2
