"""Measure what MMR diversity costs and buys on Amazon Beauty, and record it in BENCHMARKS.md.

    python benchmarks/bench_diversity.py --section diversity

fits the recommended model (`best`) on the leave-one-out training data (as `shopsense evaluate`
does), takes each test user's top `--pool` items (full ranking, history excluded), picks a page
of 10 from that pool with the served re-ranker (`shopsense.ranking.rerank.Reranker`) for each
setting, and reports, side by side from one fit, NDCG@10, Recall@10, coverage@10 and ILD@10:
the intra-list diversity, mean pairwise (1 - cosine) of the page's item text vectors (the
fusion's own `features.item_vectors`, which MMR also uses as its similarity). The last row is
the served default (λ = 0 with same-title de-duplication).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section
from scipy.stats import binomtest

from shopsense.data.loaders import load
from shopsense.data.splits import EvalCases, leave_one_out
from shopsense.evaluation.guards import fit_on_training_view
from shopsense.evaluation.metrics import coverage, ndcg_at, recall_at
from shopsense.evaluation.resources import measure
from shopsense.evaluation.runner import contexts_for
from shopsense.ranking.fusion import FusionRetriever
from shopsense.ranking.registry import create
from shopsense.ranking.rerank import RerankConfig, Reranker
from shopsense.retrieval.base import SCORE_CHUNK

K = 10
BEAUTY = "amazon-beauty-2014-5core"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=Path("../shared/data/amazon-beauty-2014-5core")
    )
    parser.add_argument("--lambdas", default="0,0.1,0.3", help="MMR diversity weights")
    parser.add_argument("--pool", type=int, default=50, help="ranked items a page is picked from")
    parser.add_argument(
        "--users", type=int, default=0, help="a seeded sample of this many test users (0: all)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--section", default="diversity", help="BENCHMARKS.md section to write")
    args = parser.parse_args()

    load_start = os.getloadavg()
    dataset = load(args.data)
    split = leave_one_out(dataset)
    cases = _sample(split.test, args.users, args.seed)
    model = create("best")
    _, usage = measure(
        lambda: fit_on_training_view(model, split.train, split.validation, split.test, dataset)
    )
    assert isinstance(model, FusionRetriever) and model.features.item_vectors is not None
    vectors = _unit(model.features.item_vectors)
    print(f"fitted best in {usage.seconds:.0f}s; ranking {len(cases):,} test users", flush=True)

    settings = [(f"MMR λ = {float(value):g}", float(value)) for value in args.lambdas.split(",")]
    variants = [
        (label, RerankConfig(diversity=value, dedup_titles=False)) for label, value in settings
    ]
    variants.append(("MMR λ = 0 + same-title de-duplication (served default)", RerankConfig()))
    rerankers = [Reranker(config, dataset.items, vectors) for _, config in variants]
    pages = [np.empty((len(cases), K), dtype=np.int64) for _ in variants]
    lengths = [np.zeros(len(cases), dtype=np.int64) for _ in variants]
    seconds = [0.0 for _ in variants]
    full_ranks = np.empty(len(cases), dtype=np.int64)
    contexts = contexts_for(cases, dataset)
    started = time.perf_counter()
    for start in range(0, len(cases), SCORE_CHUNK):
        stop = min(start + SCORE_CHUNK, len(cases))
        scores = model.tie_broken(model.score(contexts[start:stop]))
        for row, case in enumerate(range(start, stop)):
            scores[row, cases.histories[case]] = -np.inf
        targets = scores[np.arange(stop - start), cases.targets[start:stop]]
        full_ranks[start:stop] = (scores > targets[:, None]).sum(axis=1)
        pools = _top(scores, args.pool)
        for row, case in enumerate(range(start, stop)):
            pool = pools[row]
            for variant, reranker in enumerate(rerankers):
                began = time.perf_counter()
                chosen = reranker.select(pool, scores[row, pool], K, cases.histories[case])
                seconds[variant] += time.perf_counter() - began
                pages[variant][case, : len(chosen)] = pool[chosen]
                lengths[variant][case] = len(chosen)
        print(f"  {stop:,}/{len(cases):,} users", flush=True)
    scoring_seconds = time.perf_counter() - started

    rows = []
    baseline = _page_ranks(pages[0], lengths[0], cases.targets) < K
    for variant, (label, _) in enumerate(variants):
        page, length = pages[variant], lengths[variant]
        ranks = _page_ranks(page, length, cases.targets)
        gained, lost = int((ranks < K)[~baseline].sum()), int(baseline[ranks >= K].sum())
        shown = [items[:n] for items, n in zip(page, length, strict=True)]
        rows.append(
            [
                label,
                f"{ndcg_at(ranks, K):.4f}",
                f"{recall_at(ranks, K):.4f}",
                f"{_ild(page, length, vectors):.4f}",
                f"{coverage(shown, dataset.n_items):.4f}",
                f"+{gained} / -{lost}" if variant else "-",
                f"{binomtest(gained, gained + lost).pvalue:.3f}" if gained + lost else "-",
                f"{1000 * seconds[variant] / len(cases):.2f}",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    load_end = os.getloadavg()
    sample = (
        f"a seeded (seed {args.seed}) random sample of {len(cases):,} of the "
        f"{len(split.test):,} test users"
        if len(cases) < len(split.test)
        else f"all {len(cases):,} test users"
    )
    body = "\n".join(
        [
            f"## Diversity (MMR) on {dataset.name}",
            "",
            "```",
            command_line(),
            "```",
            "",
            machine_line(),
            f"Protocol: leave-one-out, {sample}; `best` fitted once on the training data "
            f"({usage.seconds:.0f} s, peak RSS growth {usage.peak_memory_mb:.0f} MiB). Each "
            f"user's top {args.pool} items (full ranking, history excluded) form the pool; the "
            f"served re-ranker picks a page of {K} from it. MMR's similarity and ILD@{K} (mean "
            "pairwise 1 - cosine over the page) use the fusion's item text vectors. Without "
            "re-ranking (first row) the metrics are those of the full ranking: NDCG@10 "
            f"{ndcg_at(full_ranks, K):.4f}, Recall@10 {recall_at(full_ranks, K):.4f}. Hits "
            "gained / lost: test users whose target enters / leaves the top 10 against the "
            "first row; the sign test asks whether the two counts differ by chance.",
            "",
            markdown_table(
                [
                    "setting",
                    "NDCG@10",
                    "Recall@10",
                    "ILD@10",
                    "coverage@10",
                    "hits gained / lost vs first row",
                    "sign test p",
                    "re-rank ms/user",
                ],
                rows,
            ),
            "",
            f"Scoring and re-ranking took {scoring_seconds:.0f} s. Load average (1, 5, 15 min) "
            f"at start {_loads(load_start)}, at end {_loads(load_end)} (above 2 the two CPUs "
            "were shared with other jobs: times are upper bounds).",
        ]
    )
    write_section(args.section, body)


def _sample(cases: EvalCases, users: int, seed: int) -> EvalCases:
    """A seeded sample of `users` cases, in their original order (all of them for 0)."""
    if users <= 0 or users >= len(cases):
        return cases
    mask = np.zeros(len(cases), dtype=bool)
    mask[np.random.default_rng(seed).choice(len(cases), size=users, replace=False)] = True
    return cases.subset(mask)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's `k` best items, best first (history rows are -inf and sort last)."""
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _page_ranks(pages: np.ndarray, lengths: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The target's 0-based position on each page; `K` (a miss) where it is not on it."""
    ranks = np.full(len(targets), K, dtype=np.int64)
    for case, (page, length) in enumerate(zip(pages, lengths, strict=True)):
        hits = np.flatnonzero(page[:length] == targets[case])
        if len(hits):
            ranks[case] = hits[0]
    return ranks


def _ild(pages: np.ndarray, lengths: np.ndarray, vectors: np.ndarray) -> float:
    """Mean over pages of the mean pairwise (1 - cosine) of their items' vectors."""
    values = []
    for page, length in zip(pages, lengths, strict=True):
        if length < 2:
            continue
        chosen = vectors[page[:length]]
        similarity = chosen @ chosen.T
        upper = np.triu_indices(length, 1)
        values.append(float(np.mean(1.0 - similarity[upper])))
    return float(np.mean(values)) if values else 0.0


def _loads(loads: tuple[float, float, float]) -> str:
    return ", ".join(f"{load:.1f}" for load in loads)


if __name__ == "__main__":
    main()
