"""The pieces behind the API: key parsing, the group-commit writer, the serve command."""

from __future__ import annotations

import asyncio

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
