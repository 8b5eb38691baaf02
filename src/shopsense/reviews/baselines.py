"""The baselines every sentiment result is reported beside: a lexicon (VADER for English,
SnowNLP for Chinese) and TF-IDF n-grams with logistic regression; for aspect polarity, the same
regression over a window of words around the aspect.

The lexicons are imported when first used (SnowNLP loads its model from disk), so analysing
reviews never pays for them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from shopsense.data.language import CHINESE
from shopsense.reviews.corpora import NEGATIVE, POSITIVE
from shopsense.text.chinese import ChineseSegmenter

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


#: Words kept on either side of an aspect by the window baseline.
ASPECT_WINDOW = 5


@cache
def _segmenter() -> ChineseSegmenter:
    return ChineseSegmenter()


@cache
def _vader() -> SentimentIntensityAnalyzer:
    """VADER's analyzer, built once per process (it reads its lexicon from disk)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score (-1 to 1) per text."""
    analyzer = _vader()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts])


def snownlp_scores(texts: Sequence[str]) -> np.ndarray:
    """SnowNLP's probability of positive per text, shifted to -0.5 .. 0.5."""
    from snownlp import SnowNLP

    return np.array([SnowNLP(text).sentiments - 0.5 for text in texts])


def lexicon_name(language: str) -> str:
    """The lexicon baseline for a corpus in `language`."""
    return "SnowNLP" if language == CHINESE else "VADER"


def lexicon_predict(texts: Sequence[str], language: str) -> np.ndarray:
    """Positive where the lexicon's score is at least 0 (binary: the corpora have no neutral)."""
    scores = snownlp_scores(texts) if language == CHINESE else vader_scores(texts)
    return np.where(scores >= 0, POSITIVE, NEGATIVE)


def tfidf_regression(language: str) -> Pipeline:
    """TF-IDF + logistic regression as the issue measured it: character 1-3-grams for Chinese,
    word 1-2-grams for English; scikit-learn's defaults otherwise."""
    if language == CHINESE:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    else:
        vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2))
    return make_pipeline(vectorizer, LogisticRegression(max_iter=1000))


def aspect_window(
    text: str, span: tuple[int, int], language: str, width: int = ASPECT_WINDOW
) -> str:
    """The aspect at `span` with `width` words either side (jieba words for Chinese)."""
    start, end = span
    if language == CHINESE:
        left = _segmenter().cut(text[:start])[-width:]
        right = _segmenter().cut(text[end:])[:width]
        return "".join([*left, text[start:end], *right])
    left, right = text[:start].split()[-width:], text[end:].split()[:width]
    return " ".join([*left, text[start:end], *right])
