"""Full-ranking evaluation of a fitted retriever on held-out cases (DESIGN.md §3).

Every catalogue item is ranked; the items in the case's history are excluded; no sampled
negatives. The target's rank is exact: the number of items scored strictly above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.evaluation.metrics import DEFAULT_KS, coverage, ranking_metrics
from shopsense.retrieval.base import SCORE_CHUNK, Retriever, UserContext

#: Length of each stored ranking (the `--rankings` dump) — enough to recheck any metric @<=100.
RANKED_LENGTH = 100


@dataclass(frozen=True)
class CaseResults:
    """Per case: the target's 0-based rank and the top-`RANKED_LENGTH` item indices."""

    ranks: np.ndarray
    rankings: np.ndarray


def contexts_for(cases: EvalCases, dataset: Dataset | None = None) -> list[UserContext]:
    """One `UserContext` per case (with the shop's user id when `dataset` is given)."""
    user_ids = dataset.user_ids if dataset is not None else None
    return [
        UserContext(history=history, user_id=None if user_ids is None else str(user_ids[user]))
        for user, history in zip(cases.users, cases.histories, strict=True)
    ]


def rank_cases(
    retriever: Retriever,
    cases: EvalCases,
    dataset: Dataset | None = None,
    show_progress: bool = False,
    contexts: Sequence[UserContext] | None = None,
) -> CaseResults:
    """Score every item for every case, exclude history, and rank the target exactly.

    `contexts` (one per case) replace the default ones built from the case histories, e.g. to
    describe new users by a sentence alone; the case histories are still excluded."""
    contexts = contexts_for(cases, dataset) if contexts is None else contexts
    n_cases = len(cases)
    ranks = np.empty(n_cases, dtype=np.int64)
    rankings = np.empty((n_cases, min(RANKED_LENGTH, retriever.n_items)), dtype=np.int64)
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task(f"ranking with {retriever.name}", total=n_cases)
        for start in range(0, n_cases, SCORE_CHUNK):
            stop = min(start + SCORE_CHUNK, n_cases)
            scores = retriever.tie_broken(retriever.score(contexts[start:stop]))
            for row, case in enumerate(range(start, stop)):
                scores[row, cases.histories[case]] = -np.inf
            target_scores = scores[np.arange(stop - start), cases.targets[start:stop]]
            ranks[start:stop] = (scores > target_scores[:, None]).sum(axis=1)
            # A target inside the history cannot be recommended: count it as ranked last.
            ranks[start:stop][~np.isfinite(target_scores)] = retriever.n_items
            rankings[start:stop] = _top(scores, rankings.shape[1])
            progress.advance(task, stop - start)
    return CaseResults(ranks=ranks, rankings=rankings)


def evaluate_retriever(
    retriever: Retriever,
    cases: EvalCases,
    dataset: Dataset | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    show_progress: bool = False,
    contexts: Sequence[UserContext] | None = None,
) -> dict[str, float]:
    """Recall@k, NDCG@k, MRR@20, coverage@10 and the case count of a fitted retriever
    (`contexts`: see `rank_cases`)."""
    results = rank_cases(retriever, cases, dataset, show_progress, contexts)
    return summarize(results, retriever.n_items, ks)


def summarize(results: CaseResults, n_items: int, ks: Sequence[int] = DEFAULT_KS) -> dict:
    """Metrics of ranked cases."""
    metrics: dict[str, float] = ranking_metrics(results.ranks, ks)
    metrics["coverage@10"] = coverage(results.rankings, n_items, 10)
    metrics["cases"] = len(results.ranks)
    return metrics


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
