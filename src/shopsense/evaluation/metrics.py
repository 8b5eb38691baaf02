"""Ranking metrics for one held-out target per case, computed from the target's rank.

`rank` is 0-based: the number of candidate items the model scored above the target after the
user's history was excluded. A target that could not be ranked has rank >= n_items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

DEFAULT_KS: tuple[int, ...] = (5, 10, 20)
MRR_CUTOFF = 20


def recall_at(ranks: np.ndarray, k: int) -> float:
    """Share of cases whose target is in the top `k` (= hit rate with one target per case)."""
    return float(np.mean(ranks < k)) if len(ranks) else 0.0


def ndcg_at(ranks: np.ndarray, k: int) -> float:
    """Mean NDCG@k; with one relevant item the ideal DCG is 1, so each hit scores 1/log2(rank+2)."""
    if not len(ranks):
        return 0.0
    gains = np.where(ranks < k, 1.0 / np.log2(np.asarray(ranks, dtype=np.float64) + 2.0), 0.0)
    return float(np.mean(gains))


def mrr_at(ranks: np.ndarray, k: int = MRR_CUTOFF) -> float:
    """Mean reciprocal rank, counting only targets in the top `k`."""
    if not len(ranks):
        return 0.0
    return float(
        np.mean(np.where(ranks < k, 1.0 / (np.asarray(ranks, dtype=np.float64) + 1.0), 0.0))
    )


def coverage(ranked_lists: Iterable[Sequence[int]], n_items: int, k: int = 10) -> float:
    """Share of the catalogue that appears in at least one top-`k` list."""
    shown: set[int] = set()
    for ranked in ranked_lists:
        shown.update(int(item) for item in ranked[:k])
    return len(shown) / n_items if n_items else 0.0


def ranking_metrics(ranks: np.ndarray, ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """Recall@k and NDCG@k for every k, and MRR@20."""
    ranks = np.asarray(ranks)
    metrics: dict[str, float] = {}
    for k in ks:
        metrics[f"recall@{k}"] = recall_at(ranks, k)
        metrics[f"ndcg@{k}"] = ndcg_at(ranks, k)
    metrics[f"mrr@{MRR_CUTOFF}"] = mrr_at(ranks, MRR_CUTOFF)
    return metrics
