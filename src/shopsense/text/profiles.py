"""User interest profiles: a vector plus readable top interests, from what a user did or said.

A profile is the time-decayed, weighted mean of the vectors of the items a user interacted
with (weighted by interaction kind), the reviews they wrote and the queries they typed. Its
top interests are the categories and brands of those items and the salient terms of those
texts. A brand-new user gets a profile from one sentence or a first query: the sentence's
vector, the categories and brands of its nearest items, and its own salient terms.

Decay halves an event's weight every `half_life_days` before the user's latest event where
every event has a timestamp, otherwise every `half_life_events` positions (sequence files
carry order, not time).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.dataset import KIND_WEIGHTS, Dataset
from shopsense.data.language import detect_language, has_han
from shopsense.text.chinese import HAN_RUN, STOPWORDS_ZH, ChineseSegmenter, han_words, normalize
from shopsense.text.encoder import Encoder
from shopsense.text.item_text import ItemTextRecipe, item_texts, item_vectors

_SECONDS_PER_DAY = 86_400.0


class DecayConfig(BaseModel):
    """How fast old events stop counting."""

    model_config = ConfigDict(extra="forbid")

    half_life_days: float = Field(
        30.0, gt=0, description="With timestamps: an event this many days older counts half."
    )
    half_life_events: float = Field(
        1.0,
        gt=0,
        description="Without timestamps: an event this many positions back counts half "
        "(1.0 was best on the Amazon Office validation items among 0.3-5).",
    )


class ProfileConfig(BaseModel):
    """How a profile weighs what a user did and how many interests it names."""

    model_config = ConfigDict(extra="forbid")

    decay: DecayConfig = Field(default_factory=DecayConfig, description="Time decay.")
    kind_weights: dict[str, float] = Field(
        default_factory=lambda: dict(KIND_WEIGHTS),
        description="Weight of an interaction by kind; kinds not listed weigh 1.",
    )
    review_weight: float = Field(
        2.0, ge=0, description="Weight of one review text (a view weighs 1, a purchase 4)."
    )
    query_weight: float = Field(2.0, ge=0, description="Weight of one search query.")
    top_interests: int = Field(5, ge=1, description="Categories, brands and terms named each.")
    neighbours: int = Field(
        20, ge=1, description="Nearest items whose categories and brands describe a sentence."
    )


@dataclass(frozen=True)
class Interest:
    """One named interest and its share of the profile's weight (0-1)."""

    name: str
    weight: float


@dataclass(frozen=True)
class UserProfile:
    """A user's interests: a unit vector (zeros if nothing is known) and top named interests."""

    vector: np.ndarray
    categories: list[Interest] = field(default_factory=list)
    brands: list[Interest] = field(default_factory=list)
    terms: list[Interest] = field(default_factory=list)
    language: str | None = None
    """Language of the sentence a profile from words was read from (detected); None for one
    built from history."""

    @property
    def is_empty(self) -> bool:
        """True when nothing was known about the user."""
        return not np.any(self.vector)


def decay_weights(
    timestamps: np.ndarray | None, n: int, decay: DecayConfig, reference: float | None = None
) -> np.ndarray:
    """Weight per event (oldest first): 1 at `reference` (default: the latest event), halving
    every half-life. `timestamps` are seconds since the epoch; any NaN means decay by position."""
    if timestamps is not None and len(timestamps) == n and n and np.isfinite(timestamps).all():
        latest = float(np.max(timestamps)) if reference is None else reference
        age_days = np.maximum(latest - np.asarray(timestamps, dtype=np.float64), 0.0)
        return 0.5 ** (age_days / _SECONDS_PER_DAY / decay.half_life_days)
    return 0.5 ** ((n - 1 - np.arange(n, dtype=np.float64)) / decay.half_life_events)


