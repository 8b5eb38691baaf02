"""Chinese text for matching: normalisation, segmentation with a catalogue's own words, index
terms, character n-grams, numerals, and the English analysis left exactly as it was."""

from __future__ import annotations

import copy
import pickle

import polars as pl
import pytest

from shopsense.data import Dataset
from shopsense.search.analysis import Analyzer, analyze, char_grams, terms, words
from shopsense.search.chinese_query import chinese_number
from shopsense.text import Encoder, EncoderConfig, InterestProfiler
from shopsense.text.chinese import ChineseSegmenter, fold_width, han_words, normalize


# ---- normalisation --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("全角ＡＢＣ１２３", "全角abc123"),
        ("無線藍牙耳機", "无线蓝牙耳机"),
        ("ＮＩＫＥ運動鞋　４２碼", "nike运动鞋 42码"),
        ("￥９９", "¥99"),
        ("iPhone 15 手机壳", "iphone 15 手机壳"),
    ],
)
def test_normalize_folds_width_script_and_case(text: str, normal: str) -> None:
    assert normalize(text) == normal


def test_fold_width_touches_only_full_width_forms() -> None:
    assert fold_width("ＡＢＣ　１２３！") == "ABC 123!"
    assert fold_width("½ inch™ café") == "½ inch™ café"  # what NFKC would rewrite stays


# ---- segmentation ---------------------------------------------------------------------------
def test_a_catalogue_brand_stays_whole() -> None:
    assert "优品汇" not in ChineseSegmenter().cut("优品汇蓝牙耳机")
    segmenter = ChineseSegmenter(["优品汇"])
    assert segmenter.cut("优品汇蓝牙耳机") == ["优品汇", "蓝牙", "耳机"]
    assert ChineseSegmenter(["索尼"]).cut("索尼降噪耳机")[0] == "索尼"


def test_words_added_after_first_use_count_and_the_segmenter_copies() -> None:
    segmenter = ChineseSegmenter()
    assert "优品汇" not in segmenter.cut("优品汇耳机")
    assert segmenter.add_words(["优品汇", "优品汇"]) == ["优品汇"]
    assert segmenter.cut("优品汇耳机") == ["优品汇", "耳机"]
    for twin in (copy.deepcopy(segmenter), pickle.loads(pickle.dumps(segmenter))):
        assert twin.words == ["优品汇"] and twin.cut("优品汇耳机") == ["优品汇", "耳机"]


def test_catalogue_words_are_the_normalised_han_runs_of_names() -> None:
    names = ["優品匯", "Sony 索尼", "Nike", "包", "颜色: 天空蓝"]
    assert han_words(names) == ["优品汇", "索尼", "颜色", "天空蓝"]


# ---- analysis -------------------------------------------------------------------------------
def test_chinese_words_expand_to_inner_words_and_characters() -> None:
    assert words("男士运动跑鞋") == ["男士", "运动", "跑鞋"]
    assert terms(["运动鞋"]) == ["运动", "运动鞋", "运", "动", "鞋"]
    assert "鞋" in analyze("男士运动跑鞋") and "跑鞋" in analyze("男士运动跑鞋")


def test_chinese_stop_words_leave_the_terms_but_not_the_words() -> None:
    tokens = words("我想要一双便宜的跑鞋")
    assert "的" in tokens and "我" in tokens
    assert not {"的", "我", "想要", "一双"} & set(terms(tokens))


def test_mixed_text_reads_latin_runs_as_english() -> None:
    assert words("Apple iPhone 15 Pro 手机壳 12 inches") == [
        "apple",
        "iphone",
        "15",
        "pro",
        "手机",
        "壳",
        "12",
        "inch",
    ]
    assert analyze("Running 跑鞋")[:1] == ["run"]


def test_traditional_and_full_width_text_gives_the_simplified_terms() -> None:
    assert analyze("無線藍牙耳機") == analyze("无线蓝牙耳机")
    assert words("１００元") == ["100", "元"]


def test_the_analyzer_keeps_catalogue_names_whole() -> None:
    analyzer = Analyzer()
    analyzer.add_names(["優品匯", "Sony"])
    assert analyzer.dictionary == ["优品汇"]
    assert analyzer.words("優品匯藍牙耳機") == ["优品汇", "蓝牙", "耳机"]
    assert Analyzer(analyzer.dictionary).words("优品汇耳机") == ["优品汇", "耳机"]


@pytest.mark.parametrize(
    ("text", "tokens", "stems"),
    [
        (
            "Husky 12 in. 2x4 Stainless Steel Shelves (3/4 in.)",
            ["husky", "12", "inch", "2", "x", "4", "stainless", "steel", "shelves", "3/4", "inch"],
            ["huski", "12", "inch", "2", "x", "4", "stainless", "steel", "shelv", "3/4", "inch"],
        ),
        (
            "½ HP motor™ for the pool",
            ["½", "hp", "motor", "for", "the", "pool"],
            ["½", "hp", "motor", "pool"],
        ),
    ],
)
def test_english_analysis_is_unchanged(text: str, tokens: list[str], stems: list[str]) -> None:
    # As before Chinese analysis (read from the previous release): no NFKC on English text.
    assert words(text) == tokens
    assert analyze(text) == stems


def test_character_grams_are_trigrams_and_han_bigrams() -> None:
    assert char_grams("ab") == {" ab", "ab "}
    assert char_grams("跑鞋") == {"跑鞋"}
    # Two cuts of one Han text give the same grams.
    assert char_grams("男士 运动 跑鞋") == char_grams("男士运动 跑鞋") == char_grams("男士运动跑鞋")
    assert char_grams("运动跑鞋") == {"运动", "动跑", "跑鞋"}
    assert char_grams("包") == {"包"}
    assert {" 15", "15 "} <= char_grams("手机 15")


# ---- numerals -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("99", 99),
        ("12.5", 12.5),
        ("1.5万", 15_000),
        ("3千", 3000),
        ("五", 5),
        ("十", 10),
        ("十五", 15),
        ("二十五", 25),
        ("九十九", 99),
        ("三百", 300),
        ("一百零五", 105),
        ("三百五", 350),
        ("两千", 2000),
        ("两千五", 2500),
        ("一千二百五十", 1250),
        ("一万", 10_000),
        ("一万二", 12_000),
        ("两万五千", 25_000),
    ],
)
def test_chinese_numbers(text: str, value: float) -> None:
    assert chinese_number(text) == value


# ---- interest profiles ----------------------------------------------------------------------
def test_profile_terms_of_chinese_text_are_words(encoder_config: EncoderConfig) -> None:
    items = pl.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "title": ["无线蓝牙耳机", "男士运动跑鞋", "儿童保温杯"],
            "brand": ["优品汇", "疾风", "暖暖"],
            "categories": [["耳机"], ["跑鞋"], ["水杯"]],
        }
    )
    profiler = InterestProfiler(Dataset(items=items, name="zh"), Encoder(encoder_config))
    names = {term.name for term in profiler.profile_from_text("我想买优品汇的蓝牙耳机").terms}
    assert {"优品汇", "蓝牙", "耳机"} <= names
    assert not names & {"的", "我"}
