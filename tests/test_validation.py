import math

import polars as pl
import pytest

from shopsense.data import DataError, Dataset, Interaction
from shopsense.data.validation import (
    Origin,
    check_interaction,
    conform_table,
    parse_record,
    record_error,
    validate_dataset,
    validate_tables,
)


def assert_names(error: DataError, source: str, record: int | str, field: str) -> None:
    """The error names the file, the record (line or row) and the field, in its message too."""
    assert (error.source, error.record, error.field) == (source, record, field)
    label = f"line {record}" if isinstance(record, int) else f"record {record}"
    message = str(error)
    assert f"file {source}" in message and label in message and f"field '{field}'" in message


def items(**columns: list) -> pl.DataFrame:
    return conform_table(pl.DataFrame(columns), "items")


def _with_one_change(dataset: Dataset, table: str, row: int, column: str, value) -> Dataset:
    """`dataset` with one cell of `table` replaced (row 0-based)."""
    frames = {name: getattr(dataset, name) for name in ("items", "interactions")}
    frame = frames[table]
    cells = frame[column].to_list()
    cells[row] = value
    frames[table] = frame.with_columns(pl.Series(column, cells, dtype=frame[column].dtype))
    return Dataset(**frames, name=dataset.name)


def test_a_valid_dataset_passes(tiny_dataset: Dataset) -> None:
    assert validate_dataset(tiny_dataset) is None
    # A copy with one cell changed to another valid value passes too, so each failure below
    # comes from its one bad cell.
    renamed = _with_one_change(tiny_dataset, "interactions", 4, "item_id", "b")
    assert validate_dataset(renamed) is None


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "message"),
    [
        ("interactions", 4, "item_id", "zz", "unknown item id 'zz'"),
        ("interactions", 4, "user_id", " ", "missing user id"),
        ("interactions", 4, "value", math.nan, "value must be a finite number"),
        ("items", 5, "item_id", "a", "duplicate item id 'a'"),
    ],
)
def test_one_bad_cell_in_the_valid_dataset_fails_naming_it(
    tiny_dataset: Dataset, table: str, row: int, column: str, value, message: str
) -> None:
    broken = _with_one_change(tiny_dataset, table, row, column, value)
    with pytest.raises(DataError) as caught:
        validate_dataset(broken, source="shop")
    assert_names(caught.value, f"shop [{table}]", f"row {row + 1}", column)
    assert message in str(caught.value)


def test_duplicate_item_id_names_the_later_row_and_the_first() -> None:
    ds = Dataset(items=pl.DataFrame({"item_id": ["a", "b", "a"]}), name="shop")
    with pytest.raises(DataError) as caught:
        validate_dataset(ds, source="catalogue.csv")
    assert_names(caught.value, "catalogue.csv [items]", "row 3", "item_id")
    assert "duplicate item id 'a' (first at row 1)" in str(caught.value)


def test_line_origin_numbers_records_by_line() -> None:
    frames = {"items": items(item_id=["a", "b", "a", "b"])}
    with pytest.raises(DataError) as caught:
        validate_tables(frames, origins={"items": Origin.lines("items.csv", 2)})
    assert_names(caught.value, "items.csv", 4, "item_id")
    assert "first at line 2" in str(caught.value) and "1 more row with this problem" in str(
        caught.value
    )


@pytest.mark.parametrize("bad", [None, "", "   "])
def test_missing_or_blank_item_id(bad: str | None) -> None:
    with pytest.raises(DataError) as caught:
        validate_tables(
            {"items": items(item_id=["a", bad])}, origins={"items": Origin("items.jsonl")}
        )
    assert_names(caught.value, "items.jsonl", "row 2", "item_id")
    assert "missing item id" in str(caught.value)


def test_duplicate_user_id() -> None:
    users = conform_table(pl.DataFrame({"user_id": ["u1", "u2", "u2"]}), "users")
    with pytest.raises(DataError) as caught:
        validate_tables({"users": users}, origins={"users": Origin.lines("users.csv", 2)})
    assert_names(caught.value, "users.csv", 4, "user_id")
    assert "duplicate user id 'u2'" in str(caught.value)


def test_interaction_with_unknown_item() -> None:
    ds = Dataset(
        items=pl.DataFrame({"item_id": ["a"]}),
        interactions=pl.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "zz"]}),
    )
    with pytest.raises(DataError) as caught:
        validate_dataset(ds, source="shop")
    assert_names(caught.value, "shop [interactions]", "row 2", "item_id")
    assert "unknown item id 'zz'" in str(caught.value)


def test_review_with_unknown_item_and_stored_items_count_as_known() -> None:
    reviews = conform_table(
        pl.DataFrame({"user_id": ["u", "v"], "item_id": ["old", "new?"], "rating": [5, 4]}),
        "reviews",
    )
    origins = {"reviews": Origin.lines("reviews.csv", 2)}
    with pytest.raises(DataError) as caught:
        validate_tables({"reviews": reviews}, origins=origins, known_item_ids=pl.Series(["old"]))
    assert_names(caught.value, "reviews.csv", 3, "item_id")


