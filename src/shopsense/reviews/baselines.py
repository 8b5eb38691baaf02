"""The baselines every sentiment result is reported beside: a lexicon (VADER for English,
SnowNLP for Chinese) and TF-IDF n-grams with logistic regression.

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

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


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
