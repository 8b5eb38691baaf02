"""Re-ranking a scored list for the shop window: business filters, page rules, diversity and
exploration.

The served cascade (`shopsense.ranking.cascade.Recommender`) ranks a pool larger than the page
(`RerankConfig.pool_factor` times `k`) and a `Reranker` picks the page from it, so that what the
filters drop is refilled from further down; offline evaluation does not re-rank (these trade
accuracy for other goals; `benchmarks/bench_diversity.py` measures the trade). In order:
- `BusinessRules` drop items the shop will not show (excluded ids, out of stock, price range);
- same-title de-duplication drops an item titled like one in the shopper's history (the
  product under another id: a reason never reads "because you viewed" the item's own title)
  and keeps only the first of several items with one title on a page;
- a per-brand cap (`max_per_brand`) keeps at most that many items of one brand on a page;
- `mmr` picks items by maximal marginal relevance: relevance minus `diversity` times the
  greatest similarity to an item already picked (text vectors, or shared categories);
- `promotion` blends relevance with the items' business value and caps the share of promoted
  items on a page (`shopsense.ranking.promotion`); it acts only where items have a value
  (`Reranker.promote`, e.g. the shop's running promotions);
- `explore` gives some slots, with a seeded probability, to items shown less often, drawn by
  Thompson sampling from their click-through posteriors (fewer shows, wider posterior).
With the defaults and no promoted item only de-duplication acts: a list without repeated titles
keeps its order.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.errors import DataError
from shopsense.ranking.promotion import PromotionConfig, blend, promoted_limit

#: Whether the item at a pool position may join the page of the positions picked so far.
Fits = Callable[[int, Sequence[int]], bool]
#: Whether an item (index) may join a page (item indices) under the page rules.
MayJoin = Callable[[int, np.ndarray], bool]


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

    def filters(self) -> bool:
        """Whether any rule can drop an item."""
        return bool(
            self.exclude_items
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock_only
        )


class RerankConfig(BaseModel):
    """How a page is picked from the ranked pool: filters, page rules, variety, discovery."""

    model_config = ConfigDict(extra="forbid")

    diversity: float = Field(
        0.0,
        ge=0,
        le=1,
        description="MMR weight of novelty against relevance (0: keep the ranker's order; "
        "1: only novelty after the first item).",
    )
    exploration: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance that each open slot goes to an exploration pick (0: none; above "
        "0 every list is drawn afresh, so none is computed ahead).",
    )
    protected: int = Field(1, ge=0, description="Leading slots never given to exploration picks.")
    seed: int | None = Field(
        0, description="Seed of exploration draws (None: fresh randomness per call)."
    )
    rules: BusinessRules = Field(default_factory=BusinessRules, description="Business filters.")
    dedup_titles: bool = Field(
        True,
        description="Never show two items with the same normalised title on a page, nor an "
        "item titled like one in the shopper's history (the first, best-ranked one stays).",
    )
    max_per_brand: int | None = Field(
        None, ge=1, description="At most this many items of one brand on a page (None: no cap)."
    )
    pool_factor: int = Field(
        3,
        ge=1,
        description="The cascade ranks `pool_factor * k` items for a page of `k`, so that items "
        "the rules drop are replaced from further down.",
    )
    promotion: PromotionConfig = Field(
        default_factory=PromotionConfig,
        description="Blend of relevance with business value (promotions' lift) under a cap on "
        "promoted items per page; acts only where items have a value.",
    )

    def acts(self) -> bool:
        """Whether re-ranking can change a list without promoted items (False: the ranker's
        top `k` as they are)."""
        return bool(
            self.dedup_titles
            or self.max_per_brand is not None
            or self.diversity > 0
            or self.exploration > 0
            or self.rules.filters()
        )

    def fingerprint(self) -> str:
        """A short digest of the settings but the promotion ("" where re-ranking changes
        nothing): lists computed ahead under other settings are never served under these."""
        if not self.acts():
            return ""
        text = json.dumps(self.model_dump(mode="json", exclude={"promotion"}), sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class BusinessValues:
    """Business value per catalogue item (>= 0; > 0: promoted) and its digest."""

    values: np.ndarray
    digest: str

    @classmethod
    def of(cls, values: np.ndarray) -> BusinessValues:
        """Values (negative ones count as 0) with their digest."""
        values = np.clip(np.asarray(values, dtype=np.float64), 0.0, None)
        values.flags.writeable = False
        return cls(values, hashlib.blake2b(values.tobytes(), digest_size=8).hexdigest())


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
    similarity: ItemSimilarity | None,
    fits: Fits | None = None,
) -> np.ndarray:
    """Positions (into `items`) of up to `k` picks by maximal marginal relevance.

    Relevance is the score rescaled to [0, 1] over the pool, so `diversity` means the same
    whatever the ranker's scale. `fits` (optional) vetoes a position given the positions picked
    so far (page rules); a vetoed position is passed over and the next best taken. With
    `diversity` 0 the picks are the pool by score (ties in pool order) and `similarity` is not
    read.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if min(k, len(items)) <= 0:
        return np.empty(0, dtype=np.int64)
    span = scores.max() - scores.min()
    relevance = (scores - scores.min()) / span if span > 0 else np.ones(len(scores))
    pairwise = None
    if diversity > 0:
        if similarity is None:
            raise ValueError("mmr with diversity > 0 needs an item similarity")
        pairwise = similarity.matrix(np.asarray(items, dtype=np.int64))
    closest = np.zeros(len(items))
    available = np.ones(len(items), dtype=bool)
    picked: list[int] = []
    while len(picked) < k and available.any():
        value = relevance if pairwise is None else (1.0 - diversity) * relevance
        if pairwise is not None and picked:
            value = value - diversity * closest
        value = np.where(available, value, -np.inf)
        best = int(np.argmax(value))
        available[best] = False
        if fits is not None and not fits(best, picked):
            continue
        picked.append(best)
        if pairwise is not None:
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
    admissible: Callable[[np.ndarray, int, np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """`picks` (item indices) with some slots after the first `protected` replaced, each with
    probability `chance`, by the pool item whose sampled click-through rate
    (Beta(1 + clicks, 1 + shows - clicks)) is highest among those not on the page.
    `admissible(page, slot, spare)` (optional) masks the spare items that may take `slot`."""
    page = np.asarray(picks, dtype=np.int64).copy()
    spare = np.setdiff1d(np.asarray(pool, dtype=np.int64), page, assume_unique=False)
    for slot in range(min(protected, len(page)), len(page)):
        if len(spare) == 0 or rng.random() >= chance:
            continue
        candidates = np.flatnonzero(
            np.ones(len(spare), dtype=bool) if admissible is None else admissible(page, slot, spare)
        )
        if not len(candidates):
            continue
        shown = exposure.shown[spare[candidates]]
        clicked = np.minimum(exposure.clicked[spare[candidates]], shown)
        draws = rng.beta(1.0 + clicked, 1.0 + shown - clicked)
        choice = int(candidates[np.argmax(draws)])
        page[slot] = spare[choice]
        spare = np.delete(spare, choice)
    return page


class Reranker:
    """Filters, de-duplicates, caps brands, diversifies and explores over one catalogue."""

    def __init__(
        self,
        config: RerankConfig,
        items: pl.DataFrame,
        vectors: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> None:
        """`items`: the conformed catalogue (row = item index); `vectors`: unit text vectors
        per item for diversity (else shared categories are the similarity); `values`: business
        value per item (`promote`; default none)."""
        self.config = config
        self.business = BusinessValues.of(np.zeros(len(items)) if values is None else values)
        self.allowed = config.rules.allowed(items)
        self.titles = _keys(items["title"].to_list() if config.dedup_titles else None, len(items))
        """Normalised title per item as an integer key (-1: no title, never a duplicate)."""
        self.brands = _keys(
            items["brand"].to_list() if config.max_per_brand is not None else None, len(items)
        )
        """Normalised brand per item as an integer key (-1: no brand, never capped)."""
        self.similarity: ItemSimilarity | None = None
        if config.diversity > 0:
            self.similarity = ItemSimilarity(
                vectors=vectors,
                categories=None if vectors is not None else items["categories"].to_list(),
            )
        self._calls = 0

    def promote(self, values: np.ndarray) -> None:
        """Use `values` (business value per catalogue item, > 0: promoted) from now on."""
        values = np.asarray(values)
        if values.shape != self.business.values.shape:
            raise ValueError(
                f"business values must cover the {len(self.business.values)} items, "
                f"got shape {values.shape}"
            )
        self.business = BusinessValues.of(values)

    @property
    def promoting(self) -> bool:
        """Whether the promotion blend acts (a weight above 0 and some promoted item)."""
        return self.promotes(None)

    def promotes(self, values: np.ndarray | None) -> bool:
        """Whether the blend acts with `values` (one request's business values; None: the
        shared ones, `promote`)."""
        chosen = self.business.values if values is None else values
        return self.config.promotion.weight > 0 and bool(chosen.any())

    def acts(self, values: np.ndarray | None = None) -> bool:
        """Whether re-ranking can change a list (False: the ranker's top `k` as they are);
        `values`: the request's business values (None: the shared ones)."""
        return self.config.acts() or self.promotes(values)

    def fingerprint(self) -> str:
        """A digest of what re-ranking reads ("" where it changes nothing): the settings and,
        while promoting, the promotion settings and the business values."""
        plain = self.config.fingerprint()
        if not self.promoting:
            return plain
        promotion = json.dumps(self.config.promotion.model_dump(mode="json"), sort_keys=True)
        text = f"{plain}:{promotion}:{self.business.digest}"
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def pool_size(self, k: int, values: np.ndarray | None = None) -> int:
        """How many ranked items a page of `k` is picked from (`values`: as in `acts`)."""
        return k * self.config.pool_factor if self.acts(values) else k

    def select(
        self,
        items: np.ndarray,
        scores: np.ndarray,
        k: int,
        history: np.ndarray | None = None,
        exposure: Exposure | None = None,
        values: np.ndarray | None = None,
    ) -> np.ndarray:
        """Positions (into the pool `items`, scored `scores`) of the page of up to `k`, in page
        order. `history`: the shopper's item indices (their titles are not shown again);
        `values`: this request's business value per catalogue item (None: the shared ones)."""
        items = np.asarray(items, dtype=np.int64)
        scores = np.asarray(scores, dtype=np.float64)
        keep = self.allowed[items]
        if self.config.dedup_titles and history is not None and len(history):
            seen = self.titles[np.asarray(history, dtype=np.int64)]
            keep &= ~np.isin(self.titles[items], seen[seen >= 0])
        eligible = np.flatnonzero(keep)
        pool = items[eligible]
        relevance = scores[eligible]
        may_join: MayJoin | None = None
        if self.promotes(values) and len(pool):
            value = (self.business.values if values is None else values)[pool]
            relevance = blend(relevance, value, k, self.config.promotion)
            may_join = self._capped(pool[value > 0], promoted_limit(self.config.promotion, k))
        chosen = mmr(
            pool,
            relevance,
            k,
            self.config.diversity,
            self.similarity,
            self._fits(pool, may_join),
        )
        page = pool[chosen]
        if self.config.exploration > 0 and len(page):
            page = explore(
                page,
                pool,
                exposure or Exposure.none(len(self.allowed)),
                self.config.exploration,
                self.config.protected,
                self._rng(),
                self._admissible(may_join or self._may_join),
            )
            position = {item: p for p, item in zip(eligible.tolist(), pool.tolist(), strict=True)}
            return np.array([position[item] for item in page.tolist()], dtype=np.int64)
        return eligible[chosen]

    def rerank(
        self,
        items: np.ndarray,
        scores: np.ndarray,
        k: int,
        exposure: Exposure | None = None,
        history: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The page of `k` item indices (and their scores) from a scored pool."""
        items = np.asarray(items, dtype=np.int64)
        scores = np.asarray(scores, dtype=np.float64)
        chosen = self.select(items, scores, k, history, exposure)
        return items[chosen], scores[chosen]

    def _fits(self, pool: np.ndarray, may_join: MayJoin | None) -> Fits | None:
        """The page rules over pool positions (`may_join`; None: the title and brand rules),
        None where there are none."""
        if may_join is None:
            if not self.config.dedup_titles and self.config.max_per_brand is None:
                return None
            may_join = self._may_join

        def fits(position: int, picked: Sequence[int]) -> bool:
            return may_join(int(pool[position]), pool[list(picked)])

        return fits

    def _capped(self, promoted: np.ndarray, limit: int) -> MayJoin:
        """The page rules with at most `limit` of the `promoted` items on a page."""

        def may_join(item: int, page: np.ndarray) -> bool:
            if item in promoted and int(np.isin(page, promoted).sum()) >= limit:
                return False
            return self._may_join(item, page)

        return may_join

    def _may_join(self, item: int, page: np.ndarray) -> bool:
        """Whether `item` may join the items `page` under the title and brand rules."""
        title = self.titles[item]
        if self.config.dedup_titles and title >= 0 and (self.titles[page] == title).any():
            return False
        cap, brand = self.config.max_per_brand, self.brands[item]
        return cap is None or brand < 0 or int((self.brands[page] == brand).sum()) < cap

    @staticmethod
    def _admissible(may_join: MayJoin) -> Callable[[np.ndarray, int, np.ndarray], np.ndarray]:
        """Which spare items may take a slot of a page under the page rules `may_join`."""

        def admissible(page: np.ndarray, slot: int, spare: np.ndarray) -> np.ndarray:
            others = np.delete(page, slot)
            return np.array([may_join(int(item), others) for item in spare], dtype=bool)

        return admissible

    def _rng(self) -> np.random.Generator:
        """Seeded per call (seed, call number): reproducible, yet not the same draw each page."""
        self._calls += 1
        if self.config.seed is None:
            return np.random.default_rng()
        return np.random.default_rng([self.config.seed, self._calls])


def normalise_title(title: str | None) -> str:
    """The form in which two titles count as the same: Unicode-normalised, case-folded, runs of
    whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", title or "").casefold().split())


def _keys(values: Sequence[str | None] | None, n: int) -> np.ndarray:
    """An integer key per value (equal normalised text, equal key); -1 for empty ones (and
    for every item where `values` is None: the rule is off)."""
    keys = np.full(n, -1, dtype=np.int64)
    if values is None:
        return keys
    ids: dict[str, int] = {}
    for row, value in enumerate(values):
        text = normalise_title(value)
        if text:
            keys[row] = ids.setdefault(text, len(ids))
    return keys


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
