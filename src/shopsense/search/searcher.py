"""`Searcher`: product search from Python.

    searcher = Searcher.build(dataset)
    results = searcher.search("black leather jacket under $200", user="u42", k=10)

A query is parsed (`query_understanding`), the products it may return are narrowed by the
filters it implies and those passed in (review floors included, where the searcher holds the
shop's review signals), BM25 and dense retrieval each propose `depth` candidates, the search
log says which of them shoppers chose in similar past searches (`search_log`), the union is
ranked by the fusion (a trained `LearnedFusion`, else reciprocal-rank fusion), boosted by the
understood constraints it meets and by the aspects its reviews praise that the query asks for
("quiet espresso machine"), and blended with the shopper's interests. Results carry the parsed
query and, per product, the signals that matched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.judgments import JudgedQuery
from shopsense.learning import LambdaMART
from shopsense.reviews.signals import ItemReviewSignals, ReviewFloor
from shopsense.search import candidates as pool
from shopsense.search.candidates import SearchCandidates
from shopsense.search.index import CatalogueIndex, Filters, IndexConfig
from shopsense.search.learned_fusion import LearnedFusion, LearnedFusionConfig
from shopsense.search.personalize import PersonalizationConfig, Personalizer, User
from shopsense.search.query_understanding import ParsedQuery, ParserConfig, QueryParser
from shopsense.search.reviews import ReviewSearch
from shopsense.search.search_log import SearchLog
from shopsense.search.signals import SearchSignals
from shopsense.search.stored import read_json, write_json
from shopsense.text import Encoder

#: Bumped when what `Searcher.save` writes changes incompatibly.
SEARCHER_FORMAT = 1


class SearchLogConfig(BaseModel):
    """What enters the search log, and how the fusion is trained over it."""

    model_config = ConfigDict(extra="forbid")

    min_grade: float = Field(
        2.33,
        description="Smallest judged relevance that makes a product 'chosen' when judged "
        "queries enter the log (Home Depot grades 1-3: 2.33 = at least 'mostly relevant' on "
        "average); lower-graded products were shown, not chosen, and stay out.",
    )
    click_grade: float = Field(
        3.0, description="Grade of a click from the shop's own search log (`Dataset.queries`)."
    )
    folds: int = Field(
        5,
        ge=2,
        description="Judged queries are split into this many folds by a hash of their text; "
        "when the fusion learns, a query's features come from the log without its own fold.",
    )

    @model_validator(mode="after")
    def _clicks_are_choices(self) -> SearchLogConfig:
        if self.click_grade < self.min_grade:
            raise ValueError(
                f"click_grade ({self.click_grade}) is below min_grade ({self.min_grade}): "
                "clicks would never enter the log"
            )
        return self


class SearchConfig(BaseModel):
    """Everything that shapes a search."""

    model_config = ConfigDict(extra="forbid")

    index: IndexConfig = Field(default_factory=IndexConfig, description="What is indexed.")
    parser: ParserConfig = Field(default_factory=ParserConfig, description="Query reading.")
    personalization: PersonalizationConfig = Field(
        default_factory=PersonalizationConfig, description="Blend of the shopper's interests."
    )
    log: SearchLogConfig = Field(
        default_factory=SearchLogConfig, description="The memory of past searches."
    )
    fusion: Literal["learned", "rrf"] = Field(
        "learned",
        description="'learned': the trained LambdaMART fusion where one is trained, else RRF; "
        "'rrf': always reciprocal-rank fusion.",
    )
    depth: int = Field(100, ge=1, description="Candidates taken from each of BM25 and dense.")
    boost_weight: float = Field(
        0.1, ge=0, description="Added per understood colour/material/size/category/brand met."
    )
    low_price_weight: float = Field(
        0.2,
        ge=0,
        description="Added to the cheapest candidate for 'cheap' queries (0 for the "
        "dearest, linear in price rank between).",
    )
    review_weight: float = Field(
        0.5,
        ge=0,
        description="Times the share of the query (idf-weighted) that aspects praised in a "
        "candidate's reviews match, added to its score (0: reviews do not reorder results). "
        "On the demo shop, 'quiet espresso machine' lifts the one machine whose reviews praise "
        "'quiet' from 19th to 4th at 0.5 (1st at 1.0); only products whose reviews were read "
        "for aspects are moved.",
    )


class SearchHit(BaseModel):
    """One product in the results."""

    item_id: str
    title: str
    score: float = Field(description="Final score (fusion, scaled 0-1, plus boosts).")
    signals: SearchSignals = Field(
        description="What matched: lexical/dense rank and score, understood constraints met, "
        "corrected words found, choices in similar past searches, personal affinity."
    )


class SearchResults(BaseModel):
    """The ranked products and how the query was understood."""

    query: ParsedQuery
    hits: list[SearchHit]
    fusion: Literal["learned", "rrf"]
    personalized: bool
    took_ms: float


class Searcher:
    """Hybrid lexical + dense product search over one catalogue."""

    def __init__(
        self,
        index: CatalogueIndex,
        config: SearchConfig | None = None,
        dataset: Dataset | None = None,
        fusion: LearnedFusion | None = None,
        reviews: ItemReviewSignals | None = None,
    ) -> None:
        self.index = index
        self.config = config or SearchConfig()
        self.parser = QueryParser(index, self.config.parser)
        # Queries are nearly all distinct: caching their vectors on disk would only cost time.
        self.query_encoder = Encoder(index.encoder.config.model_copy(update={"cache": False}))
        self.personalizer = Personalizer(index, index.encoder, dataset, self.config.personalization)
        self.learned = fusion
        self.reviews = ReviewSearch(reviews, index) if reviews is not None else None
        """The shop's review signals over the index (None: the searcher knows no reviews)."""
        self.log = SearchLog()
        self.judged_seen: set[str] = set()
        """Texts of the judged queries whose judgments entered the log or a training set (an
        evaluation checks that none of its test queries is among them)."""

    @classmethod
    def build(
        cls,
        dataset: Dataset,
        encoder: Encoder | None = None,
        config: SearchConfig | None = None,
        show_progress: bool = False,
        reviews: ItemReviewSignals | None = None,
    ) -> Searcher:
        """A searcher over the dataset's items; its users' histories personalise results and
        its clicked searches (`Dataset.queries`) fill the search log. `reviews`: the items'
        review signals (default: from the dataset's star ratings, where it has reviews).

        A shop without judged queries can train the fusion on those clicks:
        `searcher.learn_fusion(clicked_searches(dataset))`.
        """
        config = config or SearchConfig()
        encoder = encoder or Encoder(languages=dataset.languages)
        index = CatalogueIndex.build(dataset.items, encoder, config.index, show_progress)
        if reviews is None and dataset.reviews.height:
            reviews = ItemReviewSignals.from_ratings(
                dataset.reviews, dataset.items["item_id"].to_list()
            )
        searcher = cls(index, config, dataset, reviews=reviews)
        searcher.log_judged(clicked_searches(dataset, config.log.click_grade))
        return searcher

    # ---- the API ---------------------------------------------------------------------------
    def search(
        self, query: str, user: User = None, k: int = 10, filters: Filters | None = None
    ) -> SearchResults:
        """The top `k` products for `query`, personalised for `user` (an id or a context)."""
        started = time.perf_counter()
        parsed = self.parser.parse(query)
        vector = self.encode([parsed.search_text or query])[0]
        found = self.candidates(parsed, vector, filters)
        interests = self.personalizer.vector(user)
        scores, signals = self.rank(parsed, found, interests)
        order = np.argsort(-scores, kind="stable")[:k]
        hits = [
            SearchHit(
                item_id=self.index.products[found.slots[i]].item_id,
                title=self.index.products[found.slots[i]].title,
                score=float(scores[i]),
                signals=signals(i),
            )
            for i in order
        ]
        return SearchResults(
            query=parsed,
            hits=hits,
            fusion=self.fusion_used,
            personalized=interests is not None,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def upsert(self, items: pl.DataFrame) -> None:
        """Add or change products (by item id); searchable at once, nothing else rebuilt."""
        self.index.upsert(items)

    def remove(self, item_ids: Sequence[str]) -> None:
        """Take products out of search."""
        self.index.remove(item_ids)

    @property
    def fusion_used(self) -> Literal["learned", "rrf"]:
        """The fusion `search` applies now."""
        return "learned" if self.config.fusion == "learned" and self.learned else "rrf"

    # ---- the steps, public for evaluation and training -------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors (not cached on disk)."""
        return self.query_encoder.encode(list(texts), kind="query")

    def candidates(
        self,
        parsed: ParsedQuery,
        vector: np.ndarray,
        filters: Filters | None = None,
        leave_out: int | None = None,
    ) -> SearchCandidates:
        """The candidate pool of a parsed query within its own and the given filters (the
        log's searches of fold `leave_out` unseen)."""
        mask = self.index.mask(parsed.filters()) & self.index.mask(filters)
        if filters is not None:
            floor = filters.review_floor()
            if not floor.is_empty():
                mask &= self.review_mask(floor)
        lexical = self.index.lexical_scores(parsed.terms, mask)
        return pool.gather(
            self.index, lexical, vector, mask, self.config.depth, self.log, leave_out
        )

    def review_mask(self, floor: ReviewFloor) -> np.ndarray:
        """Per slot, whether the product's reviews meet `floor`; without review signals no
        product has reviews, so only a floor requiring them leaves any out."""
        if self.reviews is None:
            return np.full(self.index.n_slots, not floor.require_reviews)
        return self.reviews.mask(floor)

    def fused(self, parsed: ParsedQuery, found: SearchCandidates) -> np.ndarray:
        """Fusion score per candidate (learned where trained and configured, else RRF)."""
        if self.fusion_used == "learned":
            return self.learned.score(pool.features(parsed, found, self.index))
        return found.rrf

    def rank(
        self, parsed: ParsedQuery, found: SearchCandidates, interests: np.ndarray | None = None
    ) -> tuple[np.ndarray, Callable[[int], SearchSignals]]:
        """Final score per candidate and a function giving the signals of one candidate."""
        fused = self.fused(parsed, found)
        spread = float(fused.max() - fused.min()) if len(fused) else 0.0
        scores = (fused - fused.min()) / spread if spread > 0 else np.ones(len(fused))
        if parsed.boosts():
            boosts = [self._constraints_met(parsed, int(slot))[1] for slot in found.slots]
            scores = scores + self.config.boost_weight * np.asarray(boosts, dtype=float)
        if parsed.prefers_low_price and len(found):
            scores = scores + self.config.low_price_weight * self._cheapness(found.slots)
        praise, praised = np.zeros(len(found)), [[] for _ in range(len(found))]
        if self.reviews is not None and self.config.review_weight > 0:
            praise, praised = self.reviews.praise(parsed.terms, found.slots)
            scores = scores + self.config.review_weight * praise
        affinity = None
        if interests is not None:
            affinity = self.personalizer.affinity(found.slots, interests)
            scores = scores + self.config.personalization.weight * affinity

        def signals(row: int) -> SearchSignals:
            lexical = found.lexical_rank[row] < found.depth
            choices, nearest = found.chosen[row, 0], found.chosen[row, 1]
            words = self.index.match_words[int(found.slots[row])]
            return SearchSignals(
                lexical_rank=int(found.lexical_rank[row]) + 1 if lexical else None,
                lexical_score=round(float(found.lexical[row]), 4) if lexical else None,
                dense_rank=int(found.dense_rank[row]) + 1
                if found.dense_rank[row] < found.depth
                else None,
                dense_cosine=round(float(found.dense[row]), 4),
                constraints=self._constraints_met(parsed, int(found.slots[row]))[0],
                spelling=[
                    f"{typed}->{right}"
                    for typed, right in parsed.corrections.items()
                    if right in words
                ],
                chosen_in_past_searches=round(float(np.expm1(choices))) if choices > 0 else None,
                closest_past_search_cosine=round(float(nearest), 4) if choices > 0 else None,
                personal_affinity=None if affinity is None else round(float(affinity[row]), 4),
                praised_in_reviews=praised[row],
                **self._review_facts(int(found.slots[row])),
            )

        return scores, signals

    def _review_facts(self, slot: int) -> dict[str, int | float | None]:
        """The product's review count and mean rating, where the searcher knows its reviews."""
        if self.reviews is None:
            return {}
        row = int(self.reviews.rows()[slot])
        if row < 0:
            return {"reviews": 0}
        signals = self.reviews.signals
        rating = float(signals.mean_rating[row])
        return {
            "reviews": int(signals.reviews[row]),
            "rating": round(rating, 2) if rating == rating else None,
        }

    def _constraints_met(self, parsed: ParsedQuery, slot: int) -> tuple[dict[str, str], int]:
        """The understood constraints the product meets (as signals) and how many are boosts."""
        product = self.index.products[slot]
        words = self.index.match_words[slot]
        values = {value.lower() for value in product.attributes.values()}
        met: dict[str, str] = {}
        boosts = 0
        for constraint in parsed.constraints:
            kind, value = constraint.kind, constraint.value
            if kind == "price":
                met[kind] = f"{product.price:g}"
                continue
            if kind == "brand":
                hit = product.brand.lower() == value
            elif kind == "category":
                hit = value in {category.lower() for category in product.categories}
            else:
                hit = value in words or value in values
            if hit:
                met[kind] = value
                boosts += constraint.effect == "boost"
        return met, boosts

    def _cheapness(self, slots: np.ndarray) -> np.ndarray:
        prices = self.index.prices[slots]
        known = np.isfinite(prices)
        cheap = np.zeros(len(slots))
        if known.sum() > 1:
            ranks = np.argsort(np.argsort(prices[known], kind="stable"), kind="stable")
            cheap[known] = 1.0 - ranks / (known.sum() - 1)
        return cheap

    # ---- training the learned fusion -------------------------------------------------------
    def learn_fusion(
        self,
        queries: Sequence[JudgedQuery],
        config: LearnedFusionConfig | None = None,
        vectors: np.ndarray | None = None,
        show_progress: bool = False,
    ) -> LearnedFusion:
        """Train the LambdaMART fusion on judged queries (`training_set`) and use it from now
        on. Log them first (`log_judged`) for the fusion to learn to read the search log.

        `vectors` are the queries' vectors if already encoded (else they are encoded here).
        """
        features, gains = self.training_set(queries, vectors, show_progress)
        self.learned = LearnedFusion(config).fit(features, gains)
        return self.learned

    def log_judged(
        self, queries: Sequence[JudgedQuery], vectors: np.ndarray | None = None
    ) -> np.ndarray:
        """Add judged queries to the search log, each in its fold, with the products judged at
        least `min_grade` as its choices; returns the queries' vectors."""
        if vectors is None:
            vectors = self._query_vectors([self.parser.parse(query.text) for query in queries])
        minimum = self.config.log.min_grade
        chosen = [
            {item_id: gain for item_id, gain in query.relevance.items() if gain >= minimum}
            for query in queries
        ]
        self.log.add(vectors, chosen, [self.fold(query.text) for query in queries])
        self.judged_seen.update(query.text for query in queries)
        return vectors

    def training_set(
        self,
        queries: Sequence[JudgedQuery],
        vectors: np.ndarray | None = None,
        show_progress: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Features and judged gains of each query's candidates, for `LearnedFusion.fit`;
        each query sees the search log without its own fold."""
        parsed = [self.parser.parse(query.text) for query in queries]
        vectors = self._query_vectors(parsed) if vectors is None else vectors
        self.judged_seen.update(query.text for query in queries)
        features, gains = [], []
        with Progress(disable=not show_progress, transient=True) as progress:
            task = progress.add_task(f"features of {len(queries):,} queries", total=len(queries))
            for query, understood, vector in zip(queries, parsed, vectors, strict=True):
                found = self.candidates(understood, vector, leave_out=self.fold(query.text))
                features.append(pool.features(understood, found, self.index))
                gains.append(self.gains(query, found))
                progress.advance(task)
        return features, gains

    def _query_vectors(self, parsed: Sequence[ParsedQuery]) -> np.ndarray:
        return self.encode([p.search_text or p.text for p in parsed])

    def fold(self, query: str) -> int:
        """The out-of-fold training fold of a judged query (a hash of its text)."""
        digest = hashlib.sha256(f"fold\x00{query}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.config.log.folds

    def gains(self, query: JudgedQuery, found: SearchCandidates) -> np.ndarray:
        """Judged relevance of each candidate (0 where unjudged)."""
        products = self.index.products
        return np.array([query.relevance.get(products[slot].item_id, 0.0) for slot in found.slots])

    # ---- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the searcher to the directory `path`, one folder per component, as arrays,
        JSON, parquet and the libraries' own index files — no pickle, so loading runs no code
        from the files (review signals, where it has them, in `reviews/`; a searcher saved
        without them loads without them). The query parser is not written: it reads the
        index's vocabulary."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.index.save(path / "index")
        self.log.save(path / "log")
        self.personalizer.save(path / "personalization")
        if self.reviews is not None:
            self.reviews.signals.save(path / "reviews")
        fusion = None
        if self.learned is not None:
            # LightGBM's text model: the rounds after the best are left out.
            fusion = self.learned.config.model_dump(mode="json")
            (path / "fusion.txt").write_text(self.learned.model.to_text())
        write_json(
            path / "searcher.json",
            {
                "format": SEARCHER_FORMAT,
                "config": self.config.model_dump(mode="json"),
                "fusion": fusion,
            },
        )
        return path

    @classmethod
    def load(cls, path: str | Path, dataset: Dataset | None = None) -> Searcher:
        """Read a searcher written by `save`. `dataset`: the shop's data, to personalise for
        shoppers by id (default: the saved catalogue alone, which personalises from the
        history a request passes)."""
        path = Path(path)
        meta = read_json(path / "searcher.json")
        if meta.get("format") != SEARCHER_FORMAT:
            raise ValueError(
                f"{path} holds a searcher of format {meta.get('format')}; this ShopSense "
                f"reads format {SEARCHER_FORMAT}: build and save it again"
            )
        config = SearchConfig.model_validate(meta["config"])
        fusion = None
        if meta["fusion"] is not None:
            fusion = _fusion_from(meta["fusion"], (path / "fusion.txt").read_text())
        reviews = None
        if ItemReviewSignals.saved_in(path / "reviews"):
            reviews = ItemReviewSignals.load(path / "reviews")
        searcher = cls(CatalogueIndex.load(path / "index"), config, fusion=fusion, reviews=reviews)
        searcher.log = SearchLog.load(path / "log")
        searcher.personalizer = Personalizer.load(
            path / "personalization",
            searcher.index,
            searcher.index.encoder,
            config.personalization,
            dataset,
        )
        return searcher


def _fusion_from(config: dict[str, object], text: str) -> LearnedFusion:
    """A trained fusion from its config and its model's `to_text`."""
    fusion = LearnedFusion(LearnedFusionConfig.model_validate(config))
    fusion.model = LambdaMART.from_text(text, fusion.config)
    return fusion


def clicked_searches(
    dataset: Dataset, grade: float = SearchLogConfig.model_fields["click_grade"].default
) -> list[JudgedQuery]:
    """The dataset's searches that led to clicks, each click judged `grade` (clicks as
    relevance: what a shop without human judgments learns from)."""
    clicked = dataset.queries.filter(pl.col("clicked").list.len() > 0)
    return [
        JudgedQuery(text, dict.fromkeys(items, grade))
        for text, items in zip(clicked["text"], clicked["clicked"], strict=True)
    ]
