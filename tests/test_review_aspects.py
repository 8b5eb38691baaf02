"""Aspect terms: mining without labels (English and Chinese), canonical names, spans, the demo
shop's aspects, the clause fallback for aspect sentiment and the check against ABSA terms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopsense.data.demo import generate_demo_shop, phrases, phrases_zh
from shopsense.reviews.aspect_term_evaluation import evaluate_extraction, span_scores
from shopsense.reviews.aspect_terms import AspectTermConfig, AspectVocabulary
from shopsense.reviews.aspects import AspectAnalyzer, clause_around
from shopsense.reviews.corpora import LabelledReviews
from shopsense.reviews.sentiment import SentimentConfig, SentimentModel

#: A small shop of jackets: aspects as nouns after determiners, the product after "this".
_PARTS = ["zipper", "zippers", "hood", "lining", "pockets", "collar"]
_SAYINGS = [
    "I love this jacket. The {part} is great and the {part} looks nice.",
    "This jacket is warm but my {part} broke, the {part} was cheap.",
    "Good jacket overall. Its {part} is fine.",
]
JACKET_REVIEWS = [
    saying.format(part=part) for part in _PARTS for saying in _SAYINGS for _ in range(3)
]


@pytest.fixture(scope="module")
def jackets() -> AspectVocabulary:
    return AspectVocabulary.mine(JACKET_REVIEWS)


def test_nouns_after_determiners_are_mined_and_the_product_is_not(
    jackets: AspectVocabulary,
) -> None:
    assert {"zipper", "hood", "lining", "pockets", "collar"} <= set(jackets.aspects)
    assert "jacket" not in jackets.aspects


def test_inflections_share_one_aspect_and_spans_point_at_the_text(
    jackets: AspectVocabulary,
) -> None:
    text = "Both zippers jammed; the Zipper pull fell off."
    terms = jackets.extract(text)
    assert [term.aspect for term in terms][:2] == ["zipper", "zipper"]
    assert all(text[term.start : term.end] == term.term for term in terms)
    assert terms[0].term == "zippers"


def test_common_aspects_are_found_without_a_noun() -> None:
    vocabulary = AspectVocabulary.mine(["nothing here"] * 3)
    aspects = {t.term: t.aspect for t in vocabulary.extract("Fits perfectly, so comfortable.")}
    assert aspects == {"Fits": "fit", "comfortable": "comfort"}
    assert {t.aspect for t in vocabulary.extract("Battery life is awful")} == {"battery"}
    chinese = vocabulary.extract("物流很快，性价比很高。")
    assert [(t.term, t.aspect, t.start) for t in chinese] == [
        ("物流", "物流", 0),
        ("性价比", "价格", 5),
    ]


def test_without_common_aspects_only_mined_terms_are_found(jackets: AspectVocabulary) -> None:
    bare = AspectVocabulary.mine(JACKET_REVIEWS, AspectTermConfig(common_aspects=False))
    assert bare.extract("Fits perfectly") == []
    assert bare.extract("the hood") and jackets.extract("Fits perfectly")


def test_chinese_nouns_that_reviewers_judge_are_mined() -> None:
    reviews = [
        f"{noun}很好，{other}也不错。" for noun in ("屏幕", "键盘") for other in ("做工", "系统")
    ]
    vocabulary = AspectVocabulary.mine(reviews * 3, AspectTermConfig(min_reviews=3))
    assert {"屏幕", "键盘", "系统"} <= set(vocabulary.aspects)
    assert "质量" in vocabulary.aspects  # 做工 is a cue of the common aspect 质量
    text = "这台电脑的屏幕大小合适"
    found = vocabulary.extract(text)
    assert [(t.term, t.aspect) for t in found] == [("屏幕", "屏幕"), ("大小", "尺码")]
    assert all(text[t.start : t.end] == t.term for t in found)


def test_with_terms_adds_labelled_terms(jackets: AspectVocabulary) -> None:
    larger = jackets.with_terms(["Drawstring", "拉链", "hood"])
    assert [t.aspect for t in larger.extract("the drawstrings and the hood")] == [
        "drawstring",
        "hood",
    ]
    assert [t.aspect for t in larger.extract("拉链很顺滑")] == ["拉链"]


def test_vocabulary_round_trips(tmp_path: Path, jackets: AspectVocabulary) -> None:
    jackets.save(tmp_path / "aspects.json")
    loaded = AspectVocabulary.load(tmp_path / "aspects.json")
    text = "The hood is warm, the zippers jam and 物流很慢"
    assert loaded.extract(text) == jackets.extract(text)
    assert loaded.aspects == jackets.aspects
    with pytest.raises(FileNotFoundError, match="no aspect vocabulary"):
        AspectVocabulary.load(tmp_path / "missing.json")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_demo_shop_aspects_are_found(language: str) -> None:
    shop = generate_demo_shop(language=language, n_items=300, n_users=300)
    vocabulary = AspectVocabulary.mine(shop.reviews["text"].to_list())
    said = phrases if language == "en" else phrases_zh
    sentences = [s for pros, cons in said.ASPECTS.values() for s in (*pros, *cons)]
    found = np.mean([bool(vocabulary.extract(sentence)) for sentence in sentences])
    # Measured on the default demo shop: 0.79 (en), 0.70 (zh) of its aspect sentences.
    assert found > 0.6
    names = ("delivery", "price", "quality") if language == "en" else ("物流", "价格", "质量")
    assert set(names) <= set(vocabulary.aspects)


def test_clause_around_stops_at_punctuation_and_contrast() -> None:
    text = "The fabric is lovely, but the zipper broke. 屏幕很好但是电池不行"
    assert clause_around(text, 30, 36) == "the zipper broke"
    assert clause_around(text, 4, 10) == "The fabric is lovely"
    start = text.index("电池")
    assert clause_around(text, start, start + 2) == "电池不行"


def test_aspect_sentiment_falls_back_to_the_clause() -> None:
    texts = ["great lovely perfect", "awful broken terrible"] * 20
    labels = np.array(["positive", "negative"] * 20)
    model = SentimentModel.fit(
        LabelledReviews("tiny", texts, labels), SentimentConfig(encoder=None)
    )
    analyzer = AspectAnalyzer(AspectVocabulary.mine(["x"]), model)
    (mentions,) = analyzer.analyze(["The price is great, but the zipper is broken and awful."])
    # "broken" is a cue of durability; each reads its own clause.
    assert [(m.term, m.aspect, m.sentiment) for m in mentions] == [
        ("price", "price", "positive"),
        ("broken", "durability", "negative"),
    ]
    assert all(0.0 <= m.score <= 1.0 for m in mentions)
    assert analyzer.analyze(["nothing to see"]) == [()]


def test_span_scores_count_exact_and_overlapping_spans() -> None:
    gold = {"a": {(0, 5), (10, 15)}}
    predicted = {"a": {(0, 5), (11, 13), (20, 22)}}
    scored = span_scores(gold, predicted)
    assert scored["precision"] == pytest.approx(1 / 3)
    assert scored["recall"] == pytest.approx(1 / 2)
    assert scored["overlap_precision"] == pytest.approx(2 / 3)
    assert scored["overlap_recall"] == pytest.approx(1.0)


def test_extraction_is_checked_against_labelled_terms(tmp_path: Path) -> None:
    folder = tmp_path / "absa" / "shop"
    folder.mkdir(parents=True)
    example = "the $T$ is great\n{term}\nPositive\n"
    lines = "".join(example.format(term=term) for term in ("screen", "keyboard") for _ in range(6))
    (folder / "train.txt").write_text(lines)
    (folder / "test.txt").write_text(example.format(term="screen"))
    report = evaluate_extraction(tmp_path / "absa", AspectTermConfig(min_reviews=1))
    assert [row["method"] for row in report["sets"]] == ["mined", "mined + training terms"]
    assert report["sets"][0]["recall"] == 1.0


@pytest.mark.slow
def test_extraction_recovers_semeval_terms(shared_data: Path) -> None:
    report = evaluate_extraction(shared_data / "absa-semeval-and-chinese")
    restaurant = next(
        row for row in report["sets"] if row["set"] == "restaurant14" and row["method"] == "mined"
    )
    # Measured: exact F1 0.53, overlap recall 0.72 (mined from the training sentences alone).
    assert restaurant["f1"] > 0.4 and restaurant["overlap_recall"] > 0.6
