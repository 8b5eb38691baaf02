"""The PostgreSQL store keeps the embedded store's contract, and several processes share it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_store import shop  # noqa: F401 - the shared five-table fixture

from shopsense.data import DataError, Dataset, Interaction, StorageError, schema
from shopsense.data.postgres import redact_url
from shopsense.data.postgres_store import PostgresStore
from shopsense.data.shop_store import open_store
from shopsense.data.store import Store


def test_round_trip_matches_the_embedded_store(
    postgres_url: str,
    tmp_path: Path,
    shop: Dataset,  # noqa: F811
) -> None:
    update = {"items": pl.DataFrame({"item_id": ["d", "b"], "price": [5.0, 59.0]})}
    loaded = []
    for location in (postgres_url, tmp_path / "s.duckdb"):
        store = open_store(location)
        try:
            assert store.ingest(shop)["interactions"] == 4
            store.ingest(update)
            store.ingest({"users": pl.DataFrame({"user_id": ["u1"], "attributes": ["{}"]})})
            loaded.append(store.load())
        finally:
            store.close()
    postgres, duck = loaded
    assert isinstance(open_store(postgres_url), PostgresStore)
    for table in schema.TABLES:
        assert_frame_equal(getattr(postgres, table), getattr(duck, table))
    boots = postgres.items.row(0, named=True)
    assert postgres.items["item_id"].to_list() == ["b", "a", "c", "d"]
    assert boots["price"] == 59.0 and boots["title"] == "Boots"
    assert boots["categories"] == ["shoes", "boots"]
    assert postgres.users["attributes"].to_list() == ['{"tier": "gold"}', "{}"]


def test_bad_input_writes_nothing_and_names_the_record(
    postgres_url: str,
    shop: Dataset,  # noqa: F811
) -> None:
    with PostgresStore(postgres_url) as store:
        store.ingest(shop)
        before = store.counts()
        bad = {"interactions": pl.DataFrame({"user_id": ["u9", "u9"], "item_id": ["a", "nope"]})}
        with pytest.raises(DataError) as caught:
            store.ingest(bad, source="feed-42")
        assert (caught.value.record, caught.value.field) == ("row 2", "item_id")
        good = Interaction(user_id="u9", item_id="a")
        with pytest.raises(DataError) as caught:
            store.append_events([good, Interaction(user_id="u9", item_id="nope")])
        assert caught.value.record == "event 2"
        assert store.counts() == before


def test_events_are_numbered_in_commit_order_and_seen_by_every_process(
    postgres_url: str,
    shop: Dataset,  # noqa: F811
) -> None:
    with PostgresStore(postgres_url) as first, PostgresStore(postgres_url) as second:
        first.ingest(shop)
        results: list[list[int]] = []

        def append(store: PostgresStore, user: str) -> None:
            for _ in range(20):
                results.append(store.append_events([Interaction(user_id=user, item_id="a")] * 2))

        workers = [
            threading.Thread(target=append, args=(s, u)) for s, u in ((first, "x"), (second, "y"))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        ids = sorted(event for batch in results for event in batch)
        assert ids == list(range(4, 84))  # no gaps, no repeats across two connections
        events = second.table("interactions")
        assert events.height == 84 and events.filter(pl.col("user_id") == "x").height == 40
        stamped = events["timestamp"].to_list()[4:]
        assert all(moment is not None for moment in stamped)


def test_seeding_from_two_processes_at_once_writes_the_bundle_once(
    postgres_url: str,
    shop: Dataset,  # noqa: F811
) -> None:
    stores = [PostgresStore(postgres_url) for _ in range(3)]
    try:
        workers = [
            threading.Thread(target=store.seed, args=(shop,), kwargs={"source": "bundle v1"})
            for store in stores
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert stores[0].counts() == {
            "items": 3,
            "users": 2,
            "interactions": 4,
            "reviews": 2,
            "queries": 2,
        }
    finally:
        for store in stores:
            store.close()


def test_erasure_removes_the_shopper_everywhere(
    postgres_url: str,
    shop: Dataset,  # noqa: F811
) -> None:
    with PostgresStore(postgres_url) as store:
        store.ingest(shop)
        when = datetime(2024, 2, 1, tzinfo=UTC)
        store.append_events([Interaction(user_id="u1", item_id="c", timestamp=when)])
        deleted = store.delete_user("u1")
        assert deleted == {"interactions": 3, "reviews": 1, "queries": 1, "users": 1}
        store.compact()
        data = store.load()
        assert "u1" not in data.interactions["user_id"].to_list()
        assert "u1" not in data.users["user_id"].to_list()
        assert "u1" not in data.reviews["user_id"].to_list()


def test_an_unreachable_database_is_a_storage_error_without_the_password() -> None:
    url = "postgresql://shop:s3cret@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(StorageError) as caught:
        PostgresStore(url)
    assert "s3cret" not in str(caught.value)
    assert redact_url(url) == "postgresql://shop@127.0.0.1:1/none?connect_timeout=2"


def test_a_duckdb_path_still_opens_the_embedded_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "shop.duckdb")
    assert isinstance(store, Store)
    store.close()
