import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shopsense.data import DataError
from shopsense.data.loaders import load
from shopsense.data.loaders.tabular import ColumnMapping, load_tabular
from shopsense.data.store import Store


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def assert_names(error: DataError, path: Path, line: int | None, field: str | None) -> None:
    """The error names the file, the line and the field, in its message too."""
    assert (error.source, error.record, error.field) == (str(path), line, field)
    message = str(error)
    assert f"file {path}" in message
    if line is not None:
        assert f"line {line}" in message
    if field is not None:
        assert f"field '{field}'" in message


def test_csv_with_mapping_keeps_ids_and_reads_epochs(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        "customer,sku,ts,event\n"
        "c1,007,1700000000,View\n"
        "c1,008,1700000060,transaction\n"
        "c2,007,1700000120,addtocart\n",
    )
    mapping = ColumnMapping(
        user_id="customer",
        item_id="sku",
        timestamp="ts",
        kind="event",
        kinds={"transaction": "purchase", "addtocart": "cart"},
    )
    ds = load_tabular(path, mapping)
    assert ds.items["item_id"].to_list() == ["007", "008"]  # from the events, first seen first
    assert ds.interactions["kind"].to_list() == ["view", "purchase", "cart"]
    assert ds.interactions["timestamp"][0] == datetime.fromtimestamp(1_700_000_000, UTC)
    assert ds.name == "events" and ds.n_users == 2


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1700000000123", datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)),
        ("2023-11-14T22:13:20Z", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2023-11-14T23:13:20+01:00", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("2023-11-14", datetime(2023, 11, 14, tzinfo=UTC)),
    ],
)
def test_timestamp_forms(tmp_path: Path, cell: str, expected: datetime) -> None:
    path = write(tmp_path / "e.csv", f"user_id,item_id,timestamp\nu,a,{cell}\n")
    assert load_tabular(path).interactions["timestamp"][0] == expected


def test_tab_separated_file_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path / "e.tsv", "user_id\titem_id\tsession\nu\ta\t1\nu\tb\t1\n")
    assert load_tabular(path).interactions["item_id"].to_list() == ["a", "b"]


def test_folder_of_tables_in_mixed_formats(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    write(
        folder / "items.csv",
        "item_id,title,price,categories,colour\n"
        "a,Apron,12.5,kitchen|textiles,red\n"
        'b,Boots,80,"[""shoes"", ""boots""]",\n',
    )
    lines = [
        {"user_id": "u1", "item_id": "a", "kind": "view", "timestamp": "2024-01-01T10:00:00Z"},
        {"user_id": "u1", "item_id": "b", "kind": "purchase", "timestamp": "2024-01-02T10:00:00Z"},
    ]
    (folder / "interactions.jsonl.gz").write_bytes(
        gzip.compress("\n".join(json.dumps(line) for line in lines).encode())
    )
    pl.DataFrame(
        {"user_id": ["u1"], "item_id": ["b"], "rating": [4], "text": ["warm"]}
    ).write_parquet(folder / "reviews.parquet")
    write(folder / "queries.jsonl", '{"user_id": "u1", "text": "red apron", "clicked": ["a"]}\n')
    write(folder / "users.csv", "user_id,tier\nu1,gold\n")
    ds = load_tabular(folder, ColumnMapping(attribute_columns=["colour", "tier"]))
    assert ds.items["categories"].to_list() == [["kitchen", "textiles"], ["shoes", "boots"]]
    assert ds.items["attributes"].to_list() == ['{"colour": "red"}', "{}"]
    assert ds.users["attributes"].to_list() == ['{"tier": "gold"}']
    assert ds.items["price"].to_list() == [12.5, 80.0]
    assert ds.interactions.height == 2 and ds.reviews["rating"].to_list() == [4.0]
    assert ds.queries["clicked"].to_list() == [["a"]]
    with Store(tmp_path / "shop.duckdb") as store:
        store.ingest(ds)
        assert store.load().fingerprint == ds.fingerprint


def test_jsonl_nested_attributes_become_json_text(tmp_path: Path) -> None:
    path = write(
        tmp_path / "items.jsonl",
        '{"item_id": 1, "attributes": {"colour": "red", "size": 42}, "categories": ["a"]}\n'
        '{"item_id": 2}\n',
    )
    ds = load_tabular(path, table="items")
    assert ds.items["item_id"].to_list() == ["1", "2"]
    assert json.loads(ds.items["attributes"][0]) == {"colour": "red", "size": "42"}


def test_generic_load_dispatches_to_tabular(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "customer,sku\nc1,a\n")
    ds = load(path, format="tabular", mapping=ColumnMapping(user_id="customer", item_id="sku"))
    assert ds.interactions["user_id"].to_list() == ["c1"]


# ---- bad input: every error names the file, the line and the field --------------------------
def test_malformed_json_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        '{"user_id": "u", "item_id": "a"}\n\n{"user_id": "u", "item_id": \n',
    )
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, None)
    assert "malformed JSON" in str(caught.value)


