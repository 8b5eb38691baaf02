"""The pieces behind the API: key parsing, the group-commit writer, the serve command."""

from __future__ import annotations

import asyncio
import threading
import time

import polars as pl
import pytest
from typer.testing import CliRunner

from shopsense.cli.app import app
from shopsense.data.errors import DataError
from shopsense.data.records import Interaction
from shopsense.data.store import Store
from shopsense.serving.app import field_name
from shopsense.serving.settings import Scope, parse_api_keys
from shopsense.serving.writer import EventWriter


def test_api_keys_parse_with_scopes() -> None:
    assert parse_api_keys("k1:read, k2:admin,") == {"k1": Scope.CATALOG, "k2": Scope.ADMIN}
    assert parse_api_keys("with:colon:admin") == {"with:colon": Scope.ADMIN}
    assert parse_api_keys("k3:catalog") == {"k3": Scope.CATALOG}  # `read` is its old name
    for bad in ("k1", "k1:write", ":admin"):
        with pytest.raises(ValueError, match="entry 1 must be KEY:catalog or KEY:admin"):
            parse_api_keys(bad)


def test_serve_refuses_malformed_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSENSE_API_KEYS", "oops")
    result = CliRunner().invoke(app, ["serve", "--bundle", "nowhere"])
    assert result.exit_code == 2
    assert "KEY:catalog or KEY:admin" in result.output


def test_field_names_read_like_paths() -> None:
    assert field_name(("body", "events", 2, "item")) == "events[2].item"
    assert field_name(("query", "k")) == "k"
    assert field_name(("body",)) == "body"


def test_one_bad_batch_does_not_fail_the_others_in_its_commit() -> None:
    committed: list[list[Interaction]] = []
    store = Store(":memory:")
    store.ingest({"items": pl.DataFrame({"item_id": ["a", "b"]})})
    writer = EventWriter(store, committed.append)

    async def send_three() -> list[object]:
        batches = [
            [Interaction(user_id="u1", item_id="a")],
            [Interaction(user_id="u2", item_id="missing")],
            [Interaction(user_id="u3", item_id="b")],
        ]
        return await asyncio.gather(*(writer.append(b) for b in batches), return_exceptions=True)

    try:
        outcomes = asyncio.run(send_three())
        stored = store.load().interactions
    finally:
        writer.close()
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], DataError)
    assert sorted(stored["user_id"].to_list()) == ["u1", "u3"]
    assert sorted(e.user_id for batch in committed for e in batch) == ["u1", "u3"]


def test_an_append_is_acknowledged_only_after_its_commit() -> None:
    """`append` returns only once the store committed its events (while the commit is held
    up, the request still waits), and they are in the store when it does."""
    store = Store(":memory:")
    store.ingest({"items": pl.DataFrame({"item_id": ["a"]})})
    commit = store.append_events
    release = threading.Event()

    def slow_commit(records: list[Interaction]) -> list[int]:
        release.wait(timeout=10)  # a slow disk sync
        return commit(records)

    store.append_events = slow_commit  # type: ignore[method-assign]
    applied: list[int] = []
    writer = EventWriter(store, lambda events: applied.append(store.counts()["interactions"]))
    assert writer.writable is True  # nothing has failed yet

    async def send() -> tuple[bool, int, int]:
        request = asyncio.create_task(writer.append([Interaction(user_id="u1", item_id="a")]))
        await asyncio.sleep(0.3)
        waiting, stored_while_waiting = not request.done(), store.counts()["interactions"]
        release.set()
        await asyncio.wait_for(request, timeout=10)
        return waiting, stored_while_waiting, store.counts()["interactions"]

    try:
        waiting, stored_while_waiting, stored_when_acknowledged = asyncio.run(send())
    finally:
        release.set()
        writer.close()
    assert waiting and stored_while_waiting == 0
    assert stored_when_acknowledged == 1
    assert applied == [1]  # the live state learned of the events after their commit


def test_a_failed_commit_is_never_acknowledged() -> None:
    store = Store(":memory:")
    store.ingest({"items": pl.DataFrame({"item_id": ["a"]})})

    def full_disk(records: list[Interaction]) -> list[int]:
        raise OSError("no space left on device")

    store.append_events = full_disk  # type: ignore[method-assign]
    applied: list[list[Interaction]] = []
    writer = EventWriter(store, applied.append)

    async def send_two() -> list[object]:
        batches = [[Interaction(user_id=user, item_id="a")] for user in ("u1", "u2")]
        return await asyncio.gather(*(writer.append(b) for b in batches), return_exceptions=True)

    try:
        outcomes = asyncio.run(send_two())
    finally:
        writer.close()
    assert [type(outcome) for outcome in outcomes] == [OSError, OSError]
    assert applied == []


def test_every_store_call_runs_on_the_one_store_thread() -> None:
    store = Store(":memory:")
    writer = EventWriter(store, lambda events: None)

    def which_thread(_: Store) -> str:
        time.sleep(0.05)  # overlapping calls would each take a thread of a pool
        return threading.current_thread().name

    async def four_calls() -> list[str]:
        return await asyncio.gather(*(writer.run(which_thread) for _ in range(4)))

    try:
        names = asyncio.run(four_calls())
    finally:
        writer.close()
    assert len(set(names)) == 1 and names[0].startswith("shopsense-store")
