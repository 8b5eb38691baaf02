"""Several server processes, one truth: servers sharing a PostgreSQL store see each other's
events, erasures, reviews and bundle swaps; `shopsense serve --workers 2` runs two of them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from shopsense.bundle import Bundle, train_bundle
from shopsense.cli import app as cli
from shopsense.data import Interaction
from shopsense.data.demo import generate_demo_shop
from shopsense.data.postgres_store import PostgresStore
from shopsense.serving.app import create_app
from shopsense.serving.runtime import Runtime
from shopsense.serving.settings import ServingConfig
from shopsense.serving.shared_state import Notice, SharedState, StoredShopper
from tests.serving.conftest import ADMIN, CATALOG, LIGHT_MODELS, private_copy, serving_config
from tests.serving.server import Server, free_port

#: Longest wait for a notice to reach the other server.
NOTICE_S = 15.0


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shop = generate_demo_shop(n_items=120, n_users=300)
    root = tmp_path_factory.mktemp("shared-bundles")
    train_bundle(shop, root, LIGHT_MODELS, search=False)
    return root


@pytest.fixture
def root(demo_root: Path, tmp_path: Path) -> Path:
    return private_copy(demo_root, tmp_path)


@pytest.fixture
def servers(root: Path, tmp_path: Path, postgres_url: str) -> Iterator[list[TestClient]]:
    """Two servers over one bundle root and one shared store."""
    clients = []
    for number in range(2):
        config = serving_config(root, tmp_path / f"local-{number}.duckdb")
        shared = ServingConfig.model_validate(
            {**config.model_dump(), "shared_store": postgres_url, "placement_store": postgres_url}
        )
        clients.append(TestClient(create_app(shared)).__enter__())
    try:
        yield clients
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def eventually(check: Callable[[], bool], seconds: float = NOTICE_S) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def some_items(root: Path, count: int) -> list[str]:
    return Bundle.load(root).items["item_id"].to_list()[:count]


def test_an_event_accepted_by_one_server_is_in_the_next_answer_of_the_other(
    servers: list[TestClient], root: Path
) -> None:
    first, second = servers
    item, other = some_items(root, 2)
    assert second.get("/v1/users/newcomer", headers=ADMIN).status_code == 404
    event = {"user": "newcomer", "item": item, "kind": "purchase"}
    assert first.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    profile = second.get("/v1/users/newcomer", headers=ADMIN).json()
    assert profile["events"] == 1 and profile["recent"][0]["item"] == item
    listed = second.get("/v1/users/newcomer/recommendations", headers=ADMIN).json()
    assert item not in [entry["item"] for entry in listed["items"]]  # history is left out
    # And back: the second server's event is in the first's next answer.
    event = {"user": "newcomer", "item": other, "kind": "view"}
    assert second.post("/v1/events", json=event, headers=ADMIN).status_code == 200
    assert first.get("/v1/users/newcomer", headers=ADMIN).json()["events"] == 2
    mine = first.get("/v1/users/newcomer/recommendations", headers=ADMIN).json()
    theirs = second.get("/v1/users/newcomer/recommendations", headers=ADMIN).json()
    assert mine["items"] == theirs["items"]


def test_an_erasure_on_one_server_reaches_every_server_at_once(
    servers: list[TestClient], root: Path
) -> None:
    first, second = servers
    user = str(Bundle.load(root).dataset().interactions["user_id"][0])
    assert first.get(f"/v1/users/{user}", headers=ADMIN).status_code == 200
    assert runtime_of(first).users.knows(user)
    assert second.delete(f"/v1/users/{user}", headers=ADMIN).status_code == 204
    # The notice drops the shopper from the other server's memory without any request...
    assert eventually(lambda: not runtime_of(first).users.knows(user))
    # ...and the next answer knows nothing of them.
    assert first.get(f"/v1/users/{user}", headers=ADMIN).status_code == 404


def test_a_review_posted_on_one_server_is_counted_by_the_other(
    servers: list[TestClient], root: Path
) -> None:
    first, second = servers
    item = some_items(root, 1)[0]
    path = f"/v1/items/{item}/reviews/summary"
    before = second.get(path, headers=CATALOG).json()["reviews"]
    review = {"user": "reviewer", "item": item, "rating": 1, "text": "Broke after a day. Awful."}
    assert first.post("/v1/reviews", json=review, headers=ADMIN).status_code == 201
    assert eventually(lambda: second.get(path, headers=CATALOG).json()["reviews"] == before + 1)


def test_a_bundle_swapped_in_by_one_server_is_served_by_the_other(
    servers: list[TestClient], root: Path
) -> None:
    first, second = servers
    old = second.get("/healthz").json()["bundle"]
    new = train_bundle(Bundle.load(root).dataset(), root, ["popularity"], search=False).name
    # Only the first server looks (both were started with the pointer check off).
    assert first.portal.call(runtime_of(first).reload)  # type: ignore[union-attr]
    assert eventually(lambda: second.get("/healthz").json()["bundle"] == new != old, 60.0)


def test_a_campaign_saved_on_one_server_is_placed_by_the_other(
    servers: list[TestClient], root: Path
) -> None:
    first, second = servers
    items = some_items(root, 30)
    campaign = {"campaign_id": "spring", "items": items[20:30], "bid": 2.0, "daily_budget": 100.0}
    assert first.post("/v1/campaigns", json=campaign, headers=ADMIN).status_code == 200
    assert eventually(
        lambda: (
            [c["campaign_id"] for c in second.get("/v1/campaigns", headers=ADMIN).json()]
            == ["spring"]
        )
    )
    assert first.delete("/v1/campaigns/spring", headers=ADMIN).status_code == 200
    assert eventually(lambda: second.get("/v1/campaigns", headers=ADMIN).json() == [])


def test_one_process_files_cannot_be_shared(tmp_path: Path, root: Path) -> None:
    config = serving_config(root, tmp_path / "s.duckdb").model_dump()
    shared = {**config, "shared_store": "postgresql://shop@db/shop"}
    with pytest.raises(ValidationError, match="placement_store must be a PostgreSQL URL"):
        ServingConfig.model_validate({**shared, "placement_store": tmp_path / "p.duckdb"})
    with pytest.raises(ValidationError, match="conversation_store is a DuckDB file"):
        ServingConfig.model_validate({**shared, "conversation_store": tmp_path / "c.duckdb"})
    with pytest.raises(ValidationError, match="shared_store"):
        ServingConfig.model_validate({**config, "shared_store": "mysql://shop@db/shop"})
    result = CliRunner().invoke(cli, ["serve", f"--bundle={root}", "--workers=2"])
    assert result.exit_code == 2
    assert "--workers above 1 needs --shared-store" in result.output


def two_workers(root: Path, tmp_path: Path, url: str) -> Server:
    """`shopsense serve --workers 2` on the shared store at `url` (its own DuckDB file unused)."""
    options = [f"--shared-store={url}", "--workers=2"]
    server = Server(root, tmp_path / "unused.duckdb", tmp_path / "server.log", options=options)

    def both_ready() -> bool:
        return server.log.read_text().count("Application startup complete.") >= 2

    # The first worker up answers /healthz; a test that kills one must find both ready.
    if not eventually(both_ready, 120.0):
        server.stop()
        raise TimeoutError(f"the second worker did not start: {server.log.read_text()[-2000:]}")
    return server


def _children(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


@pytest.mark.slow
def test_serve_with_two_worker_processes(root: Path, tmp_path: Path, postgres_url: str) -> None:
    server = two_workers(root, tmp_path, postgres_url)
    try:
        workers = _children(server.process.pid) - {server.process.pid}
        assert len(workers) >= 2  # (spawn also starts a resource tracker)
        item = some_items(root, 1)[0]
        for number in range(10):
            user = f"worker-shopper-{number}"
            event = {"user": user, "item": item, "kind": "view"}
            # A new connection each time: the kernel hands them to either worker.
            assert (
                httpx.post(f"{server.url}/v1/events", json=event, headers=ADMIN).status_code == 200
            )
            for _ in range(3):
                profile = httpx.get(f"{server.url}/v1/users/{user}", headers=ADMIN, timeout=30)
                assert profile.status_code == 200 and profile.json()["events"] == 1
    finally:
        server.stop()
    assert server.process.returncode == 0
    assert "s3cret" not in server.log.read_text()


def test_concurrent_reads_share_one_query_and_each_gets_its_shopper(postgres_url: str) -> None:
    shop = generate_demo_shop(n_items=80, n_users=6)
    with PostgresStore(postgres_url) as store:
        store.ingest(shop)
        item = shop.items["item_id"][0]
        store.append_events([Interaction(user_id="late", item_id=item, kind="cart")])
        expected = store.table("interactions").group_by("user_id").len()

    async def read_all(users: list[str]) -> list[StoredShopper]:
        async def ignore(notice: Notice) -> None:
            return None

        shared = SharedState(postgres_url, ignore)
        await shared.open()
        try:
            return await asyncio.gather(*(shared.shopper(user) for user in users))
        finally:
            await shared.close()

    users = [*expected["user_id"].to_list(), "nobody", "late"]
    found = asyncio.run(read_all(users))
    counts = dict(zip(expected["user_id"], expected["len"], strict=True))
    assert [len(s.events) for s in found[:-2]] == [counts[u] for u in users[:-2]]
    assert not found[-2].known
    assert [(e.item, e.kind) for e in found[-1].events] == [(item, "cart")]


@pytest.mark.slow
def test_a_worker_that_dies_is_started_again(root: Path, tmp_path: Path, postgres_url: str) -> None:
    server = two_workers(root, tmp_path, postgres_url)
    try:
        workers = {pid for pid in _children(server.process.pid) if _is_worker(pid)}
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert eventually(
            lambda: (
                len({p for p in _children(server.process.pid) if _is_worker(p)} - {victim}) == 2
            ),
            60.0,
        )
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()
    assert "exited (-9); starting it again" in server.log.read_text()


def test_workers_that_cannot_start_stop_the_server(tmp_path: Path, postgres_url: str) -> None:
    empty = tmp_path / "no-bundle"
    empty.mkdir()
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "serve"]
    options = [f"--bundle={empty}", f"--shared-store={postgres_url}", "--workers=2"]
    result = subprocess.run(
        [*command, *options, f"--port={free_port()}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SHOPSENSE_API_KEYS": "k:admin"},
    )
    assert result.returncode == 3
    assert "could not start" in result.stdout + result.stderr


def _is_worker(pid: int) -> bool:
    """Whether a child process is a server worker (spawn also starts a resource tracker)."""
    try:
        return "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False
