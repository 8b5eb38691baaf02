"""The real server process: acknowledged events survive kill -9; bundles swap under load."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from shopsense.data.store import Store
from tests.serving.conftest import ADMIN, LIGHT_MODELS
from tests.serving.server import Server

ITEMS = ["run-trail-shoe-0", "cam-ultralight-tent-1", "kit-chef-knife-2", "gar-seed-tray-0"]
BURST = 300
KILL_AFTER = 100
CONCURRENCY = 16


async def _burst(server: Server) -> set[int]:
    """POST one event per shopper, kill -9 the server after `KILL_AFTER` acks; return acked."""
    acked: set[int] = set()
    queue = iter(range(BURST))

    async def sender(client: httpx.AsyncClient) -> None:
        for number in queue:
            event = {"user": f"burst-{number}", "item": ITEMS[number % 4], "kind": "view"}
            try:
                response = await client.post("/v1/events", json=event, headers=ADMIN)
            except httpx.HTTPError:
                continue  # the server is gone: this one was never acknowledged
            if response.status_code == 200:
                acked.add(number)
                if len(acked) == KILL_AFTER:
                    server.kill()

    async with httpx.AsyncClient(base_url=server.url, timeout=5.0) as client:
        await asyncio.gather(*(sender(client) for _ in range(CONCURRENCY)))
    return acked


def test_acknowledged_events_survive_kill_9(bundle_root: Path, tmp_path: Path) -> None:
    store, log = tmp_path / "store.duckdb", tmp_path / "server.log"
    server = Server(bundle_root, store, log)
    try:
        acked = asyncio.run(_burst(server))
    finally:
        server.kill()
    assert len(acked) >= KILL_AFTER

    server = Server(bundle_root, store, log)
    try:
        # Generous: the first profile request loads the text encoder (slow on a busy machine),
        # and this checks what was kept, not how fast.
        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=60.0) as client:
            missing = [n for n in acked if client.get(f"/v1/users/burst-{n}").status_code != 200]
    finally:
        server.stop()
    assert missing == []
    with Store(store, read_only=True) as reopened:
        stored = reopened.load().interactions
    burst_users = set(stored.filter(stored["user_id"].str.starts_with("burst-"))["user_id"])
    assert {f"burst-{n}" for n in acked} <= burst_users
    assert "burst-1" not in log.read_text()  # the server logged no shopper id


async def _load(url: str, seconds: float, versions: set[str]) -> list[int]:
    """Mixed traffic for `seconds`; returns every status code seen."""
    statuses: list[int] = []
    deadline = time.monotonic() + seconds

    async def worker(client: httpx.AsyncClient, number: int) -> None:
        step = 0
        while time.monotonic() < deadline:
            step += 1
            if step % 3 == 0:
                event = {"user": f"load-{number}", "item": ITEMS[step % 4], "kind": "click"}
                response = await client.post("/v1/events", json=event, headers=ADMIN)
            else:
                path = (
                    f"/v1/users/load-{number}/recommendations"
                    if step % 3 == 1
                    else f"/v1/items/{ITEMS[step % 4]}/similar"
                )
                response = await client.get(path, headers=ADMIN)
                if response.status_code == 200:
                    versions.add(response.json()["bundle"])
            statuses.append(response.status_code)

    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        await asyncio.gather(*(worker(client, n) for n in range(8)))
    return statuses


def test_bundle_swap_under_load_fails_no_request(
    shop: Dataset, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("swap-root")
    old = train_bundle(shop, root, LIGHT_MODELS, search=False).name
    server = Server(root, tmp_path / "store.duckdb", tmp_path / "server.log")
    versions: set[str] = set()
    new: list[str] = []

    def retrain_and_signal() -> None:
        time.sleep(1.0)
        new.append(train_bundle(shop, root, ["popularity", "cooccurrence"], search=False).name)
        server.signal(signal.SIGHUP)

    swapper = threading.Thread(target=retrain_and_signal)
    try:
        swapper.start()
        statuses = asyncio.run(_load(server.url, 4.0, versions))
        swapper.join(timeout=60)
        health = httpx.get(f"{server.url}/healthz").json()
    finally:
        server.stop()
    assert statuses and set(statuses) == {200}
    assert health["bundle"] == new[0] != old
    assert versions == {old, new[0]}
