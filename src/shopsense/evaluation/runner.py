"""Full-ranking evaluation of a fitted retriever on held-out cases (DESIGN.md §3).

Every catalogue item is ranked; the items in the case's history are excluded; no sampled
negatives. The target's rank is exact: the number of items scored strictly above it. Chunks of
cases are tasks of a `RankWithSavedModel` job, so an engine (`shopsense.execution`) may rank
them on other workers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.evaluation.metrics import DEFAULT_KS, coverage, ranking_metrics
from shopsense.execution import Engine, Job, LocalEngine
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


@dataclass(frozen=True)
class CaseChunk:
    """Cases ranked together: their contexts, the histories excluded, and the targets."""

    contexts: list[UserContext]
    histories: list[np.ndarray]
    targets: np.ndarray


@dataclass(frozen=True)
class RankWithSavedModel(Job[Retriever, CaseChunk, CaseResults]):
    """Ranks chunks of cases with a fitted retriever that workers load from `folder`."""

    folder: Path

    def open(self) -> Retriever:
        return Retriever.load(self.folder)

    def run(self, opened: Retriever, task: CaseChunk) -> CaseResults:
        return rank_chunk(opened, task)


def rank_cases(
    retriever: Retriever,
    cases: EvalCases,
    dataset: Dataset | None = None,
    show_progress: bool = False,
    contexts: Sequence[UserContext] | None = None,
    engine: Engine | None = None,
) -> CaseResults:
    """Score every item for every case, exclude history, and rank the target exactly.

    `contexts` (one per case) replace the default ones built from the case histories, e.g. to
    describe new users by a sentence alone; the case histories are still excluded. Chunks of
    cases run on `engine` (default: this process); one that runs elsewhere has its workers
    load the retriever from a copy saved in its shared folder. The results are the same."""
    engine = engine or LocalEngine()
    contexts = contexts_for(cases, dataset) if contexts is None else contexts
    chunks = [
        CaseChunk(
            list(contexts[start : start + SCORE_CHUNK]),
            cases.histories[start : start + SCORE_CHUNK],
            cases.targets[start : start + SCORE_CHUNK],
        )
        for start in range(0, len(cases), SCORE_CHUNK)
    ]
    parts = [CaseResults(np.empty(0, dtype=np.int64), _no_rankings(retriever))]
    with (
        tempfile.TemporaryDirectory(prefix=".ranking-", dir=engine.shared_dir) as shared,
        Progress(disable=not show_progress, transient=True) as progress,
    ):
        job = RankWithSavedModel(Path(shared) / "model")
        if not engine.in_process:
            retriever.save(job.folder)
        task = progress.add_task(f"ranking with {retriever.name}", total=len(cases))
        for part in engine.map(job, chunks, retriever):
            parts.append(part)
            progress.advance(task, len(part.ranks))
    return CaseResults(
        ranks=np.concatenate([part.ranks for part in parts]),
        rankings=np.concatenate([part.rankings for part in parts]),
    )


def rank_chunk(retriever: Retriever, chunk: CaseChunk) -> CaseResults:
    """The targets' ranks and the top items of one chunk of cases."""
    scores = retriever.tie_broken(retriever.score(chunk.contexts))
    for row, history in enumerate(chunk.histories):
        scores[row, history] = -np.inf
    target_scores = scores[np.arange(len(scores)), chunk.targets]
    ranks = (scores > target_scores[:, None]).sum(axis=1)
    # A target inside the history cannot be recommended: count it as ranked last.
    ranks[~np.isfinite(target_scores)] = retriever.n_items
    return CaseResults(ranks=ranks, rankings=_top(scores, _no_rankings(retriever).shape[1]))


def _no_rankings(retriever: Retriever) -> np.ndarray:
    return np.empty((0, min(RANKED_LENGTH, retriever.n_items)), dtype=np.int64)


def evaluate_retriever(
    retriever: Retriever,
    cases: EvalCases,
    dataset: Dataset | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    show_progress: bool = False,
    contexts: Sequence[UserContext] | None = None,
    engine: Engine | None = None,
) -> dict[str, float]:
    """Recall@k, NDCG@k, MRR@20, coverage@10 and the case count of a fitted retriever
    (`contexts`, `engine`: see `rank_cases`)."""
    results = rank_cases(retriever, cases, dataset, show_progress, contexts, engine)
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
