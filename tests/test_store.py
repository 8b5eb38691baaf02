import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from shopsense.data import DataError, Dataset, Interaction, StorageError, schema
from shopsense.data.store import ENV_VAR, Store, default_path


@pytest.fixture
def shop() -> Dataset:
    """All five tables, with lists, JSON attributes, null and non-null timestamps."""
    t = [datetime(2024, 1, day, 12, tzinfo=UTC) for day in range(1, 5)]
    return Dataset(
        items=pl.DataFrame(
            {
                "item_id": ["b", "a", "c"],
                "title": ["Boots", "Apron", "Cap"],
                "brand": ["Acme", None, "Zed"],
                "categories": [["shoes", "boots"], [], ["hats"]],
                "price": [79.5, None, 12.0],
                "attributes": ['{"colour": "brown"}', "{}", '{"size": "M"}'],
                "created_at": [t[0], None, t[1]],
            }
        ),
        users=pl.DataFrame({"user_id": ["u1", "u2"], "attributes": ['{"tier": "gold"}', "{}"]}),
        interactions=pl.DataFrame(
            {
                "user_id": ["u1", "u1", "u2", "u3"],
                "item_id": ["a", "b", "c", "a"],
                "kind": ["view", "purchase", "cart", "rating"],
                "value": [1.0, 2.0, 1.0, 4.5],
                "timestamp": [t[0], t[1], None, t[2]],
            }
        ),
        reviews=pl.DataFrame(
            {
                "user_id": ["u1", "u2"],
                "item_id": ["b", "c"],
                "rating": [5.0, 2.0],
                "text": ["great", "meh"],
                "timestamp": [t[3], None],
            }
        ),
        queries=pl.DataFrame(
            {
                "user_id": ["u1", None],
                "text": ["brown boots", "cap"],
                "clicked": [["b"], []],
                "timestamp": [t[0], t[1]],
            }
        ),
        name="shop",
    )


def assert_same_tables(left: Dataset, right: Dataset) -> None:
    for table in schema.TABLES:
        assert_frame_equal(getattr(left, table), getattr(right, table))
    assert left.fingerprint == right.fingerprint


def test_round_trip_and_reopen(tmp_path: Path, shop: Dataset) -> None:
    path = tmp_path / "shop.duckdb"
    with Store(path) as store:
        written = store.ingest(shop)
        assert written == {"items": 3, "users": 2, "interactions": 4, "reviews": 2, "queries": 2}
        assert_same_tables(store.load(), shop)
    with Store(path, read_only=True) as store:
        loaded = store.load()
    assert_same_tables(loaded, shop)
    assert list(loaded.item_ids) == ["b", "a", "c"]  # catalogue order is the item index


def test_bad_dataset_ingests_nothing(tmp_path: Path, shop: Dataset) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        before = store.counts()
        bad = Dataset(
            items=pl.DataFrame({"item_id": ["new"]}),
            users=pl.DataFrame({"user_id": ["u9"]}),
            interactions=pl.DataFrame({"user_id": ["u9", "u9"], "item_id": ["new", "nope"]}),
        )
        with pytest.raises(DataError) as caught:
            store.ingest(bad, source="feed-42")
        assert (caught.value.source, caught.value.record, caught.value.field) == (
            "feed-42 [interactions]",
            "row 2",
            "item_id",
        )
        assert "file feed-42 [interactions], record row 2, field 'item_id'" in str(caught.value)
        assert store.counts() == before


def test_wrong_type_in_frames_ingests_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        frames = {
            "items": pl.DataFrame({"item_id": ["a", "b"], "price": ["3", "cheap"]}),
            "interactions": pl.DataFrame({"user_id": ["u"], "item_id": ["a"]}),
        }
        with pytest.raises(DataError) as caught:
            store.ingest(frames, source="upload.csv")
        assert (caught.value.record, caught.value.field) == ("row 2", "price")
        assert "upload.csv" in str(caught.value)
        assert sum(store.counts().values()) == 0


