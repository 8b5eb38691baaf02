"""The language of texts and catalogues: detected by script, or set by the shop."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopsense.data import Dataset
from shopsense.data.errors import DataError
from shopsense.data.language import detect_language, dominant_language, language_shares
from shopsense.data.loaders import load


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wireless Bluetooth headphones", "en"),
        ("无线蓝牙耳机", "zh"),
        ("無線藍牙耳機", "zh"),  # traditional characters are Chinese too
        ("iPhone 15 手机壳 红色", "zh"),  # a brand and a model number in a Chinese title
        ("ワイヤレスイヤホン", "ja"),
        ("무선 이어폰", "ko"),
        ("12345 ¥ -", "und"),
        ("", "und"),
    ],
)
def test_detects_the_language_of_a_text(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_shares_of_a_mixed_catalogue() -> None:
    texts = ["男士运动跑鞋", "儿童保温杯", "Trail running shoes", "42", "蓝牙音箱"]
    assert language_shares(texts) == {"zh": 0.75, "en": 0.25}
    assert dominant_language(texts) == "zh"
    assert dominant_language(["123"]) == "en"  # nothing to read: the default


def _items(titles: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"item_id": [str(i) for i in range(len(titles))], "title": titles})


def test_dataset_language_is_detected_unless_set() -> None:
    chinese = Dataset(items=_items(["无线蓝牙耳机", "有线耳机", "Sony 蓝牙音箱"]))
    assert chinese.language == "zh" and chinese.languages == {"zh": 1.0}
    mixed = Dataset(items=_items(["无线蓝牙耳机", "Wired earphones", "Running shoes"]))
    assert mixed.language == "en" and set(mixed.languages) == {"en", "zh"}
    assert Dataset(items=_items(["无线蓝牙耳机"]), language="en").language == "en"


def test_load_sets_the_language_or_names_a_bad_code(tmp_path: Path) -> None:
    _items(["无线蓝牙耳机", "有线耳机"]).write_csv(tmp_path / "items.csv")
    assert load(tmp_path).language == "zh"
    assert load(tmp_path, language="en").language == "en"
    with pytest.raises(DataError, match="language: 'Chinese' is not a language code"):
        load(tmp_path, language="Chinese")