def test_json_lines_count_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        '{"user_id": "u", "item_id": "a"}\n\n{"user_id": "", "item_id": "b"}\n',
    )
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, "user_id")


def test_missing_id_column(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "user_id,sku\nu,a\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 1, "item_id")
    assert "missing column 'item_id'" in str(caught.value) and "user_id, sku" in str(caught.value)


def test_mapped_column_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "customer,sku\nu,a\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path, ColumnMapping(user_id="customer", item_id="sku", timestamp="ts"))
    assert_names(caught.value, path, 1, "timestamp")
    assert "'ts' (mapped to timestamp)" in str(caught.value)


def test_empty_id(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "user_id,item_id\nu,a\nu,\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, "item_id")


def test_unknown_item_when_items_file_given(tmp_path: Path) -> None:
    write(tmp_path / "shop" / "items.csv", "item_id\na\nb\n")
    events = write(tmp_path / "shop" / "interactions.csv", "user_id,item_id\nu,a\nu,b\nv,zz\n")
    with pytest.raises(DataError) as caught:
        load_tabular(tmp_path / "shop")
    assert_names(caught.value, events, 4, "item_id")
    assert "unknown item id 'zz'" in str(caught.value)


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path / "items.csv", "item_id,price\na,3.5\nb,abc\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path, table="items")
    assert_names(caught.value, path, 3, "price")
    assert "'abc'" in str(caught.value)


def test_duplicate_item_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "items.csv", "item_id,title\na,A\nb,B\na,A again\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path, table="items")
    assert_names(caught.value, path, 4, "item_id")
    assert "duplicate item id 'a' (first at line 2)" in str(caught.value)


def test_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "user_id,item_id,kind\nu,a,view\nu,b,wishlist\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, "kind")


def test_bad_timestamp(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "user_id,item_id,timestamp\nu,a,2024-01-01\nu,b,yesterday\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, "timestamp")


@pytest.mark.parametrize(("text", "problem"), [("", "empty"), ("user_id,item_id\n", "no rows")])
def test_empty_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / "e.csv", text)
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, None, None)
    assert problem in str(caught.value)


def test_ragged_csv_line(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "user_id,item_id\nu,a\nu,b,extra\n")
    with pytest.raises(DataError) as caught:
        load_tabular(path)
    assert_names(caught.value, path, 3, None)
    assert "3 fields where the header has 2" in str(caught.value)


def test_folder_without_table_files(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt", "hello")
    with pytest.raises(DataError, match="no table files found"):
        load_tabular(tmp_path)


# ---- real data ---------------------------------------------------------------------------------
def test_retailrocket_sample(shared_data: Path) -> None:
    ds = load_tabular(shared_data / "retailrocket-sample" / "sample_retailrocket.csv")
    assert ds.interactions.height == 10_080 and ds.n_users == 2_496 and ds.n_items == 5_566
    assert ds.interactions["timestamp"].min() >= datetime(2015, 5, 3, tzinfo=UTC)


def test_amazon_gift_card_reviews(shared_data: Path) -> None:
    mapping = ColumnMapping(
        user_id="reviewerID",
        item_id="asin",
        rating="overall",
        text="reviewText",
        timestamp="unixReviewTime",
    )
    path = shared_data / "amazon-giftcards-2018-5core-raw" / "Gift_Cards_5.json.gz"
    ds = load_tabular(path, mapping, table="reviews")
    assert ds.reviews.height == 2_972 and ds.n_items == 148
    assert ds.reviews["rating"].is_between(1, 5).all()


def test_malformed_json_list_cell(tmp_path: Path) -> None:
    path = write(tmp_path / "items.csv", 'item_id,categories\na,x|y\nb,"[""shoes"", "\n')
    with pytest.raises(DataError) as caught:
        load_tabular(path, table="items")
    assert_names(caught.value, path, 3, "categories")


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes("\ufeffuser_id,item_id\nu,a\n".encode())
    assert load_tabular(path).interactions["user_id"].to_list() == ["u"]
