"""Issue 16's findings replayed, on an app in this process and on a real `shopsense serve`
over loopback, in seconds: each test fails if its finding comes back.

- Headers and docs (6): nosniff, request ids, `Cache-Control` on personal responses, no
  `Server` banner, `/docs` off by default, path ids checked like body ids.
- Honest failures (3): a failing store is 503 without paths, logged, `/healthz` degraded and
  recovering; a huge header refused at once; slow clients cut off; key guessing 429; startup
  with a missing or corrupt bundle one line; a bad hot swap logged once.
- Shopper-scoped access (1): a public key or another shopper's token reads no history
  (every route x caller is in `test_auth.py`).
- Erasure (2): nothing of the shopper left in any file after the server stops (the all-or-
  nothing and bundle/cache cases are in `test_erasure.py`).
- PII (5): a profile sentence is masked before it is stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopsense.bundle import CURRENT
from shopsense.data.errors import StorageError
from shopsense.serving import writer
from shopsense.serving.app import create_app
from shopsense.serving.limits import FailedAuthLimiter
from tests.serving.conftest import ADMIN, CATALOG, private_copy, serving_config, shopper
from tests.serving.server import Server, free_port

ITEM = "run-trail-shoe-0"


@pytest.fixture(scope="module")
def app(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("security")
    return create_app(serving_config(private_copy(bundle_root, tmp), tmp / "s.duckdb"))


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# ---- 6. headers and docs -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/healthz", {}),
        ("/v1/items/x", {}),
        ("/v1/items/x", CATALOG),
        (f"/v1/items/{ITEM}", CATALOG),
    ],
)
def test_every_response_has_nosniff_a_request_id_and_no_server(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers["x-request-id"]) == 32
    assert "server" not in response.headers


def test_a_plain_client_request_id_is_echoed_and_a_strange_one_replaced(
    client: TestClient,
) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert echoed.headers["x-request-id"] == "lb-1234.abc"
    for strange in ("a" * 65, "two words", "<script>"):
        replaced = client.get("/healthz", headers={"X-Request-ID": strange})
        assert replaced.headers["x-request-id"] != strange


def test_the_access_log_names_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="shopsense.serving.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-me-42"})
    assert any("id=trace-me-42" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/v1/users/u1/recommendations", None, ADMIN),
        ("/v1/users/u1", None, ADMIN),
        ("/v1/users/nobody", None, ADMIN),
        ("/v1/search", {"q": "tent", "user": "u1"}, CATALOG),
    ],
)
def test_personal_responses_are_private_and_not_stored(
    client: TestClient, path: str, params: dict[str, str] | None, headers: dict[str, str]
) -> None:
    response = client.get(path, params=params, headers=headers)
    assert response.headers["cache-control"] == "private, no-store"


def test_catalogue_responses_may_be_cached(client: TestClient) -> None:
    response = client.get(f"/v1/items/{ITEM}/similar", headers=CATALOG)
    assert response.status_code == 200
    assert "cache-control" not in response.headers


def test_docs_are_off_unless_enabled(client: TestClient, bundle_root: Path, tmp_path: Path) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "d.duckdb")
    with TestClient(create_app(config.model_copy(update={"docs": True}))) as docs:
        assert docs.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/users/%20/recommendations", "user_id"),
        ("/v1/users/%20%09", "user_id"),
        ("/v1/items/%20", "item_id"),
        ("/v1/items/%20/similar", "item_id"),
        (f"/v1/users/{'u' * 257}", "user_id"),
    ],
)
def test_path_ids_are_checked_like_body_ids(client: TestClient, path: str, field: str) -> None:
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field


# ---- 3. honest failures ----------------------------------------------------------------------
def _disk_full(*args: object, **kwargs: object) -> None:
    raise StorageError("nothing was written: IO Error: No space left on device", source=SECRET)


SECRET = "/very/secret/path/store.duckdb"


def test_a_failing_store_is_503_without_paths_logged_and_health_recovers(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = client.app.state.runtime.writer.store  # type: ignore[attr-defined]
    monkeypatch.setattr(writer, "PROBE_INTERVAL", 0.0)
    event = {"user": "u1", "item": ITEM, "kind": "view"}
    with monkeypatch.context() as disk:
        disk.setattr(store, "append_events", _disk_full)
        disk.setattr(store, "probe", _disk_full)
        with caplog.at_level(logging.ERROR, logger="shopsense.serving"):
            response = client.post("/v1/events", json=event, headers=ADMIN)
        assert response.status_code == 503
        assert "secret" not in response.text and "duckdb" not in response.text
        assert response.headers["retry-after"]
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert errors and "No space left" in errors[0].getMessage()
        assert client.get("/healthz").json()["status"] == "degraded"
    # The disk has room again: health turns ok by itself, and writes succeed.
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.post("/v1/events", json=event, headers=ADMIN).status_code == 200


def test_failed_auth_is_rate_limited_per_address(bundle_root: Path, tmp_path: Path) -> None:
    config = serving_config(private_copy(bundle_root, tmp_path), tmp_path / "r.duckdb")
    config = config.model_copy(update={"max_failed_auth": 5})
    with TestClient(create_app(config)) as limited:
        for _ in range(5):
            assert limited.get("/metrics", headers={"X-API-Key": "guess"}).status_code == 401
        blocked = limited.get("/metrics", headers={"X-API-Key": "guess"})
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["retry-after"]) <= 60
        # Blocked means blocked: a right key from that address no longer tells it so.
        assert limited.get("/metrics", headers=CATALOG).status_code == 429


def test_the_limiter_counts_each_address_and_forgets_old_failures() -> None:
    limiter = FailedAuthLimiter(limit=2, window=0.2)
    limiter.failed("10.0.0.1")
    limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") > 0
    assert limiter.retry_after("10.0.0.2") == 0
    time.sleep(0.25)
    assert limiter.retry_after("10.0.0.1") == 0


def test_a_bad_hot_swap_is_logged_once_in_one_line(
    bundle_root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = private_copy(bundle_root, tmp_path)
    config = serving_config(root, tmp_path / "h.duckdb").model_copy(update={"watch_seconds": 0.05})
    with caplog.at_level(logging.DEBUG, logger="shopsense.serving"), TestClient(create_app(config)):
        (root / CURRENT).write_text("no-such-version")
        time.sleep(0.6)
    failures = [r for r in caplog.records if "could not swap" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR and failures[0].exc_info is None
    assert "no-such-version" in failures[0].getMessage()
    assert "\n" not in failures[0].getMessage()


def _serve_command(bundle: Path, store: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from shopsense.cli import app; app()",
        "serve",
        f"--bundle={bundle}",
        f"--store={store}",
        f"--port={free_port()}",
    ]


def test_startup_with_a_missing_or_corrupt_bundle_is_one_clear_line(
    bundle_root: Path, tmp_path: Path
) -> None:
    corrupt = private_copy(bundle_root, tmp_path)
    version = corrupt / (corrupt / CURRENT).read_text().strip()
    victim = next(p for p in sorted(version.rglob("*")) if p.is_file() and p.suffix == ".npz")
    victim.write_bytes(b"not an array")
    env = {**os.environ, "SHOPSENSE_API_KEYS": "k:admin"}
    for bundle, named in ((tmp_path / "missing", "missing"), (corrupt, victim.name)):
        result = subprocess.run(
            _serve_command(bundle, tmp_path / "x.duckdb"),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        errors = [line for line in output.splitlines() if "cannot start" in line]
        assert len(errors) == 1 and named in errors[0], output
        assert len(output.splitlines()) <= 6, output


# ---- on loopback: a real `shopsense serve` -------------------------------------------------
@pytest.fixture(scope="module")
def server(bundle_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("loopback")
    options = ["--header-timeout=1", "--body-timeout=1", "--max-failed-auth=10"]
    running = Server(
        private_copy(bundle_root, tmp), tmp / "s.duckdb", tmp / "server.log", options=options
    )
    yield running
    running.stop()


def _exchange(server: Server, data: bytes, wait: float = 5.0) -> tuple[bytes, float]:
    """Send `data`, then read until the server closes; the reply and the seconds it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as connection:
        with contextlib.suppress(OSError):
            connection.sendall(data)
        reply = b""
        with contextlib.suppress(OSError):
            while chunk := connection.recv(65536):
                reply += chunk
    return reply, time.monotonic() - started


