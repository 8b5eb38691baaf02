"""A Chinese shop end to end: loaded from files, searched (lexical, dense and across
languages), understood, and reasoned about in Chinese."""

from __future__ import annotations

import polars as pl
import pytest

from shopsense.data.loaders import load
from shopsense.search import Searcher
from shopsense.text.encoder import MULTILINGUAL_MODEL

SIX = {
    "earphones": "无线蓝牙耳机",
    "wired": "有线耳机",
    "shoes": "男士运动跑鞋",
    "handbag": "女士真皮手提包",
    "cup": "儿童保温杯",
    "speaker": "蓝牙音箱",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """`Searcher.build(load(folder))` over the six products, as a new user would call it."""
    folder = tmp_path_factory.mktemp("six")
    pl.DataFrame(
        {
            "item_id": list(SIX),
            "title": list(SIX.values()),
            "price": [299.0, 59.0, 399.0, 899.0, 89.0, 199.0],
        }
    ).write_csv(folder / "items.csv")
    return Searcher.build(load(folder))


def _top(searcher: Searcher, query: str) -> str:
    return searcher.search(query, k=3).hits[0].item_id


def test_a_chinese_catalogue_gets_the_multilingual_encoder(searcher: Searcher) -> None:
    assert searcher.index.encoder.config.model_name == MULTILINGUAL_MODEL


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("跑鞋", "shoes"),
        ("蓝牙耳机", "earphones"),
        ("無線藍牙耳機", "earphones"),  # traditional characters
        ("保温杯", "cup"),
        ("bluetooth headphones", "earphones"),  # across languages, through the encoder
        ("running shoes", "shoes"),
        ("leather handbag", "handbag"),
    ],
)
def test_the_six_product_shop_finds_what_was_asked_for(
    searcher: Searcher, query: str, expected: str
) -> None:
    assert _top(searcher, query) == expected


def test_results_carry_the_chinese_query_as_understood(searcher: Searcher) -> None:
    results = searcher.search("蓝牙耳机 100元以下", k=6)
    parsed = results.query
    assert parsed.language == "zh" and parsed.max_price == 100.0
    assert "100元以下" not in parsed.search_text
    assert all(hit.item_id in {"wired", "cup"} for hit in results.hits)  # the price filter
    assert results.hits[0].signals.reason("zh").startswith("与您搜索")
