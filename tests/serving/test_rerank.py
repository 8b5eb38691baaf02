"""The served re-ranking stage: business rules, the brand cap and same-title de-duplication hold
on every served list (computed ahead, live or refreshed), and the defaults leave a catalogue
without repeated titles exactly as the cascade ranks it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.bundle import Bundle, train_bundle
from shopsense.cli.serve import rerank_settings
from shopsense.data import Dataset
from shopsense.data.shoppers import UserState
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.precomputed import PRECOMPUTED_K
from shopsense.ranking.rerank import BusinessRules, RerankConfig, normalise_title
from shopsense.serving.app import create_app
from shopsense.serving.settings import RERANK_ENV, parse_rerank, rerank_from_env
from tests.serving.conftest import (
    ADMIN,
    CATALOG,
    LIGHT_MODELS,
    make_shop,
    private_copy,
    recommend,
    serving_config,
)

CAP = 3
SHOP_WINDOW = RerankConfig(
    rules=BusinessRules(in_stock_only=True), max_per_brand=CAP, pool_factor=5
)


def _window_shop() -> Dataset:
    """The tiny shop with every 'Pro' product titled like its 'Classic' sibling (the same
    product under two ids), four brands in turn and every fifth product out of stock."""
    shop = make_shop()
    items = shop.items.with_columns(
        pl.col("title").str.replace("^Pro ", "Classic "),
        pl.Series("brand", [f"Brand {row % 4}" for row in range(shop.items.height)]),
        pl.Series(
            "attributes",
            [json.dumps({"in_stock": row % 5 != 0}) for row in range(shop.items.height)],
        ),
    )
    return Dataset(items=items, interactions=shop.interactions, name="window-shop", synthetic=True)


@pytest.fixture(scope="module")
def window_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("window-bundles")
    train_bundle(_window_shop(), root, LIGHT_MODELS, search=False)
    return root


def _client(root: Path, tmp_path: Path, rerank: RerankConfig | None) -> TestClient:
    config = serving_config(private_copy(root, tmp_path), tmp_path / "store.duckdb")
    if rerank is not None:
        config = config.model_copy(update={"rerank": rerank})
    return TestClient(create_app(config))


@pytest.fixture
def window_client(window_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    with _client(window_root, tmp_path, SHOP_WINDOW) as client:
        yield client


def _catalogue(client: TestClient) -> dict[str, dict]:
    bundle = client.app.state.runtime.served.bundle
    return {row["item_id"]: row for row in bundle.items.iter_rows(named=True)}


def _check_page(
    page: list[dict], catalogue: dict[str, dict], seen: set[str], cap: int, stock: bool = True
) -> None:
    """No out-of-stock item (where `stock`), at most `cap` per brand, no repeated title, none
    titled like a history item (`seen`)."""
    ids = [entry["item"] for entry in page]
    if stock:
        assert all(json.loads(catalogue[item]["attributes"])["in_stock"] for item in ids), ids
    assert max(Counter(catalogue[item]["brand"] for item in ids).values()) <= cap
    titles = [normalise_title(catalogue[item]["title"]) for item in ids]
    assert len(set(titles)) == len(titles), titles
    assert not set(titles) & {normalise_title(catalogue[item]["title"]) for item in seen}


def _lists(client: TestClient) -> dict[str, float]:
    counts = {"precomputed": 0.0, "live": 0.0}
    for line in client.get("/metrics", headers=ADMIN).text.splitlines():
        if line.startswith("shopsense_recommendation_lists_total{"):
            counts[line.split('path="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return counts


def test_served_lists_keep_the_shop_window_rules(window_client: TestClient) -> None:
    runtime = window_client.app.state.runtime
    catalogue = _catalogue(window_client)
    users = sorted(runtime.users.events)
    for user in users:
        seen = {event.item for event in runtime.users.history(user)}
        page = recommend(window_client, user, k=PRECOMPUTED_K)
        assert len(page) == PRECOMPUTED_K
        _check_page(page, catalogue, seen, cap=CAP)
    # The bundle's lists were computed under the default settings: none is served here.
    assert _lists(window_client) == {"precomputed": 0.0, "live": float(len(users))}
    for item in list(catalogue)[:12]:
        response = window_client.get(f"/v1/items/{item}/similar", params={"k": 8}, headers=CATALOG)
        assert response.status_code == 200, response.text
        _check_page(response.json()["items"], catalogue, {item}, cap=CAP)


def test_refreshed_lists_keep_the_rules_and_are_served(window_client: TestClient) -> None:
    runtime = window_client.app.state.runtime
    catalogue = _catalogue(window_client)
    event = {"user": "u3", "item": "cam-sleeping-bag-1", "kind": "view"}
    assert window_client.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    window_client.portal.call(runtime.refresher.idle)
    seen = {entry.item for entry in runtime.users.history("u3")}
    page = recommend(window_client, "u3", k=PRECOMPUTED_K)
    assert _lists(window_client)["precomputed"] == 1.0
    _check_page(page, catalogue, seen, cap=CAP)
    # The same product under its other id is not recommended after a view of one of them.
    assert "cam-sleeping-bag-0" not in [entry["item"] for entry in page]


def test_default_server_never_repeats_a_title(window_root: Path, tmp_path: Path) -> None:
    # Without de-duplication the cascade does repeat titles here.
    bundle = Bundle.load(window_root)
    plain = Recommender(bundle.models, bundle.items, rerank=RerankConfig(dedup_titles=False))
    state = UserState.from_frames(bundle.dataset().interactions, bundle.dataset().users)
    repeated = 0
    for user in state.events:
        picks = plain.recommend(plain.history(state.history(user)), PRECOMPUTED_K, user)
        titles = [normalise_title(plain.titles[pick.item]) for pick in picks]
        repeated += len(set(titles)) < len(titles)
    assert repeated > 0
    with _client(window_root, tmp_path, None) as client:
        runtime = client.app.state.runtime
        catalogue = _catalogue(client)
        for user in sorted(runtime.users.events):
            seen = {event.item for event in runtime.users.history(user)}
            page = recommend(client, user, k=PRECOMPUTED_K)
            assert len(page) == PRECOMPUTED_K
            _check_page(page, catalogue, seen, cap=PRECOMPUTED_K, stock=False)
        # The bundle's lists were re-ranked as the default server re-ranks: all are served.
        assert _lists(client)["live"] == 0.0


def test_defaults_serve_a_clean_catalogue_as_the_cascade_ranks_it(
    bundle_root: Path, tmp_path: Path
) -> None:
    bundle = Bundle.load(bundle_root)
    titles = [normalise_title(title) for title in bundle.items["title"].to_list()]
    assert len(set(titles)) == len(titles)
    plain = Recommender(bundle.models, bundle.items, rerank=RerankConfig(dedup_titles=False))
    state = UserState.from_frames(bundle.dataset().interactions, bundle.dataset().users)
    with _client(bundle_root, tmp_path, None) as client:
        for user in sorted(state.events):
            for k in (3, PRECOMPUTED_K):
                expected = plain.recommend(plain.history(state.history(user)), k, user)
                served = recommend(client, user, k=k)
                assert [(e["item"], e["sources"], e["reason"]) for e in served] == [
                    (plain.item_ids[p.item], list(p.sources), p.reason) for p in expected
                ]
        item = plain.item_ids[0]
        response = client.get(f"/v1/items/{item}/similar", params={"k": 6}, headers=CATALOG)
        assert [e["item"] for e in response.json()["items"]] == [
            plain.item_ids[p.item] for p in plain.similar(0, 6)
        ]


def test_rerank_settings_from_json_file_env_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert parse_rerank("") == RerankConfig()
    assert parse_rerank('{"max_per_brand": 2}').max_per_brand == 2
    settings = tmp_path / "rerank.json"
    settings.write_text('{"diversity": 0.1, "rules": {"exclude_items": ["x"]}}')
    assert parse_rerank(str(settings)).rules.exclude_items == ["x"]
    with pytest.raises(ValueError, match="RerankConfig"):
        parse_rerank('{"diversity": 2}')
    with pytest.raises(ValueError, match="cannot read"):
        parse_rerank(str(tmp_path / "missing.json"))
    monkeypatch.setenv(RERANK_ENV, '{"dedup_titles": false}')
    assert rerank_from_env().dedup_titles is False
    # Command-line options go over the JSON (or the environment).
    config = rerank_settings(None, diversity=0.3, max_per_brand=3, in_stock_only=True)
    assert (config.dedup_titles, config.diversity, config.max_per_brand) == (False, 0.3, 3)
    assert config.rules.in_stock_only
    config = rerank_settings(str(settings), in_stock_only=True)
    assert config.rules.exclude_items == ["x"] and config.rules.in_stock_only


def test_promotion_options_go_over_the_rerank_settings() -> None:
    config = rerank_settings('{"promotion": {"floor_depth": 3}}', promotion={"weight": 0.4})
    assert (config.promotion.weight, config.promotion.floor_depth) == (0.4, 3.0)
    kept = rerank_settings(None, promotion={"weight": None, "max_promoted_share": 0.2})
    assert kept.promotion.weight == RerankConfig().promotion.weight
    assert kept.promotion.max_promoted_share == 0.2