def test_no_server_banner_on_loopback(server: Server) -> None:
    response = httpx.get(f"{server.url}/healthz")
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_huge_header_is_refused_at_once(server: Server) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-API-Key: " + b"k" * 10_000_000 + b"\r\n\r\n"
    reply, seconds = _exchange(server, head)
    assert seconds < 3
    assert reply.startswith(b"HTTP/1.1 400") or reply == b""


def test_a_large_body_is_not_taken_for_a_large_head(server: Server) -> None:
    events = [{"user": f"bulk-{n}", "item": ITEM, "kind": "view"} for n in range(1000)]
    response = httpx.post(f"{server.url}/v1/events", json=events, headers=ADMIN, timeout=30.0)
    assert len(response.request.content) > 3 * 16_384
    assert response.status_code == 200, response.text


def test_slow_clients_are_cut_off(server: Server) -> None:
    reply, seconds = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    assert reply == b"" and seconds < 3
    body_head = b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
    _, seconds = _exchange(server, body_head)
    assert seconds < 3


def test_a_public_key_or_another_shoppers_token_reads_no_history_on_loopback(
    server: Server,
) -> None:
    with httpx.Client(base_url=server.url) as http:
        for headers in (CATALOG, shopper("u2")):
            for path in ("/v1/users/u1", "/v1/users/u1/recommendations", "/v1/users/nobody"):
                response = http.get(path, headers=headers)
                assert response.status_code == 403, (path, response.text)
                assert "u1" not in response.text
            personal = http.get("/v1/search", params={"q": "tent", "user": "u1"}, headers=headers)
            assert personal.status_code == 403
        own = http.get("/v1/users/u1/recommendations", headers=shopper("u1"))
        assert own.status_code == 200
        assert own.headers["cache-control"] == "private, no-store"


