"""A tiny generated shop, bundles trained on it, and app clients with their own stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from shopsense.serving.app import create_app
from shopsense.serving.settings import Scope, ServingConfig
from shopsense.serving.tokens import mint_shopper_token

CATALOG_KEY = "test-catalog-key"
ADMIN_KEY = "test-admin-key"
CATALOG = {"X-API-Key": CATALOG_KEY}
#: Signs the shopper tokens of the test servers.
TOKEN_SECRET = "test-token-secret-of-32-bytes!!!"
ADMIN = {"X-API-Key": ADMIN_KEY}
#: Fast models for most tests; the text path is covered by `text_bundle_root`.
LIGHT_MODELS = ["cooccurrence", "popularity"]

_CATEGORIES = {
    "Running": ["trail shoe", "running sock", "hydration vest", "sports watch", "windbreaker"],
    "Camping": ["ultralight tent", "sleeping bag", "camp stove", "head torch", "trekking pole"],
    "Kitchen": ["chef knife", "cast iron pan", "coffee grinder", "cutting board", "tea kettle"],
    "Garden": ["pruning shears", "watering can", "seed tray", "garden hose", "compost bin"],
}
_ADJECTIVES = ["classic", "pro", "compact"]
_BRANDS = ["Northpeak", "Everyday", "Fieldwork"]


def make_shop(n_users: int = 40, seed: int = 0) -> Dataset:
    """60 products in 4 categories; shoppers who mostly stay in one category, with times."""
    rng = np.random.default_rng(seed)
    rows = []
    for category, nouns in _CATEGORIES.items():
        for noun in nouns:
            for number, adjective in enumerate(_ADJECTIVES):
                rows.append(
                    {
                        "item_id": f"{category[:3].lower()}-{noun.replace(' ', '-')}-{number}",
                        "title": f"{adjective.title()} {noun}",
                        "description": f"A {adjective} {noun} for {category.lower()} lovers.",
                        "brand": _BRANDS[number],
                        "categories": ["Outdoor & Home", category],
                        "price": float(10 + 5 * number),
                    }
                )
    items = pl.DataFrame(rows)
    by_category = {c: [r["item_id"] for r in rows if r["categories"][1] == c] for c in _CATEGORIES}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    events = []
    for user in range(n_users):
        favourite = list(_CATEGORIES)[user % len(_CATEGORIES)]
        for step in range(int(rng.integers(5, 9))):
            pool = by_category[favourite] if rng.random() < 0.85 else items["item_id"].to_list()
            events.append(
                {
                    "user_id": f"u{user}",
                    "item_id": str(rng.choice(pool)),
                    "kind": str(rng.choice(["view", "view", "click", "cart", "purchase"])),
                    "timestamp": start + timedelta(days=user, hours=step),
                }
            )
    return Dataset(items=items, interactions=pl.DataFrame(events), name="tiny-shop", synthetic=True)


@pytest.fixture(scope="session")
def shop() -> Dataset:
    return make_shop()


@pytest.fixture(scope="session")
def bundle_root(tmp_path_factory: pytest.TempPathFactory, shop: Dataset) -> Path:
    """A bundle root with one version of the light models."""
    root = tmp_path_factory.mktemp("bundles")
    train_bundle(shop, root, LIGHT_MODELS, search=False)
    return root


@pytest.fixture(scope="session")
def text_bundle_root(tmp_path_factory: pytest.TempPathFactory, shop: Dataset) -> Path:
    """A bundle root whose models include the content (text) retriever."""
    root = tmp_path_factory.mktemp("text-bundles")
    train_bundle(shop, root, ["cooccurrence", "content", "popularity"])
    return root


@pytest.fixture(scope="session")
def fused_bundle_root(tmp_path_factory: pytest.TempPathFactory, shop: Dataset) -> Path:
    """A bundle root of what `shopsense train` builds by default: the learned fusion."""
    root = tmp_path_factory.mktemp("fused-bundles")
    train_bundle(shop, root, search=False)
    return root


def private_copy(root: Path, tmp_path: Path) -> Path:
    """A copy of a session bundle root for a test that erases shoppers (erasure rewrites the
    bundle's data tables, which other tests read)."""
    return Path(shutil.copytree(root, tmp_path / "bundle-copy"))


def serving_config(bundle: Path, store: Path) -> ServingConfig:
    return ServingConfig(
        bundle=bundle,
        store=store,
        api_keys={CATALOG_KEY: Scope.CATALOG, ADMIN_KEY: Scope.ADMIN},
        watch_seconds=0,
        token_secret=TOKEN_SECRET,
        # Tests that probe auth on purpose fail many checks from one address.
        max_failed_auth=10_000,
    )


@pytest.fixture
def app(bundle_root: Path, tmp_path: Path) -> FastAPI:
    root = private_copy(bundle_root, tmp_path)
    return create_app(serving_config(root, tmp_path / "store.duckdb"))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def fused_client(fused_bundle_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client over the default (fused) bundle."""
    root = private_copy(fused_bundle_root, tmp_path)
    with TestClient(create_app(serving_config(root, tmp_path / "f.duckdb"))) as test:
        yield test


@pytest.fixture
def text_client(text_bundle_root: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client over the bundle with the content model and the search index."""
    root = private_copy(text_bundle_root, tmp_path)
    with TestClient(create_app(serving_config(root, tmp_path / "s.duckdb"))) as test:
        yield test


def shopper(user: str) -> dict[str, str]:
    """Headers of a storefront acting for `user`: the catalog key and their shopper token."""
    return {**CATALOG, "Authorization": f"Bearer {mint_shopper_token(TOKEN_SECRET, user)}"}


def recommend(client: TestClient, user: str, k: int = 5) -> list[dict]:
    """The `k` recommendations the API serves `user` with their token (asserting a 200)."""
    path = f"/v1/users/{user}/recommendations"
    response = client.get(path, params={"k": k}, headers=shopper(user))
    assert response.status_code == 200, response.text
    return response.json()["items"]
