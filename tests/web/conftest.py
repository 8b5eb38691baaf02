"""A small generated demo shop with every artifact (search, reviews, assistant), the site's app
over it with sponsored placement on, and, for the browser tests, the site served by uvicorn on
a free loopback port."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from shopsense.data.demo import generate_demo_shop
from shopsense.serving.settings import Scope, ServingConfig
from shopsense.web import create_site
from tests.serving.server import free_port

CATALOG_KEY = "web-test-catalog-key"
ADMIN_KEY = "web-test-admin-key"
TOKEN_SECRET = "web-test-token-secret-32-bytes!!"


@pytest.fixture(scope="session")
def web_shop() -> Dataset:
    """A 300-product English demo shop with reviews and searches."""
    return generate_demo_shop(n_items=300, n_users=150)


@pytest.fixture(scope="session")
def web_bundle_root(tmp_path_factory: pytest.TempPathFactory, web_shop: Dataset) -> Path:
    """The default bundle (fusion, search, reviews, assistant) of the demo shop."""
    root = tmp_path_factory.mktemp("web-bundles")
    train_bundle(web_shop, root)
    return root


def site_config(root: Path, folder: Path) -> ServingConfig:
    """The site's settings over a private copy of `root`, with sponsored placement on."""
    copy = Path(shutil.copytree(root, folder / "bundle"))
    return ServingConfig(
        bundle=copy,
        store=folder / "store.duckdb",
        placement_store=folder / "placement.duckdb",
        api_keys={CATALOG_KEY: Scope.CATALOG, ADMIN_KEY: Scope.ADMIN},
        watch_seconds=0,
        token_secret=TOKEN_SECRET,
        max_failed_auth=10_000,
    )


@pytest.fixture
def site(web_bundle_root: Path, tmp_path: Path) -> FastAPI:
    """The site's app over a private copy of the demo bundle."""
    return create_site(site_config(web_bundle_root, tmp_path))


@pytest.fixture
def web(site: FastAPI) -> Iterator[TestClient]:
    """A client of the site (a browser without JavaScript: cookies kept, redirects followed)."""
    with TestClient(site) as client:
        yield client


class LiveSite:
    """The site served by uvicorn in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveSite:
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the site did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture(scope="module")
def live_site(
    web_bundle_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveSite]:
    """The site on a free loopback port, one per test module."""
    folder = tmp_path_factory.mktemp("live-site")
    with LiveSite(create_site(site_config(web_bundle_root, folder))) as running:
        yield running


@pytest.fixture
def site_root(site: FastAPI) -> Path:
    """The bundle root the `site` app serves."""
    return site.state.runtime.config.bundle