def history_vector(
    vectors: np.ndarray,
    items: np.ndarray,
    timestamps: np.ndarray | None = None,
    decay: DecayConfig | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Unit, time-decayed (and optionally weighted) mean of `vectors[items]`; zeros when the
    history is empty or has no text."""
    items = np.asarray(items, dtype=np.int64)
    combined = decay_weights(timestamps, len(items), decay or DecayConfig())
    if weights is not None:
        combined = combined * weights
    return (
        _unit(combined @ vectors[items]) if len(items) else np.zeros(vectors.shape[1], np.float32)
    )


class InterestProfiler:
    """Builds `UserProfile`s over one catalogue (its item vectors, categories, brands, terms)."""

    def __init__(
        self,
        dataset: Dataset,
        encoder: Encoder,
        config: ProfileConfig | None = None,
        recipe: ItemTextRecipe | None = None,
        vectors: np.ndarray | None = None,
    ) -> None:
        self.dataset = dataset
        self.encoder = encoder
        self.config = config or ProfileConfig()
        recipe = recipe or ItemTextRecipe()
        # Terms come from the field values alone: labels like "Brand" are not interests.
        unlabelled = [part.model_copy(update={"label": ""}) for part in recipe.parts]
        self._term_texts = item_texts(
            dataset.items, recipe.model_copy(update={"parts": unlabelled})
        )
        self.item_vectors = (
            vectors if vectors is not None else item_vectors(dataset, encoder, recipe)
        )
        self._categories: list[list[str]] = dataset.items["categories"].to_list()
        self._brands: list[str | None] = dataset.items["brand"].to_list()
        self._category_idf = _category_idf(self._categories)
        names = {*(b for b in self._brands if b), *(c for path in self._categories for c in path)}
        self._terms = _TermWeights(self._term_texts, ChineseSegmenter(han_words(names)))

    # ---- from behaviour --------------------------------------------------------------------
    def profile_history(
        self,
        items: Sequence[int] | np.ndarray,
        timestamps: np.ndarray | None = None,
        kinds: Sequence[str] | None = None,
        reviews: Sequence[str] = (),
        review_timestamps: np.ndarray | None = None,
        queries: Sequence[str] = (),
        query_timestamps: np.ndarray | None = None,
    ) -> UserProfile:
        """A profile from item indices (oldest first) with optional kinds, plus review and
        query texts; timestamps are seconds since the epoch (NaN or None: unknown)."""
        items = np.asarray(items, dtype=np.int64)
        reference = _latest(timestamps, review_timestamps, query_timestamps)
        decay = self.config.decay
        item_w = decay_weights(timestamps, len(items), decay, reference)
        if kinds is not None:
            item_w = item_w * np.array([self.config.kind_weights.get(k, 1.0) for k in kinds])
        review_w = self.config.review_weight * decay_weights(
            review_timestamps, len(reviews), decay, reference
        )
        query_w = self.config.query_weight * decay_weights(
            query_timestamps, len(queries), decay, reference
        )
        total = np.zeros(self.item_vectors.shape[1], dtype=np.float64)
        if len(items):
            total += item_w @ self.item_vectors[items]
        if len(reviews):
            total += review_w @ self.encoder.encode(list(reviews), kind="document")
        if len(queries):
            total += query_w @ self.encoder.encode(list(queries), kind="query")
        texts = [self._term_texts[i] for i in items] + list(reviews) + list(queries)
        return UserProfile(
            vector=_unit(total),
            categories=self._category_interests(items, item_w),
            brands=self._brand_interests(items, item_w),
            terms=self._terms.top(texts, np.concatenate([item_w, review_w, query_w]), self._n),
        )

    def profile_user(self, user_id: str) -> UserProfile:
        """The profile of a known user from the dataset's interactions, reviews and queries;
        a user the dataset does not know gets an empty profile."""
        events = self.dataset.events.filter(pl.col("user_id") == user_id)
        reviews = self.dataset.reviews.filter(pl.col("user_id") == user_id)
        queries = self.dataset.queries.filter(pl.col("user_id") == user_id)
        return self.profile_history(
            events["item"].to_numpy(),
            _epoch_seconds(events["timestamp"]),
            events["kind"].to_list(),
            reviews=reviews["text"].to_list(),
            review_timestamps=_epoch_seconds(reviews["timestamp"]),
            queries=queries["text"].to_list(),
            query_timestamps=_epoch_seconds(queries["timestamp"]),
        )

    # ---- from words ------------------------------------------------------------------------
    def profile_from_text(self, sentence: str) -> UserProfile:
        """A brand-new user's profile from one sentence or a first query."""
        if not sentence.strip():
            return UserProfile(vector=np.zeros(self.item_vectors.shape[1], dtype=np.float32))
        vector = self.encoder.encode([sentence], kind="query")[0]
        nearest, similarity = self.nearest_items(vector, self.config.neighbours)
        weights = np.maximum(similarity, 0.0)
        return UserProfile(
            vector=vector,
            categories=self._category_interests(nearest, weights),
            brands=self._brand_interests(nearest, weights),
            terms=self._terms.top([sentence], np.ones(1), self._n),
            language=detect_language(sentence),
        )

    def nearest_items(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` items most similar to `vector` (cosine), best first, with similarities."""
        similarity = self.item_vectors @ np.asarray(vector, dtype=np.float32)
        k = min(k, len(similarity))
        best = np.argpartition(-similarity, k - 1)[:k]
        best = best[np.argsort(-similarity[best], kind="stable")]
        return best.astype(np.int64), similarity[best]

    # ---- helpers ---------------------------------------------------------------------------
    @property
    def _n(self) -> int:
        return self.config.top_interests

    def _category_interests(self, items: np.ndarray, weights: np.ndarray) -> list[Interest]:
        # Weighted by specificity: a category every item has says nothing about the user.
        scores: dict[str, float] = defaultdict(float)
        for item, weight in zip(items, weights, strict=True):
            for category in self._categories[item]:
                scores[category] += weight * self._category_idf[category]
        return _top(scores, self._n)

    def _brand_interests(self, items: np.ndarray, weights: np.ndarray) -> list[Interest]:
        scores: dict[str, float] = defaultdict(float)
        for item, weight in zip(items, weights, strict=True):
            if self._brands[item]:
                scores[self._brands[item]] += weight
        return _top(scores, self._n)


class _TermWeights:
    """Salient terms by tf-idf against the catalogue's item texts: English words of three or
    more letters and Chinese words of two or more characters, cut by `segmenter` (one that
    knows the catalogue's brands and categories); stop words of both out."""

    def __init__(self, catalogue_texts: list[str], segmenter: ChineseSegmenter) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._english = TfidfVectorizer(
            stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b"
        ).build_analyzer()
        self._segmenter = segmenter
        vectorizer = TfidfVectorizer(analyzer=self._analyse)
        documents = [text for text in catalogue_texts if text] or ["empty"]
        vectorizer.fit(documents)
        self._idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_, strict=True))
        # A term the catalogue never uses is as rare as can be (smoothed idf of df = 0).
        self._unseen_idf = math.log(len(documents) + 1) + 1.0

    def _analyse(self, text: str) -> list[str]:
        if not has_han(text):
            return self._english(text)
        chinese = [
            word
            for run in HAN_RUN.findall(normalize(text))
            for word in self._segmenter.cut(run)
            if len(word) > 1 and word not in STOPWORDS_ZH
        ]
        return self._english(HAN_RUN.sub(" ", text)) + chinese

    def top(self, texts: Iterable[str], weights: np.ndarray, n: int) -> list[Interest]:
        scores: dict[str, float] = defaultdict(float)
        for text, weight in zip(texts, weights, strict=True):
            counts = Counter(self._analyse(text))
            tfidf = {
                t: (1 + math.log(c)) * self._idf.get(t, self._unseen_idf) for t, c in counts.items()
            }
            norm = math.sqrt(sum(value * value for value in tfidf.values())) or 1.0
            for term, value in tfidf.items():
                scores[term] += weight * value / norm
        return _top(scores, n)


def _category_idf(categories: list[list[str]]) -> dict[str, float]:
    frequency = Counter(category for path in categories for category in set(path))
    n = max(1, len(categories))
    return {category: math.log(n / count) for category, count in frequency.items()}


def _top(scores: dict[str, float], n: int) -> list[Interest]:
    total = sum(value for value in scores.values() if value > 0)
    ranked = sorted(((v, k) for k, v in scores.items() if v > 0), key=lambda p: (-p[0], p[1]))
    return [Interest(name, float(value / total)) for value, name in ranked[:n]]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else np.zeros_like(vector)).astype(np.float32)


def _latest(*timestamps: np.ndarray | None) -> float | None:
    known = [t[np.isfinite(t)] for t in timestamps if t is not None and len(t)]
    known = [t for t in known if len(t)]
    return float(max(t.max() for t in known)) if known else None


def _epoch_seconds(column: pl.Series) -> np.ndarray:
    """A datetime column as float seconds since the epoch, NaN where missing."""
    return (column.dt.epoch("ms").cast(pl.Float64) / 1000.0).fill_null(float("nan")).to_numpy()
