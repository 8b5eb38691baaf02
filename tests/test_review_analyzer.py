"""The review analyzer: trained on a shop's own rated reviews (English and Chinese demo shops),
with and without an aspect polarity model, saved and loaded, and its errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopsense.data.demo import generate_demo_shop, phrases, phrases_zh
from shopsense.reviews.analysis import ReviewAnalysis
from shopsense.reviews.analyzer import AnalyzerConfig, ReviewAnalyzer
from shopsense.reviews.corpora import LabelledReviews

SAID = {"en": phrases, "zh": phrases_zh}


@pytest.fixture(scope="module", params=["en", "zh"])
def shop(request: pytest.FixtureRequest) -> tuple[str, pl.DataFrame, ReviewAnalyzer]:
    language = request.param
    reviews = generate_demo_shop(language=language, n_items=400, n_users=500).reviews
    return language, reviews, ReviewAnalyzer.fit_for_shop(reviews)


def test_shop_reviews_are_read_in_agreement_with_their_ratings(
    shop: tuple[str, pl.DataFrame, ReviewAnalyzer],
) -> None:
    language, reviews, analyzer = shop
    polar = reviews.filter(pl.col("rating") != 3)
    analyses = analyzer.analyze(polar["text"].to_list())
    assert all(isinstance(a, ReviewAnalysis) and a.language == language for a in analyses)
    truth = np.where(polar["rating"].to_numpy() >= 4, "positive", "negative")
    assert np.mean([a.sentiment for a in analyses] == truth) > 0.9
    assert all(0 <= a.positive <= 1 and 0 <= a.score <= 1 for a in analyses)
    assert np.mean([bool(a.aspects) for a in analyses]) > 0.6


def test_aspect_sentiment_matches_the_phrase_it_comes_from(
    shop: tuple[str, pl.DataFrame, ReviewAnalyzer],
) -> None:
    language, reviews, analyzer = shop
    said = SAID[language]
    praise, complaints = said.positive_phrases(), said.negative_phrases()
    texts = reviews["text"].to_list()
    right = total = 0
    for text, analysis in zip(texts, analyzer.analyze(texts), strict=True):
        for mention in analysis.aspects:
            assert text[mention.start : mention.end] == mention.term
            sentence = [
                s
                for s in praise | complaints
                if s in text and text.index(s) <= mention.start < text.index(s) + len(s)
            ]
            if sentence:
                total += 1
                right += mention.sentiment == ("positive" if sentence[0] in praise else "negative")
    # Measured on the default demo shops: 0.93 (en), 0.89 (zh).
    assert total > 100 and right / total > 0.8


def test_saved_analyzer_reads_the_same(
    tmp_path: Path, shop: tuple[str, pl.DataFrame, ReviewAnalyzer]
) -> None:
    _, reviews, analyzer = shop
    analyzer.save(tmp_path / "analyzer")
    loaded = ReviewAnalyzer.load(tmp_path / "analyzer")
    texts = reviews["text"].to_list()[:50]
    assert loaded.analyze(texts) == analyzer.analyze(texts)
    assert analyzer.analyze([]) == []


def test_too_few_rated_reviews_of_a_class_is_a_clear_error() -> None:
    reviews = pl.DataFrame({"rating": [5.0] * 40 + [1.0] * 3, "text": ["fine"] * 43})
    with pytest.raises(ValueError, match="3 negative reviews with text"):
        ReviewAnalyzer.fit_for_shop(reviews)
    with pytest.raises(ValueError, match="missing column"):
        ReviewAnalyzer.fit_for_shop(reviews.drop("text"))


def test_neutral_is_learnt_only_from_enough_three_star_reviews() -> None:
    texts = ["great", "awful", "okay"]
    few = pl.DataFrame(
        {
            "rating": [5.0] * 30 + [1.0] * 30 + [3.0] * 5,
            "text": [texts[0]] * 30 + [texts[1]] * 30 + [texts[2]] * 5,
        }
    )
    config = AnalyzerConfig(min_reviews_per_class=20)
    assert list(ReviewAnalyzer.fit_for_shop(few, config).sentiment.classes) == [
        "negative",
        "positive",
    ]
    many = pl.concat([few] + [few.filter(pl.col("rating") == 3)] * 4)
    assert "neutral" in ReviewAnalyzer.fit_for_shop(many, config).sentiment.classes


class _FixedPolarity:
    """An aspect polarity model that calls every aspect negative."""

    def predict(
        self, texts: Sequence[str], spans: Sequence[tuple[int, int]]
    ) -> list[tuple[str, float]]:
        assert len(texts) == len(spans)
        return [("negative", 0.75)] * len(texts)


def test_an_aspect_polarity_model_reads_aspect_sentiment() -> None:
    corpus = LabelledReviews(
        "tiny",
        ["Love it, the fabric is great"] * 10 + ["Hate it, the fabric is awful"] * 10,
        np.array(["positive"] * 10 + ["negative"] * 10),
    )
    analyzer = ReviewAnalyzer.fit(corpus, _FixedPolarity())  # type: ignore[arg-type]
    (analysis,) = analyzer.analyze(["Love it, the fabric is great"])
    assert analysis.sentiment == "positive"
    assert [(m.aspect, m.sentiment, m.score) for m in analysis.aspects] == [
        ("material", "negative", 0.75)
    ]
