"""Search evaluation on judged queries (DESIGN.md §3, "Search").

Protocol: every query ranks the WHOLE catalogue; NDCG@10 uses the judged mean relevance as the
gain (linear) and counts unjudged products as not relevant; queries are split into a dev half
(training of the learned fusion) and a test half by a seeded hash of the query text, so the
split never depends on file order. Methods: `bm25` (the lexical index alone, query as typed),
`bm25_spelling` (the same after query understanding and spelling correction), `dense` (the
encoder alone, query as typed), `rrf` (the full search pipeline with reciprocal-rank fusion),
`hybrid_no_log` (the full pipeline with a LambdaMART fusion trained on the dev queries over the
text signals alone) and `hybrid` (the same fusion also reading the search log).
The search log holds the dev queries only (their products judged >= `SearchLogConfig.min_grade`,
the stand-in for a shop's clicks); while the fusion trains, each dev query sees the log without
its own fold, and no test judgment ever enters it.
`typos` repeats the test half with one random character edit in one word of each query.
"""

from __future__ import annotations

import hashlib
import math
import string
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rich.progress import Progress

from shopsense.data.judgments import JudgedCatalogue, JudgedQuery
from shopsense.evaluation.guards import check_search_split
from shopsense.evaluation.resources import measure
from shopsense.retrieval.base import top_k
from shopsense.search.adaptation import AdaptationConfig, adapted_encoder
from shopsense.search.candidates import FEATURES
from shopsense.search.index import products_from_frame
from shopsense.search.learned_fusion import LearnedFusion, LearnedFusionConfig
from shopsense.search.search_log import LOG_FEATURES
from shopsense.search.searcher import SearchConfig, Searcher
from shopsense.text import Encoder

METHODS = ("bm25", "bm25_spelling", "dense", "rrf", "hybrid_no_log", "hybrid")
RERANKING_NOTE = (
    "No cross-encoder re-ranking: no cross-encoder model ships inside any package installable "
    "here and nothing may be downloaded at run time (shared/ENVIRONMENT.md), so the learned "
    "LambdaMART fusion is the last ranking stage."
)


class SearchEvalConfig(BaseModel):
    """The search evaluation protocol."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(10, ge=1, description="Cut-off of NDCG.")
    test_fraction: float = Field(0.5, gt=0, lt=1, description="Share of queries in the test half.")
    split_seed: int = Field(0, description="Seed of the query hash that splits dev/test.")
    typos: bool = Field(False, description="Also evaluate the test half with one typo per query.")
    typo_seed: int = Field(0, description="Seed of the typo generator.")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Search settings.")
    adapt_encoder: bool = Field(
        False,
        description="Fine-tune the encoder on the dev queries before the index is built "
        "(`search.adaptation`; ~25 min per 17k pairs on 2 CPU cores, then cached); "
        "False: the stock encoder.",
    )
    adaptation: AdaptationConfig = Field(
        default_factory=AdaptationConfig, description="How the encoder is fine-tuned."
    )


def in_test_half(text: str, fraction: float, seed: int) -> bool:
    """Whether a query belongs to the test half: a seeded hash of its text, not file order."""
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < fraction


def split_queries(
    queries: Sequence[JudgedQuery], fraction: float, seed: int
) -> tuple[list[JudgedQuery], list[JudgedQuery]]:
    """(dev, test) halves of the judged queries."""
    dev, test = [], []
    for query in queries:
        (test if in_test_half(query.text, fraction, seed) else dev).append(query)
    return dev, test


def ndcg(ranked: Sequence[str], relevance: dict[str, float], k: int) -> float:
    """NDCG@k with linear gains; the ideal ranking orders every judged product by gain."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = [relevance.get(item_id, 0.0) for item_id in ranked[:k]]
    dcg = float(np.dot(gains, discounts[: len(gains)]))
    ideal = sorted(relevance.values(), reverse=True)[:k]
    best = float(np.dot(ideal, discounts[: len(ideal)]))
    return dcg / best if best > 0 else 0.0


