"""Aspects of a review and the sentiment toward each: extraction, then polarity.

Terms are found by the shop's `AspectVocabulary`. The sentiment toward each comes from an
`AspectPolarityModel` (trained on aspect-labelled sentences) where one is given; otherwise from
the review sentiment model applied to the clause around the term ("the fabric is lovely, but the
zipper broke": the zipper is read in "the zipper broke" alone), which is what a shop that only
has its own rated reviews can learn. A clause the sentence model is unsure about (its best class
below `neutral_below`) is neutral.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from shopsense.reviews.analysis import AspectMention
from shopsense.reviews.aspect_terms import AspectVocabulary
from shopsense.reviews.corpora import NEUTRAL
from shopsense.reviews.polarity import AspectPolarityModel
from shopsense.reviews.sentiment import SentimentModel

__all__ = ["AspectAnalyzer", "clause_around"]

#: Where one clause ends and the next begins: punctuation, and the contrast words after which
#: a review turns ("..., but", "但是", "不过").
_CLAUSE_BREAK = re.compile(
    r"[.!?;,:\n。！？；，：、]|\b(?:but|however|although|though|except|yet)\b|但是|但|不过|可是",
    re.IGNORECASE,
)


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of `text` that holds the characters start..end."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_BREAK.finditer(text, end)), len(text))
    return text[left:right].strip()


class AspectAnalyzer:
    """Extract aspect terms and read the sentiment toward each."""

    def __init__(
        self,
        vocabulary: AspectVocabulary,
        sentiment: SentimentModel,
        polarity: AspectPolarityModel | None = None,
        neutral_below: float = 0.0,
        clause_weight: float = 1.0,
    ) -> None:
        self.vocabulary = vocabulary
        self.sentiment = sentiment
        self.polarity = polarity
        self.neutral_below = neutral_below
        self.clause_weight = clause_weight

    def analyze(
        self,
        texts: Sequence[str],
        remember: bool = False,
        review_probabilities: np.ndarray | None = None,
    ) -> list[tuple[AspectMention, ...]]:
        """The aspect mentions of each text, in text order. `remember=False` keeps the texts
        out of the encoder's on-disk cache. `review_probabilities`, the sentence model's rows
        for `texts` where already computed, are blended into each clause's reading."""
        found = [self.vocabulary.extract(text) for text in texts]
        rows = [(i, term) for i, terms in enumerate(found) for term in terms]
        if not rows:
            return [() for _ in texts]
        if self.polarity is None and review_probabilities is None:
            review_probabilities = self.sentiment.probabilities(texts, remember)
        readings = self.polarity_at(
            [texts[i] for i, _ in rows],
            [(term.start, term.end) for _, term in rows],
            None if review_probabilities is None else review_probabilities[[i for i, _ in rows]],
            remember,
        )
        mentions: list[list[AspectMention]] = [[] for _ in texts]
        for (i, term), (sentiment, score) in zip(rows, readings, strict=True):
            mentions[i].append(
                AspectMention(term.term, term.aspect, sentiment, score, term.start, term.end)
            )
        return [tuple(found) for found in mentions]

    def polarity_at(
        self,
        texts: Sequence[str],
        spans: Sequence[tuple[int, int]],
        review_probabilities: np.ndarray | None = None,
        remember: bool = False,
    ) -> list[tuple[str, float]]:
        """(sentiment, its probability) toward the term at each span of each text, one row per
        (text, span): by the aspect polarity model where there is one, else by the clause around
        the span blended with its text's reading (`review_probabilities`, computed here when
        not given)."""
        if self.polarity is not None:
            return self.polarity.predict(texts, spans)
        if review_probabilities is None:
            review_probabilities = self.sentiment.probabilities(texts, remember)
        clauses = [
            clause_around(text, start, end) for text, (start, end) in zip(texts, spans, strict=True)
        ]
        unique = list(dict.fromkeys(clauses))
        read = dict(zip(unique, self.sentiment.probabilities(unique, remember), strict=True))
        blended = (
            self.clause_weight * np.array([read[clause] for clause in clauses])
            + (1 - self.clause_weight) * review_probabilities
        )
        return [_reading(self.sentiment.classes, row, self.neutral_below) for row in blended]


def _reading(
    classes: np.ndarray, probabilities: np.ndarray, neutral_below: float
) -> tuple[str, float]:
    """(sentiment, probability) of one clause. A two-class model unsure of its best class reads
    neutral, scored by how close it came to even odds (0.5 -> 1, `neutral_below` -> lower)."""
    best = int(probabilities.argmax())
    score = float(probabilities[best])
    if score < neutral_below and NEUTRAL not in classes:
        return NEUTRAL, 2 * (1 - score)
    return str(classes[best]), score
