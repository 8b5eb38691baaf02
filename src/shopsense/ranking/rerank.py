"""Re-ranking a scored list for the shop window: business filters, diversity and exploration.

Serving applies these after the ranker; offline evaluation does not (they trade accuracy for
other goals). All three work on a pool of (item, score) pairs larger than the page:
- `BusinessRules` drop items the shop will not show (excluded ids, out of stock, price range);
- `mmr` picks items by maximal marginal relevance: relevance minus `diversity` times the
  greatest similarity to an item already picked (text vectors, or shared categories);
- `explore` gives some slots, with a seeded probability, to items shown less often, drawn by
  Thompson sampling from their click-through posteriors (fewer shows, wider posterior).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.errors import DataError


class BusinessRules(BaseModel):
    """Items the shop never shows in a recommendation list."""

    model_config = ConfigDict(extra="forbid")

    exclude_items: list[str] = Field(
        default_factory=list, description="Item ids never to recommend."
    )
    min_price: float | None = Field(None, ge=0, description="Drop items cheaper than this.")
    max_price: float | None = Field(None, ge=0, description="Drop items dearer than this.")
    in_stock_only: bool = Field(
        False, description="Drop items whose stock attribute says they are out of stock."
    )
    stock_attribute: str = Field(
        "in_stock",
        description="Key in the items' `attributes` JSON holding stock: false, 0 or "
        "'out of stock' mean out of stock; a missing key means in stock.",
    )
    keep_unpriced: bool = Field(
        True, description="With a price range, keep items that have no price."
    )

    def allowed(self, items: pl.DataFrame) -> np.ndarray:
        """Boolean mask over the rows of a conformed items table: True where allowed."""
        mask = ~items["item_id"].is_in(self.exclude_items).to_numpy()
        if self.min_price is not None or self.max_price is not None:
            price = items["price"].to_numpy().astype(np.float64)
            in_range = np.ones(len(price), dtype=bool)
            if self.min_price is not None:
                in_range &= price >= self.min_price
            if self.max_price is not None:
                in_range &= price <= self.max_price
            mask &= np.where(np.isnan(price), self.keep_unpriced, in_range)
        if self.in_stock_only:
            mask &= np.array(
                [
                    _in_stock(attributes, self.stock_attribute, item)
                    for item, attributes in zip(items["item_id"], items["attributes"], strict=True)
                ],
                dtype=bool,
            )
        return mask


class RerankConfig(BaseModel):
    """How much a page trades relevance for variety and discovery."""

    model_config = ConfigDict(extra="forbid")

    diversity: float = Field(
        0.0,
        ge=0,
        le=1,
        description="MMR weight of novelty against relevance (0: keep the ranker's order; "
        "1: only novelty after the first item).",
    )
    exploration: float = Field(
        0.0, ge=0, le=1, description="Chance that each open slot goes to an exploration pick."
    )
    protected: int = Field(1, ge=0, description="Leading slots never given to exploration picks.")
    seed: int | None = Field(
        0, description="Seed of exploration draws (None: fresh randomness per call)."
    )
    rules: BusinessRules = Field(default_factory=BusinessRules, description="Business filters.")


@dataclass(frozen=True)
class Exposure:
    """How often each catalogue item was shown and clicked (arrays over item indices)."""

    shown: np.ndarray
    clicked: np.ndarray

    @classmethod
    def none(cls, n_items: int) -> Exposure:
        """No item shown yet."""
        return cls(np.zeros(n_items), np.zeros(n_items))


def mmr(
    items: np.ndarray,
    scores: np.ndarray,
    k: int,
    diversity: float,
    similarity: ItemSimilarity,
) -> np.ndarray:
    """Positions (into `items`) of `k` picks by maximal marginal relevance.

    Relevance is the score rescaled to [0, 1] over the pool, so `diversity` means the same
    whatever the ranker's scale.
    """
    k = min(k, len(items))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    span = scores.max() - scores.min()
    relevance = (scores - scores.min()) / span if span > 0 else np.ones(len(scores))
    pairwise = similarity.matrix(np.asarray(items, dtype=np.int64))
    picked = [int(np.argmax(relevance))]
    closest = pairwise[picked[0]].copy()
    available = np.ones(len(items), dtype=bool)
    available[picked[0]] = False
    while len(picked) < k:
        value = (1.0 - diversity) * relevance - diversity * closest
        value[~available] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        available[best] = False
        closest = np.maximum(closest, pairwise[best])
    return np.asarray(picked, dtype=np.int64)


class ItemSimilarity:
    """Similarity between catalogue items: cosine of text vectors, else shared categories."""

    def __init__(
        self,
        vectors: np.ndarray | None = None,
        categories: Sequence[Sequence[str] | None] | None = None,
    ) -> None:
        if vectors is None and categories is None:
            raise ValueError("ItemSimilarity needs item vectors or item categories")
        self.vectors = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        self.categories = None if categories is None else [frozenset(c or ()) for c in categories]

    def matrix(self, items: np.ndarray) -> np.ndarray:
        """Pairwise similarities of `items`, shape (len(items), len(items))."""
        if self.vectors is not None:
            chosen = self.vectors[items]
            return chosen @ chosen.T
        assert self.categories is not None
        sets = [self.categories[i] for i in items]
        return np.array([[_jaccard(a, b) for b in sets] for a in sets], dtype=np.float64)


def explore(
    picks: np.ndarray,
    pool: np.ndarray,
    exposure: Exposure,
    chance: float,
    protected: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """`picks` (item indices) with some slots after the first `protected` replaced, each with
    probability `chance`, by the pool item whose sampled click-through rate
    (Beta(1 + clicks, 1 + shows - clicks)) is highest among those not on the page."""
    page = np.asarray(picks, dtype=np.int64).copy()
    spare = np.setdiff1d(np.asarray(pool, dtype=np.int64), page, assume_unique=False)
    for slot in range(min(protected, len(page)), len(page)):
        if len(spare) == 0 or rng.random() >= chance:
            continue
        shown = exposure.shown[spare]
        clicked = np.minimum(exposure.clicked[spare], shown)
        draws = rng.beta(1.0 + clicked, 1.0 + shown - clicked)
        choice = int(np.argmax(draws))
        page[slot] = spare[choice]
        spare = np.delete(spare, choice)
    return page


class Reranker:
    """Filters, diversifies and explores over one catalogue."""

    def __init__(
        self,
        config: RerankConfig,
        items: pl.DataFrame,
        vectors: np.ndarray | None = None,
    ) -> None:
        self.config = config
        self.allowed = config.rules.allowed(items)
        self.similarity = ItemSimilarity(
            vectors=vectors,
            categories=None if vectors is not None else items["categories"].to_list(),
        )
        self._calls = 0

    def rerank(
        self,
        items: np.ndarray,
        scores: np.ndarray,
        k: int,
        exposure: Exposure | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The page of `k` item indices (and their scores) from a scored pool."""
        items = np.asarray(items, dtype=np.int64)
        scores = np.asarray(scores, dtype=np.float64)
        keep = self.allowed[items]
        items, scores = items[keep], scores[keep]
        if self.config.diversity > 0:
            chosen = mmr(items, scores, k, self.config.diversity, self.similarity)
        else:
            chosen = np.argsort(-scores, kind="stable")[:k]
        page = items[chosen]
        if self.config.exploration > 0 and len(page):
            exposure = exposure or Exposure.none(len(self.allowed))
            page = explore(
                page, items, exposure, self.config.exploration, self.config.protected, self._rng()
            )
        score_of = dict(zip(items.tolist(), scores.tolist(), strict=True))
        return page, np.array([score_of[i] for i in page.tolist()], dtype=np.float64)

    def _rng(self) -> np.random.Generator:
        """Seeded per call (seed, call number): reproducible, yet not the same draw each page."""
        self._calls += 1
        if self.config.seed is None:
            return np.random.default_rng()
        return np.random.default_rng([self.config.seed, self._calls])


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _in_stock(attributes: str | None, key: str, item_id: str) -> bool:
    if not attributes:
        return True
    try:
        parsed = json.loads(attributes)
    except json.JSONDecodeError as error:
        raise DataError(
            f"not valid JSON ({error.msg})", source="items", record=item_id, field="attributes"
        ) from error
    if not isinstance(parsed, dict):
        raise DataError(
            "expected a JSON object", source="items", record=item_id, field="attributes"
        )
    value = parsed.get(key, True)
    if isinstance(value, str):
        return value.strip().lower() not in {"false", "0", "no", "out of stock", "out_of_stock"}
    return bool(value)