def test_query_click_on_unknown_item() -> None:
    queries = conform_table(
        pl.DataFrame({"text": ["red shoes", "boots"], "clicked": [["a"], ["a", "ghost"]]}),
        "queries",
    )
    with pytest.raises(DataError) as caught:
        validate_tables(
            {"items": items(item_id=["a"]), "queries": queries},
            origins={"queries": Origin.lines("queries.jsonl", 1)},
        )
    assert_names(caught.value, "queries.jsonl", 2, "clicked")
    assert "'ghost'" in str(caught.value)


def test_unknown_interaction_kind() -> None:
    interactions = conform_table(
        pl.DataFrame({"user_id": ["u"], "item_id": ["a"], "kind": ["wishlist"]}), "interactions"
    )
    with pytest.raises(DataError) as caught:
        validate_tables(
            {"interactions": interactions}, origins={"interactions": Origin.lines("ev.csv", 2)}
        )
    assert_names(caught.value, "ev.csv", 2, "kind")
    assert "'wishlist'" in str(caught.value) and "purchase" in str(caught.value)


@pytest.mark.parametrize("price", [math.inf, math.nan, -1.0])
def test_non_finite_or_negative_price(price: float) -> None:
    frames = {"items": items(item_id=["a", "b"], price=[1.0, price])}
    with pytest.raises(DataError) as caught:
        validate_tables(frames, origins={"items": Origin.lines("items.csv", 2)})
    assert_names(caught.value, "items.csv", 3, "price")


@pytest.mark.parametrize("rating", [5.5, -1.0, math.nan, None])
def test_review_rating_outside_0_to_5(rating: float | None) -> None:
    reviews = conform_table(
        pl.DataFrame({"user_id": ["u"], "item_id": ["a"], "rating": [rating]}), "reviews"
    )
    with pytest.raises(DataError) as caught:
        validate_tables({"reviews": reviews}, origins={"reviews": Origin.lines("r.csv", 2)})
    assert_names(caught.value, "r.csv", 2, "rating")


def test_rating_interaction_value_outside_0_to_5() -> None:
    interactions = conform_table(
        pl.DataFrame({"user_id": ["u"], "item_id": ["a"], "kind": ["rating"], "value": [7.0]}),
        "interactions",
    )
    with pytest.raises(DataError) as caught:
        validate_tables({"interactions": interactions}, origins={"interactions": Origin("x")})
    assert_names(caught.value, "x", "row 1", "value")


def test_attributes_must_be_a_json_object() -> None:
    frames = {"items": items(item_id=["a", "b"], attributes=['{"colour": "red"}', "[1, 2]"])}
    with pytest.raises(DataError) as caught:
        validate_tables(frames, origins={"items": Origin.lines("items.csv", 2)})
    assert_names(caught.value, "items.csv", 3, "attributes")


def test_wrong_type_names_the_column_and_line() -> None:
    frame = pl.DataFrame({"item_id": ["a", "b", "c"], "price": ["1.5", "2", "abc"]})
    with pytest.raises(DataError) as caught:
        conform_table(frame, "items", Origin.lines("items.csv", 2))
    assert_names(caught.value, "items.csv", 4, "price")
    assert "cannot read 'abc' as a number" in str(caught.value)


def test_incompatible_column_type_names_the_column() -> None:
    frame = pl.DataFrame({"item_id": ["a"], "price": [[1.0]]})
    with pytest.raises(DataError) as caught:
        conform_table(frame, "items", Origin("items.parquet"))
    assert caught.value.field == "price" and "items.parquet" in str(caught.value)


def test_pydantic_error_becomes_data_error_naming_the_field() -> None:
    with pytest.raises(DataError) as caught:
        parse_record(
            Interaction,
            {"user_id": "u", "item_id": "a", "kind": "wishlist"},
            source="api",
            record="event 3",
        )
    assert_names(caught.value, "api", "event 3", "kind")
    parsed = parse_record(Interaction, {"user_id": "u", "item_id": "a", "kind": "view"})
    assert parsed.kind == "view"


def test_record_error_counts_further_problems() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Interaction.model_validate({"user_id": "", "item_id": ""})
    error = record_error(caught.value, source="feed.jsonl", record=7)
    assert_names(error, "feed.jsonl", 7, "user_id")
    assert "1 more problems" in str(error)


def test_check_interaction_rejects_non_finite_value() -> None:
    with pytest.raises(DataError) as caught:
        check_interaction(
            Interaction(user_id="u", item_id="a", value=math.inf), source="events", record="e1"
        )
    assert_names(caught.value, "events", "e1", "value")
