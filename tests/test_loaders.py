"""Loaders: real files in ../shared/data for the published statistics, tiny files for edge cases
and malformed input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopsense.data import DataError, Dataset
from shopsense.data.loaders import FORMATS, detect_format, load
from shopsense.data.loaders._amazon import parse_price

BEAUTY = "amazon-beauty-2014-5core"
OFFICE = "amazon-office-2014-5core-lcrec"
GIFT_CARDS = "amazon-giftcards-2018-5core-raw"
SPORTS = "amazon-sports-toys-2014-5core-s3rec/sports"
MOVIELENS = "movielens-100k"
RECBOLE = "movielens-100k/recbole-atomic"


def counts(ds: Dataset) -> tuple[int, int, int]:
    return ds.n_users, ds.n_items, ds.interactions.height


def attributes(ds: Dataset, item_id: str) -> dict[str, str]:
    return json.loads(ds.items.filter(pl.col("item_id") == item_id)["attributes"][0])


def write_lines(path: Path, lines: list[str]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


# ---- real data: published statistics ---------------------------------------------------------
@pytest.mark.parametrize(
    ("folder", "fmt", "expected"),
    [
        (BEAUTY, "s3rec", (22_363, 12_101, 198_502)),
        (SPORTS, "s3rec", (35_598, 18_357, 296_337)),
        (OFFICE, "lcrec", (4_905, 2_420, 53_258)),
        (GIFT_CARDS, "amazon-reviews", (458, 148, 2_972)),
        (MOVIELENS, "movielens", (943, 1_682, 100_000)),
        (RECBOLE, "recbole", (943, 1_682, 100_000)),
    ],
)
def test_real_datasets_match_published_statistics(
    shared_data: Path, folder: str, fmt: str, expected: tuple[int, int, int]
) -> None:
    path = shared_data / folder
    assert detect_format(path) == fmt
    ds = load(path)
    assert counts(ds) == expected
    assert ds.source == str(path)


def test_beauty_sequences_and_titles(shared_data: Path) -> None:
    ds = load(shared_data / BEAUTY)
    assert ds.name == BEAUTY
    # CRLF file: ids carry no "\r"; the first line is "1 1 2 3 4 5".
    assert ds.item_ids[:3].tolist() == ["1", "2", "3"]
    assert ds.item_ids[ds.sequences[0]].tolist() == ["1", "2", "3", "4", "5"]
    first = ds.items.row(0, named=True)
    assert first["title"] == "OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce"
    assert attributes(ds, "1") == {"asin": "B004756YJA", "s3rec_attributes": "173 1 162 171"}
    assert json.loads(ds.users["attributes"][0]) == {"reviewer_id": "A1YJEY40YUW4SE"}
    assert (ds.items["title"] != "").sum() == 12_094


def test_sports_items_without_text_get_id_only_rows(shared_data: Path) -> None:
    ds = load(shared_data / SPORTS)
    assert ds.name == "sports-and-outdoors"
    assert (ds.items["title"] == "").all()
    assert attributes(ds, "2")["asin"] == "B0048KGFHU"
    assert attributes(ds, "2")["s3rec_attributes"]


def test_office_item_text(shared_data: Path) -> None:
    ds = load(shared_data / OFFICE)
    phone = ds.items.filter(pl.col("item_id") == "2").row(0, named=True)
    assert phone["title"].startswith("AT&T 210 Corded Phone")
    assert phone["brand"] == "AT&T"
    assert phone["categories"] == [
        "Office Electronics",
        "Telephones & Accessories",
        "Corded Telephones",
    ]
    assert ds.items["item_id"][:3].to_list() == ["0", "1", "2"]


def test_gift_cards_reviews_ratings_and_metadata(shared_data: Path) -> None:
    ds = load(shared_data / GIFT_CARDS)
    assert ds.reviews.height == 2_972
    assert set(ds.interactions["kind"].unique()) == {"rating"}
    assert ds.interactions["value"].sum() == ds.reviews["rating"].sum()
    assert ds.interactions["timestamp"].is_sorted()
    assert ds.items["price"].is_not_null().sum() == 107  # 72.3 % of the 148 (PROVENANCE.md)
    assert ds.items["brand"].is_not_null().sum() == 119  # 80.4 %
    assert (ds.items["categories"].list.len() > 0).sum() == 146  # 98.6 %
    assert "<" not in "".join(ds.items["description"].to_list())
    assert load(shared_data / GIFT_CARDS, all_metadata_items=True).n_items == 1_547


def test_movielens_genres_dates_and_time_order(shared_data: Path) -> None:
    ds = load(shared_data / MOVIELENS)
    toy_story = ds.items.row(0, named=True)
    assert toy_story["title"] == "Toy Story (1995)"
    assert toy_story["categories"] == ["Animation", "Children's", "Comedy"]
    assert toy_story["created_at"].year == 1995
    assert ds.interactions["timestamp"].is_sorted()
    assert json.loads(ds.users["attributes"][0])["occupation"] == "technician"
    recbole = load(shared_data / RECBOLE)
    assert recbole.items.row(0, named=True)["title"] == "Toy Story"
    assert recbole.items["categories"][0].to_list() == ["Animation", "Children's", "Comedy"]
    np.testing.assert_array_equal(
        ds.user_item_matrix().toarray(), recbole.user_item_matrix().toarray()
    )


# ---- tiny files --------------------------------------------------------------------------------
def test_s3rec_crlf_side_files_and_unknown_items(tmp_path: Path) -> None:
    (tmp_path / "sequential_data.txt").write_bytes(b"1 10 11 12\r\n2 12 13\r\n")
    write_lines(
        tmp_path / "items.jsonl.gz",
        [
            json.dumps(
                {"item_id": 11, "asin": "A11", "title": "Lipstick", "s3rec_attribute_ids": [4]}
            )
        ],
    )
    ds = load(tmp_path)
    assert ds.item_ids.tolist() == ["11", "10", "12", "13"]
    assert ds.item_ids[ds.sequences[0]].tolist() == ["10", "11", "12"]
    assert attributes(ds, "11") == {"asin": "A11", "s3rec_attributes": "4"}
    assert attributes(ds, "13") == {}


def test_lcrec_any_category_name(tmp_path: Path) -> None:
    (tmp_path / "Shoes.inter.json").write_text(json.dumps({"u": [3, 1]}))
    (tmp_path / "Shoes.item.json").write_text(
        json.dumps({"1": {"title": "Boot", "categories": "Shoes, Boots", "brand": ""}})
    )
    ds = load(tmp_path)
    assert ds.item_ids.tolist() == ["1", "3"]
    assert ds.item_ids[ds.sequences[0]].tolist() == ["3", "1"]
    assert ds.items.row(0, named=True)["categories"] == ["Shoes", "Boots"]
    assert ds.items.row(0, named=True)["brand"] is None


def test_amazon_2014_python_literal_metadata(tmp_path: Path) -> None:
    reviews = [
        {"reviewerID": "R1", "asin": "A2", "overall": 4.0, "unixReviewTime": 200, "summary": "Ok"},
        {
            "reviewerID": "R1",
            "asin": "A1",
            "overall": 5.0,
            "unixReviewTime": 100,
            "summary": "Great",
            "reviewText": "Loved <b>it</b>",
        },
    ]
    write_lines(tmp_path / "reviews_Toys_5.json.gz", [json.dumps(r) for r in reviews])
    meta = {
        "asin": "A1",
        "title": "Kite",
        "price": 12.5,
        "brand": "Sky",
        "categories": [["Toys", "Outdoor"], ["Toys", "Kites"]],
        "description": "Flies.",
    }
    write_lines(tmp_path / "meta_Toys.json.gz", [repr(meta)])
    ds = load(tmp_path)
    assert ds.item_ids[ds.sequences[0]].tolist() == ["A1", "A2"]
    assert ds.reviews["text"].to_list() == ["Great\nLoved it", "Ok"]
    kite = ds.items.row(0, named=True)
    assert (kite["title"], kite["price"], kite["brand"]) == ("Kite", 12.5, "Sky")
    assert kite["categories"] == ["Toys", "Outdoor", "Kites"]
    assert ds.items.row(1, named=True)["item_id"] == "A2"  # reviewed, absent from metadata


def test_amazon_2023_parent_asin_schema(tmp_path: Path) -> None:
    review = {
        "rating": 4.0,
        "title": "Nice",
        "text": "Smells good",
        "images": [],
        "asin": "C1",
        "parent_asin": "P1",
        "user_id": "U1",
        "timestamp": 1588687728923,
        "helpful_vote": 0,
        "verified_purchase": True,
    }
    write_lines(tmp_path / "All_Beauty.jsonl", [json.dumps(review)])
    meta = {
        "main_category": "All Beauty",
        "title": "Rose Spray",
        "average_rating": 4.8,
        "rating_number": 10,
        "features": ["Scent: Rose", "Long lasting fragrance"],
        "description": ["A <i>light</i> spray."],
        "price": 9.99,
        "images": [],
        "videos": [],
        "store": "Howard",
        "categories": ["Beauty", "Fragrance"],
        "details": {"Date First Available": "March 5, 2019", "Item Form": "Spray"},
        "parent_asin": "P1",
        "bought_together": None,
    }
    other = {**meta, "parent_asin": "P2", "title": "Unreviewed"}
    write_lines(tmp_path / "meta_All_Beauty.jsonl", [json.dumps(meta), json.dumps(other)])
    assert detect_format(tmp_path) == "amazon2023"
    ds = load(tmp_path)
    assert counts(ds) == (1, 1, 1)
    item = ds.items.row(0, named=True)
    assert (item["item_id"], item["brand"], item["price"]) == ("P1", "Howard", 9.99)
    assert item["description"] == "A light spray. Long lasting fragrance"
    assert item["created_at"].year == 2019
    assert attributes(ds, "P1")["Scent"] == "Rose"
    assert attributes(ds, "P1")["Item Form"] == "Spray"
    assert ds.interactions["timestamp"][0].year == 2020
    assert ds.reviews["text"][0] == "Nice\nSmells good"
    assert load(tmp_path, all_metadata_items=True).n_items == 2


@pytest.mark.parametrize(
    ("raw", "price"),
    [
        ("$25.00", 25.0),
        ("$1,250.00", 1250.0),
        ("$10.99 - $20.00", 10.99),
        (7, 7.0),
        ("", None),
        ("<div>", None),
        (None, None),
    ],
)
def test_parse_price(raw: object, price: float | None) -> None:
    assert parse_price(raw) == price


# ---- detection -------------------------------------------------------------------------------
def test_detection_fallbacks_and_unknown_paths(tmp_path: Path) -> None:
    csv = tmp_path / "events.csv"
    csv.write_text("user_id,item_id\nu,i\n")
    assert detect_format(csv) == "tabular"
    assert detect_format("demo") == "demo"
    (tmp_path / "notes.md").write_text("hello")
    with pytest.raises(DataError, match="cannot tell the data format") as error:
        detect_format(tmp_path)
    assert str(tmp_path) in str(error.value)
    assert all(name in str(error.value) for name in FORMATS)
    with pytest.raises(DataError, match="unknown format 'xml'"):
        load(tmp_path, format="xml")
    with pytest.raises(DataError, match="does not exist"):
        load(tmp_path / "missing")


# ---- malformed input ---------------------------------------------------------------------------
def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    good = json.dumps({"reviewerID": "R", "asin": "A", "overall": 5, "unixReviewTime": 1})
    file = write_lines(tmp_path / "Cards_5.json", [good, good, '{"reviewerID": "R", '])
    with pytest.raises(DataError, match=r"Cards_5\.json, line 3: not valid JSON"):
        load(file, format="amazon-reviews")


def test_missing_id_and_bad_rating_name_the_field(tmp_path: Path) -> None:
    file = tmp_path / "Cards_5.json"
    write_lines(file, [json.dumps({"asin": "A", "overall": 5, "unixReviewTime": 1})])
    with pytest.raises(DataError, match=r"line 1, field 'reviewerID': missing or empty id"):
        load(file, format="amazon-reviews")
    write_lines(
        file, [json.dumps({"reviewerID": "R", "asin": "A", "overall": "five", "unixReviewTime": 1})]
    )
    with pytest.raises(DataError, match=r"line 1, field 'overall': not a number: 'five'"):
        load(file, format="amazon-reviews")


def test_movielens_and_recbole_bad_numbers_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("1\t1\t5\t881250949\n1\t2\tx\t881250950\n")
    (tmp_path / "u.item").write_text("1|A (1995)|01-Jan-1995||url" + "|0" * 19 + "\n")
    with pytest.raises(DataError, match=r"u\.data, line 2, field 'rating': not a number: 'x'"):
        load(tmp_path)
    atomic = tmp_path / "atomic"
    atomic.mkdir()
    (atomic / "shop.inter").write_text("user_id:token\titem_id:token\ttimestamp:float\nu\ti\tnow\n")
    with pytest.raises(DataError, match=r"shop\.inter, line 2, field 'timestamp'"):
        load(atomic)


def test_load_validates_what_a_loader_returns(tmp_path: Path) -> None:
    (tmp_path / "shop.inter").write_text("user_id:token\titem_id:token\nu\ti\n")
    (tmp_path / "shop.item").write_text("item_id:token\ttitle:token_seq\ni\tA\ni\tB\n")
    with pytest.raises(DataError, match="duplicate item id 'i'"):
        load(tmp_path)


def test_demo_shop_loads_by_name() -> None:
    demo = pytest.importorskip("shopsense.data.demo")
    if not hasattr(demo, "generate_demo_shop"):
        pytest.skip("the demo shop is not written yet")
    ds = load("demo", n_items=200, n_users=30)
    assert ds.synthetic and ds.n_items == 200


def test_tabular_files_load_through_the_hook(tmp_path: Path) -> None:
    pytest.importorskip("shopsense.data.loaders.tabular")
    (tmp_path / "interactions.csv").write_text("user_id,item_id\nu1,i1\nu1,i2\n")
    assert detect_format(tmp_path) == "tabular"
    assert counts(load(tmp_path / "interactions.csv")) == (1, 2, 2)


def test_s3rec_duplicate_user_and_bad_items_file(tmp_path: Path) -> None:
    (tmp_path / "sequential_data.txt").write_text("1 10 11\n2 11\n1 12\n")
    with pytest.raises(DataError, match=r"line 3, field 'user_id': user appears on two lines"):
        load(tmp_path)
    (tmp_path / "sequential_data.txt").write_text("1 10 11\n")
    write_lines(tmp_path / "items.jsonl.gz", [json.dumps({"title": "no id"})])
    with pytest.raises(DataError, match=r"items\.jsonl\.gz, line 1, field 'item_id'"):
        load(tmp_path)
