import math

import numpy as np
import pytest

from shopsense.evaluation.metrics import coverage, mrr_at, ndcg_at, ranking_metrics, recall_at


def test_recall_counts_targets_inside_the_cutoff() -> None:
    ranks = np.array([0, 4, 5, 9, 10, 50])
    assert recall_at(ranks, 5) == pytest.approx(2 / 6)
    assert recall_at(ranks, 10) == pytest.approx(4 / 6)


def test_ndcg_by_hand() -> None:
    # ranks 0 and 2 hit at k=5: gains 1/log2(2)=1 and 1/log2(4)=0.5; rank 7 misses.
    assert ndcg_at(np.array([0, 2, 7]), 5) == pytest.approx((1 + 0.5) / 3)
    assert ndcg_at(np.array([3]), 10) == pytest.approx(1 / math.log2(5))


def test_mrr_ignores_ranks_past_cutoff() -> None:
    assert mrr_at(np.array([0, 1, 25]), 20) == pytest.approx((1 + 0.5 + 0) / 3)
    # 0-based rank 20 is the 21st place: outside the top 20.
    assert mrr_at(np.array([19, 20]), 20) == pytest.approx((1 / 20) / 2)


def test_ranking_metrics_names_and_empty_input() -> None:
    metrics = ranking_metrics(np.array([1]))
    assert set(metrics) == {
        "recall@5",
        "ndcg@5",
        "recall@10",
        "ndcg@10",
        "recall@20",
        "ndcg@20",
        "mrr@20",
    }
    assert ranking_metrics(np.array([], dtype=int))["ndcg@10"] == 0.0


def test_coverage_counts_distinct_items_in_top_k() -> None:
    assert coverage([[0, 1, 2], [2, 3, 4]], n_items=10, k=2) == pytest.approx(4 / 10)
