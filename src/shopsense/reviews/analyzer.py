"""The review analyzer: one call reads a review's language, sentiment and aspects.

`ReviewAnalyzer.fit` trains on a labelled corpus (what `shopsense reviews train` does);
`fit_for_shop` trains on a shop's own rated reviews (what `shopsense train` does: labels from
star ratings, the aspect vocabulary mined from the texts, no encoder by default so that it takes
seconds). A saved analyzer is a directory: `analyzer.json` (its settings), `sentiment/` (the
sentence model), `aspects.json` (the aspect vocabulary) and, where one was trained,
`polarity/` (the aspect polarity model).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.language import detect_language
from shopsense.reviews.analysis import ReviewAnalysis
from shopsense.reviews.aspect_terms import AspectTermConfig, AspectVocabulary
from shopsense.reviews.aspects import AspectAnalyzer
from shopsense.reviews.corpora import NEGATIVE, NEUTRAL, POSITIVE, LabelledReviews
from shopsense.reviews.polarity import AspectPolarityModel
from shopsense.reviews.sentiment import SentimentConfig, SentimentModel

__all__ = ["AnalyzerConfig", "ReviewAnalyzer"]

_SETTINGS, _SENTIMENT, _ASPECTS, _POLARITY = (
    "analyzer.json",
    "sentiment",
    "aspects.json",
    "polarity",
)


class AnalyzerConfig(BaseModel):
    """How a review analyzer is trained."""

    model_config = ConfigDict(extra="forbid")

    sentiment: SentimentConfig = Field(
        default_factory=lambda: SentimentConfig(encoder=None),
        description="The sentence sentiment model; n-grams only by default (fast to train and "
        "to apply; set an encoder for a few points of accuracy at a fifth of the speed).",
    )
    aspects: AspectTermConfig = Field(
        default_factory=AspectTermConfig, description="How aspect terms are mined."
    )
    aspect_neutral_below: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Without an aspect polarity model, a term whose clause a two-class "
        "sentence model reads with less confidence than this is neutral (0: never).",
    )
    aspect_clause_weight: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Without an aspect polarity model: weight of the clause around a term "
        "against the whole review in the term's sentiment (1: the clause alone).",
    )
    min_reviews_per_class: int = Field(
        20, ge=2, description="fit_for_shop: fewest rated reviews of each sentiment it trains on."
    )
    positive_from: float = Field(
        4.0, description="fit_for_shop: ratings from this up are positive."
    )
    negative_to: float = Field(2.0, description="fit_for_shop: ratings up to this are negative.")


class ReviewAnalyzer:
    """Language, sentiment and aspects of reviews."""

    def __init__(
        self,
        config: AnalyzerConfig,
        sentiment: SentimentModel,
        vocabulary: AspectVocabulary,
        polarity: AspectPolarityModel | None = None,
    ) -> None:
        self.config = config
        self.sentiment = sentiment
        self.vocabulary = vocabulary
        self.polarity = polarity
        self.aspects = AspectAnalyzer(
            vocabulary,
            sentiment,
            polarity,
            config.aspect_neutral_below,
            config.aspect_clause_weight,
        )

    @classmethod
    def fit(
        cls,
        corpus: LabelledReviews,
        aspect_polarity: AspectPolarityModel | None = None,
        config: AnalyzerConfig | None = None,
    ) -> ReviewAnalyzer:
        """Train the sentiment model on `corpus` and mine its aspect vocabulary from the same
        texts; `aspect_polarity`, a trained aspect polarity model, reads aspect sentiment."""
        config = config or AnalyzerConfig()
        sentiment = SentimentModel.fit(corpus, config.sentiment)
        vocabulary = AspectVocabulary.mine(corpus.texts, config.aspects)
        return cls(config, sentiment, vocabulary, aspect_polarity)

    @classmethod
    def fit_for_shop(
        cls, reviews: pl.DataFrame, config: AnalyzerConfig | None = None
    ) -> ReviewAnalyzer:
        """Train on a shop's own reviews (columns `rating` and `text` of the REVIEWS table):
        ratings >= `positive_from` are positive, <= `negative_to` negative, those between
        neutral where there are enough of them. Raises ValueError when a class is too small."""
        config = config or AnalyzerConfig()
        return cls.fit(shop_corpus(reviews, config), config=config)

    def analyze(self, texts: Sequence[str], remember: bool = False) -> list[ReviewAnalysis]:
        """The reading of each text. `remember=False` keeps the texts' vectors out of the
        encoder's on-disk cache (they are shoppers' words)."""
        if not texts:
            return []
        probabilities = self.sentiment.probabilities(texts, remember)
        classes = list(self.sentiment.classes)
        positive = probabilities[:, classes.index(POSITIVE)]
        best = probabilities.argmax(axis=1)
        aspects = self.aspects.analyze(texts, remember, probabilities)
        return [
            ReviewAnalysis(
                language=detect_language(text),
                sentiment=str(classes[i]),
                score=float(row[i]),
                positive=float(p),
                aspects=mentions,
            )
            for text, row, i, p, mentions in zip(
                texts, probabilities, best, positive, aspects, strict=True
            )
        ]

    def save(self, directory: Path) -> None:
        """Write the analyzer into `directory` (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.sentiment.save(directory / _SENTIMENT)
        self.vocabulary.save(directory / _ASPECTS)
        if self.polarity is not None:
            self.polarity.save(directory / _POLARITY)
        (directory / _SETTINGS).write_text(
            json.dumps({"config": self.config.model_dump(mode="json")}, indent=2)
        )

    @classmethod
    def load(cls, directory: Path) -> ReviewAnalyzer:
        """The analyzer saved in `directory` (by `save`, or `shopsense reviews train --out`)."""
        if not (directory / _SETTINGS).is_file():
            raise FileNotFoundError(f"{directory}: no review analyzer here ({_SETTINGS} missing)")
        settings = json.loads((directory / _SETTINGS).read_text())
        config = AnalyzerConfig.model_validate(settings["config"])
        polarity = (
            AspectPolarityModel.load(directory / _POLARITY)
            if (directory / _POLARITY).is_dir()
            else None
        )
        return cls(
            config,
            SentimentModel.load(directory / _SENTIMENT),
            AspectVocabulary.load(directory / _ASPECTS),
            polarity,
        )


def shop_corpus(reviews: pl.DataFrame, config: AnalyzerConfig) -> LabelledReviews:
    """A shop's rated reviews with text as labelled reviews; raises ValueError naming the
    class a shop has too few reviews of."""
    missing = [column for column in ("rating", "text") if column not in reviews.columns]
    if missing:
        raise ValueError(f"reviews: missing column(s) {', '.join(missing)}")
    rated = reviews.select("rating", "text").drop_nulls()
    rated = rated.filter(pl.col("text").str.strip_chars() != "")
    ratings = rated["rating"].to_numpy()
    labels = np.where(
        ratings >= config.positive_from,
        POSITIVE,
        np.where(ratings <= config.negative_to, NEGATIVE, NEUTRAL),
    )
    least = config.min_reviews_per_class
    for label in (POSITIVE, NEGATIVE):
        if (labels == label).sum() < least:
            raise ValueError(
                f"reviews: {(labels == label).sum()} {label} reviews with text (rating "
                f"{'>=' if label == POSITIVE else '<='} "
                f"{config.positive_from if label == POSITIVE else config.negative_to:g}); "
                f"training the review analyzer needs at least {least}"
            )
    keep = labels != NEUTRAL if (labels == NEUTRAL).sum() < least else np.ones(len(labels), bool)
    texts = rated["text"].to_list()
    return LabelledReviews(
        "shop-reviews", [t for t, k in zip(texts, keep, strict=True) if k], labels[keep]
    )