def test_frames_may_reference_stored_items(tmp_path: Path, shop: Dataset) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        store.ingest({"interactions": pl.DataFrame({"user_id": ["u5"], "item_id": ["c"]})})
        assert store.counts()["interactions"] == 5


def test_items_upsert_keeps_position_and_stored_values_for_empty_fields(
    tmp_path: Path, shop: Dataset
) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        store.ingest({"items": pl.DataFrame({"item_id": ["d", "b"], "price": [5.0, 59.0]})})
        items = store.load().items
    assert items["item_id"].to_list() == ["b", "a", "c", "d"]
    boots = items.row(0, named=True)
    assert boots["price"] == 59.0 and boots["title"] == "Boots"
    assert (
        boots["categories"] == ["shoes", "boots"] and boots["attributes"] == '{"colour": "brown"}'
    )


def test_interactions_are_appended(tmp_path: Path, shop: Dataset) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        store.ingest(shop)
        counts = store.counts()
    assert counts["items"] == 3 and counts["users"] == 2 and counts["interactions"] == 8


def test_append_events_durable_across_reopen(tmp_path: Path, shop: Dataset) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest(shop)
        ids = store.append_events(
            [Interaction(user_id="u7", item_id="a"), Interaction(user_id="u7", item_id="c")]
        )
    assert ids == [4, 5]
    with Store(path) as store:
        events = store.load().interactions
    assert events["user_id"].to_list()[-2:] == ["u7", "u7"]
    assert events["timestamp"].null_count() == 1  # only the ingested null; events get stamped