def add_typo(text: str, rng: np.random.Generator) -> str:
    """`text` with one random character edit (delete, insert, substitute or swap neighbours) in
    one random alphabetic word of 3+ letters (any word if none is that long)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    candidates = candidates or [i for i, w in enumerate(words) if w]
    if not candidates:
        return text
    index = candidates[rng.integers(len(candidates))]
    word = words[index]
    letters = string.ascii_lowercase
    position = int(rng.integers(len(word)))
    edit = rng.choice(["delete", "insert", "substitute", "swap"] if len(word) > 1 else ["insert"])
    if edit == "delete":
        word = word[:position] + word[position + 1 :]
    elif edit == "insert":
        word = word[:position] + letters[rng.integers(26)] + word[position:]
    elif edit == "substitute":
        others = [c for c in letters if c != word[position].lower()]
        word = word[:position] + others[rng.integers(len(others))] + word[position + 1 :]
    else:
        position = min(position, len(word) - 2)
        word = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    words[index] = word
    return " ".join(words)


def evaluate_search(
    catalogue: JudgedCatalogue,
    config: SearchEvalConfig | None = None,
    encoder: Encoder | None = None,
    show_progress: bool = False,
    save_to: Path | None = None,
) -> dict[str, object]:
    """Fine-tune the encoder on the dev half (if configured), build the search index over the
    whole catalogue, log the dev half, train the learned fusions on it (with and without the
    log's features) and report NDCG@k of every method on the test half (and with typos, if
    asked).

    `save_to`: also write the trained searcher there (for latency benchmarks and serving).
    """
    config = config or SearchEvalConfig()
    dev, test = split_queries(catalogue.queries, config.test_fraction, config.split_seed)
    encoder = encoder or Encoder(languages=catalogue.dataset.languages)
    started = time.perf_counter()
    if config.adapt_encoder:
        products = list(products_from_frame(catalogue.dataset.items))
        encoder = adapted_encoder(
            encoder, dev, products, config.search.index, config.adaptation, show_progress
        )
    adapt_seconds = time.perf_counter() - started
    searcher, build = measure(
        lambda: Searcher.build(catalogue.dataset, encoder, config.search, show_progress)
    )

    started = time.perf_counter()
    vectors = searcher.log_judged(dev)
    features, gains = searcher.training_set(dev, vectors, show_progress)
    searcher.learned = LearnedFusion().fit(features, gains)
    text_only = LearnedFusionConfig(features=[f for f in FEATURES if f not in LOG_FEATURES])
    without_log = LearnedFusion(text_only).fit(features, gains)
    train_seconds = time.perf_counter() - started

    check_search_split(dev, test, searcher.judged_seen)
    if save_to is not None:
        searcher.save(save_to)
    clean = _run_methods(searcher, without_log, test, config.k, show_progress, "test queries")
    report: dict[str, object] = {
        "methods": {name: {f"ndcg@{config.k}": value} for name, value in clean.items()},
        "hybrid_over_bm25": _ratio(clean["hybrid"], clean["bm25"]),
        "hybrid_no_log_over_bm25": _ratio(clean["hybrid_no_log"], clean["bm25"]),
        "rrf_over_bm25": _ratio(clean["rrf"], clean["bm25"]),
        "protocol": {
            "name": "search: judged queries, full-catalogue retrieval",
            "dataset": catalogue.dataset.name,
            "products": catalogue.dataset.n_items,
            "queries": {"dev": len(dev), "test": len(test)},
            "metric": f"NDCG@{config.k}, gain = judged mean relevance, unjudged = 0",
            "split": f"sha256(seed={config.split_seed}, query) < {config.test_fraction} -> test",
            "encoder": encoder.config.model_name,
            "encoder_adaptation": (
                "fine-tuned on the dev queries' (query, product judged >= "
                f"{config.adaptation.min_relevance}) pairs, in-batch negatives"
                if config.adapt_encoder
                else "none (stock encoder)"
            ),
            "fusion_training": "LambdaMART on the dev queries (20% held back for early stopping)",
            "search_log": (
                f"the dev queries, their products judged >= {config.search.log.min_grade} as "
                f"choices; {config.search.log.folds} folds, each dev query's features read the "
                "log without its own fold; test judgments never enter it"
            ),
            "reported_on": "test queries",
        },
        "fusion": {
            "best_iteration": searcher.learned.best_iteration,
            "feature_importance": searcher.learned.importance(),
            "without_log_best_iteration": without_log.best_iteration,
        },
        "reranking": RERANKING_NOTE,
        "timing": {
            "encoder_adaptation_seconds": round(adapt_seconds, 2),
            "index_build_seconds": round(build.seconds, 2),
            "index_build_peak_memory_mb": round(build.peak_memory_mb, 1),
            "fusion_training_seconds": round(train_seconds, 2),
        },
        "config": config.model_dump(mode="json"),
    }
    if config.typos:
        rng = np.random.default_rng(config.typo_seed)
        typo_queries = [
            JudgedQuery(text=add_typo(query.text, rng), relevance=query.relevance) for query in test
        ]
        noisy = _run_methods(
            searcher, without_log, typo_queries, config.k, show_progress, "typo queries"
        )
        report["typos"] = {
            "edit": "one random delete/insert/substitute/swap in one alphabetic word (3+ letters)",
            "seed": config.typo_seed,
            "examples": [[q.text, t.text] for q, t in zip(test[:5], typo_queries[:5], strict=True)],
            "methods": {name: {f"ndcg@{config.k}": value} for name, value in noisy.items()},
            "kept": {name: _ratio(noisy[name], clean[name]) for name in METHODS},
        }
    return report


def _run_methods(
    searcher: Searcher,
    without_log: LearnedFusion,
    queries: Sequence[JudgedQuery],
    k: int,
    show_progress: bool,
    label: str,
) -> dict[str, float]:
    """Mean NDCG@k of every method over `queries` (`without_log`: the fusion of
    `hybrid_no_log`)."""
    index = searcher.index
    live = index.mask(None)
    parsed = [searcher.parser.parse(query.text) for query in queries]
    typed_vectors = searcher.encode([query.text for query in queries])
    search_vectors = searcher.encode([p.search_text or p.text for p in parsed])
    ids = np.array([p.item_id if p is not None else "" for p in index.products], dtype=object)
    totals = dict.fromkeys(METHODS, 0.0)

    def add(method: str, ranked_slots: np.ndarray, query: JudgedQuery) -> None:
        totals[method] += ndcg(list(ids[ranked_slots]), query.relevance, k)

    learned = searcher.learned
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task(f"ranking {len(queries):,} {label}", total=len(queries))
        for query, understood, typed, vector in zip(
            queries, parsed, typed_vectors, search_vectors, strict=True
        ):
            typed_terms = index.analyzer.analyze(query.text)
            add("bm25", _top(index.lexical_scores(typed_terms, live), k), query)
            add("bm25_spelling", _top(index.lexical_scores(understood.terms, live), k), query)
            add("dense", index.dense_search(typed, k, live)[0], query)
            found = searcher.candidates(understood, vector)
            for method, fusion in (
                ("rrf", None),
                ("hybrid_no_log", without_log),
                ("hybrid", learned),
            ):
                searcher.learned = fusion
                scores, _ = searcher.rank(understood, found)
                add(method, found.slots[np.argsort(-scores, kind="stable")[:k]], query)
            searcher.learned = learned
            progress.advance(task)
    return {method: total / max(len(queries), 1) for method, total in totals.items()}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    best = top_k(scores, k)
    return best[scores[best] > 0]


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 4) if denominator > 0 else math.nan


__all__: list[str] = [
    "METHODS",
    "RERANKING_NOTE",
    "SearchEvalConfig",
    "add_typo",
    "evaluate_search",
    "in_test_half",
    "ndcg",
    "split_queries",
]