def test_an_erasure_on_loopback_leaves_no_bytes(bundle_root: Path, tmp_path: Path) -> None:
    user, sentence = "loopback-shopper-81f3", "I restore antique barometers"
    root, state = private_copy(bundle_root, tmp_path), tmp_path / "state"
    running = Server(root, state / "store.duckdb", tmp_path / "server.log")
    try:
        with httpx.Client(base_url=running.url, headers=ADMIN, timeout=60.0) as http:
            event = {"user": user, "item": ITEM, "kind": "cart"}
            assert http.post("/v1/events", json=event).status_code == 200
            profile = {"user": user, "text": sentence}
            assert http.post("/v1/users", json=profile).status_code == 201
            assert http.delete(f"/v1/users/{user}").status_code == 204
            assert http.get(f"/v1/users/{user}").status_code == 404
    finally:
        running.stop()
    leftovers = [
        path
        for folder in (root, state)
        for path in folder.rglob("*")
        if path.is_file()
        and (user.encode() in path.read_bytes() or b"barometers" in path.read_bytes())
    ]
    assert leftovers == []
    assert "erase_shopper" in (state / "store.duckdb.audit.jsonl").read_text()


def test_guessing_keys_on_loopback_is_429(server: Server) -> None:
    with httpx.Client(base_url=server.url) as http:
        guesses = [http.get("/metrics", headers={"X-API-Key": f"k{n}"}) for n in range(30)]
    codes = [response.status_code for response in guesses]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}


# ---- 5. PII masking on the way in ----------------------------------------------------------
def test_personal_data_in_a_profile_sentence_is_masked_before_it_is_stored(
    client: TestClient,
) -> None:
    sentence = "mail me at hiker.jo@example.com, I love tents"
    profile = {"user": "pii-shopper", "text": sentence}
    assert client.post("/v1/users", json=profile, headers=ADMIN).status_code == 201
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert runtime.users.texts["pii-shopper"] == "mail me at [EMAIL], I love tents"