def test_crash_keeps_committed_events_and_drops_the_unfinished_ingest(
    tmp_path: Path, shop: Dataset
) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest(shop)
        before = store.counts()
    # The process appends events (committed), then dies half-way through an ingest, without
    # closing the store. The private calls stand in for an ingest killed between its writes.
    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
            import os, polars as pl
            from shopsense.data import Interaction, schema
            from shopsense.data.store import Store
            store = Store({str(path)!r})
            assert store.append_events([Interaction(user_id="u8", item_id="b")]) == [4]
            rows = lambda table, **columns: schema.conform(pl.DataFrame(columns), table).to_arrow()
            store._con.begin()
            store._write("items", rows("items", item_id=["x"]))
            store._write("users", rows("users", user_id=["u8"]))
            os._exit(3)
            """
            ),
        ],
        timeout=60,
    )
    assert crashed.returncode == 3
    with Store(path) as store:
        assert store.counts() == {**before, "interactions": before["interactions"] + 1}
        loaded = store.load()
    assert loaded.interactions["user_id"][-1] == "u8"
    assert_same_tables(loaded.with_interactions(shop.interactions), shop)


def test_append_events_rejects_the_whole_call(tmp_path: Path, shop: Dataset) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        before = store.counts()
        good = Interaction(user_id="u1", item_id="a")
        with pytest.raises(DataError) as caught:
            store.append_events([good, Interaction(user_id="u1", item_id="ghost")])
        assert (caught.value.source, caught.value.record, caught.value.field) == (
            "events",
            "event 2",
            "item_id",
        )
        assert "unknown item id 'ghost'" in str(caught.value)
        with pytest.raises(DataError) as caught:
            store.append_events([good, Interaction(user_id="u1", item_id="a", value=float("nan"))])
        assert (caught.value.source, caught.value.record, caught.value.field) == (
            "events",
            "event 2",
            "value",
        )
        assert store.counts() == before


def test_a_commit_that_fails_answers_its_caller(
    tmp_path: Path, shop: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)

        def broken_write(table: str, rows: object) -> int:
            raise RuntimeError("the write failed half-way")

        monkeypatch.setattr(store, "_write", broken_write)
        with ThreadPoolExecutor(max_workers=1) as pool:
            call = pool.submit(store.append_events, [Interaction(user_id="u1", item_id="a")])
            with pytest.raises(RuntimeError, match="half-way"):
                call.result(timeout=30)  # an answer, not a caller left waiting for ever


def test_append_events_converts_timestamps_to_utc(tmp_path: Path, shop: Dataset) -> None:
    naive = datetime(2024, 6, 1, 8, 30)
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        store.append_events([Interaction(user_id="u1", item_id="a", timestamp=naive)])
        stamp = store.load().interactions["timestamp"][-1]
    assert stamp == naive.replace(tzinfo=UTC)


def test_concurrent_appends_all_land_with_distinct_ids(tmp_path: Path, shop: Dataset) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(shop)
        calls = [[Interaction(user_id=f"t{i}", item_id="a")] * 3 for i in range(24)]
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(store.append_events, calls))
        ids = [event_id for result in results for event_id in result]
        assert len(set(ids)) == 72 and all(len(result) == 3 for result in results)
        events = store.load().interactions
    assert events.height == 4 + 72
    # Each call's events are consecutive, in the call's order.
    assert all(result == list(range(result[0], result[0] + 3)) for result in results)


def test_delete_user_erases_everything_about_them(tmp_path: Path, shop: Dataset) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest(shop)
        deleted = store.delete_user("u1")
        assert deleted == {"interactions": 2, "reviews": 1, "queries": 1, "users": 1}
    with Store(path) as store:
        loaded = store.load()
        assert store.delete_user("nobody") == dict.fromkeys(deleted, 0)
    for table in ("interactions", "reviews", "queries", "users"):
        assert "u1" not in getattr(loaded, table)["user_id"].to_list()
    assert loaded.interactions.height == 2 and loaded.users["user_id"].to_list() == ["u2"]
    assert loaded.items.height == 3


def test_compact_leaves_no_bytes_of_an_erased_user(tmp_path: Path, shop: Dataset) -> None:
    path = tmp_path / "s.duckdb"
    secret = "my-private-review-text-1234"
    reviews = pl.DataFrame({"user_id": ["u1"], "item_id": ["a"], "rating": [1.0], "text": [secret]})
    with Store(path) as store:
        store.ingest(shop)
        store.ingest({"reviews": reviews})
        store.delete_user("u1")
        before = store.load()
        store.compact()
        assert_same_tables(store.load(), before)
        assert store.append_events([Interaction(user_id="u2", item_id="a")]) == [4]
    assert secret.encode() not in path.read_bytes()
    assert not path.with_name("s.duckdb.compact").exists()


def test_compact_refuses_while_another_store_has_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store, Store(path) as other:
        with pytest.raises(DataError, match="close the other stores"):
            store.compact()
        assert other.counts()["items"] == 0


def test_in_memory_store_and_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Store(":memory:") as store:
        assert sum(store.counts().values()) == 0
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env.duckdb"))
    assert default_path() == tmp_path / "env.duckdb"
    monkeypatch.delenv(ENV_VAR)
    assert default_path() == Path("shopsense.duckdb")


def test_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(DataError, match="schema version '0'"):
        Store(path)


class _FailingCommits:
    """A DuckDB connection whose commits fail the way a full disk makes them fail."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def commit(self) -> None:
        raise duckdb.IOException("Could not write file: No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_a_storage_failure_is_a_storage_error_not_bad_data(tmp_path: Path, shop: Dataset) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.ingest(shop)
    real = store._con
    store._con = _FailingCommits(real)  # type: ignore[assignment]
    event = Interaction(user_id="u1", item_id=shop.item_ids[0], kind="view")
    with pytest.raises(StorageError, match="No space left") as failure:
        store.append_events([event])
    assert not isinstance(failure.value, DataError)
    with pytest.raises(StorageError):
        store.probe()
    store._con = real
    store.probe()
    assert store.append_events([event])
    store.close()
