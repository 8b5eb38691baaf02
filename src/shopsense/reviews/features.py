"""Review text as sparse features: word and character n-grams, TF-IDF weighted, with
naive-Bayes log-count ratios (Wang & Manning 2012, NB-SVM) that scale each feature by how
much more often it occurs in positive than in negative reviews.

Chinese text is normalised (NFKC, simplified, lower-case) and cut into words by jieba; English
is lower-cased and split on letters and digits. Both add character n-grams, which carry what
segmentation misses (negations glued to verbs, 不好吃, slang, typos). One vocabulary holds
both languages, so one model reads a mixed review stream. Saved state is plain arrays and a
list of terms: no pickles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from sklearn.feature_extraction.text import CountVectorizer

from shopsense.data.language import CHINESE, detect_language
from shopsense.text.chinese import ChineseSegmenter, normalize

_SPACE = re.compile(r"\s+")
_ENGLISH_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class FeatureConfig(BaseModel):
    """Which n-grams a review is read as."""

    model_config = ConfigDict(extra="forbid")

    word_ngrams: int = Field(2, ge=1, le=3, description="Word n-grams from 1 to this length.")
    zh_char_ngrams: tuple[int, int] = Field(
        (1, 3), description="Character n-gram lengths for Chinese text (min, max)."
    )
    en_char_ngrams: tuple[int, int] = Field(
        (2, 5), description="Character n-gram lengths for English text, within words."
    )
    min_df: int = Field(2, ge=1, description="Terms in fewer training reviews are left out.")


@cache
def _segmenter() -> ChineseSegmenter:
    return ChineseSegmenter()


def _ngrams(tokens: Sequence[str], longest: int, join: str) -> Iterator[str]:
    for size in range(1, longest + 1):
        for start in range(len(tokens) - size + 1):
            yield join.join(tokens[start : start + size])


def _chars(text: str, span: tuple[int, int]) -> Iterator[str]:
    for size in range(span[0], span[1] + 1):
        for start in range(len(text) - size + 1):
            yield text[start : start + size]


class ReviewAnalyzer:
    """The terms of one review: "w:" word n-grams and "c:" character n-grams."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config

    def __call__(self, text: str) -> list[str]:
        if detect_language(text) == CHINESE:
            text = _SPACE.sub(" ", normalize(text)).strip()
            words = [word for word in _segmenter().cut(text) if word.strip()]
            chars: Iterator[str] = _chars(text, self.config.zh_char_ngrams)
        else:
            text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower())
            words = _ENGLISH_WORD.findall(text)
            chars = (
                gram for word in words for gram in _chars(f" {word} ", self.config.en_char_ngrams)
            )
        terms = ["w:" + gram for gram in _ngrams(words, self.config.word_ngrams, " ")]
        terms += ["c:" + gram for gram in chars if gram.strip()]
        return terms


class ReviewFeatures:
    """Fitted TF-IDF (sublinear tf, smoothed idf, l2 rows) times NB log-count ratios."""

    def __init__(
        self, config: FeatureConfig, terms: list[str], idf: np.ndarray, ratios: np.ndarray
    ) -> None:
        self.config = config
        self.terms = terms
        self.idf = idf
        self.ratios = ratios
        self._counter = CountVectorizer(
            analyzer=ReviewAnalyzer(config), vocabulary={t: i for i, t in enumerate(terms)}
        )

    @classmethod
    def fit(
        cls, config: FeatureConfig, texts: Sequence[str], positive: np.ndarray
    ) -> ReviewFeatures:
        """Learn the vocabulary, idf and ratios from training texts (`positive`: bool per text)."""
        counter = CountVectorizer(analyzer=ReviewAnalyzer(config), min_df=config.min_df)
        counts = counter.fit_transform(texts).tocsr()
        terms = counter.get_feature_names_out().tolist()
        present = (counts > 0).astype(np.float64)
        document_frequency = np.asarray(present.sum(axis=0)).ravel()
        idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1
        ratios = _log_count_ratios(present, positive)
        return cls(config, terms, idf, ratios)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The feature rows of `texts`."""
        counts = self._counter.transform(texts).astype(np.float64).tocsr()
        counts.data = 1 + np.log(counts.data)
        weighted = counts.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        weighted = sp.diags(1 / np.maximum(norms, 1e-12)) @ weighted
        return weighted.multiply(self.ratios).tocsr()

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as arrays (the terms are saved apart, as text)."""
        return {"idf": self.idf, "ratios": self.ratios}


def _log_count_ratios(present: sp.csr_matrix, positive: np.ndarray) -> np.ndarray:
    """|log(p / q)| per term, with p, q the smoothed, normalised counts of the term in positive
    and in other reviews; used as a non-negative weight, so that LR still learns the sign."""
    p = np.asarray(present[positive].sum(axis=0)).ravel() + 1
    q = np.asarray(present[~positive].sum(axis=0)).ravel() + 1
    return np.abs(np.log((p / p.sum()) / (q / q.sum())))
