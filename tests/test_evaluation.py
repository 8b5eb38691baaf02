import io
import json
from collections.abc import Sequence

import numpy as np

from shopsense.data import Dataset
from shopsense.data.splits import EvalCases, leave_one_out
from shopsense.evaluation.runner import rank_cases, summarize
from shopsense.retrieval.base import Retriever, UserContext


class FixedScores(Retriever):
    """Scores item i as n_items - i for everyone: a known ranking to check the harness."""

    name = "fixed"

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        pass

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return np.tile(np.arange(self.n_items, 0, -1, dtype=float), (len(users), 1))


def test_ranks_are_exact_with_history_excluded(tiny_dataset: Dataset) -> None:
    retriever = FixedScores().fit(tiny_dataset)
    cases = EvalCases(
        users=np.array([0, 1]),
        histories=[np.array([0, 1]), np.array([], dtype=np.int64)],
        targets=np.array([3, 3]),
    )
    results = rank_cases(retriever, cases)
    # Case 0: items 0 and 1 are excluded, so only item 2 outranks item 3.
    np.testing.assert_array_equal(results.ranks, [1, 3])
    np.testing.assert_array_equal(results.rankings[0][:3], [2, 3, 4])
    metrics = summarize(results, retriever.n_items)
    assert metrics["recall@5"] == 1.0 and metrics["cases"] == 2


def test_target_in_history_counts_as_miss(tiny_dataset: Dataset) -> None:
    retriever = FixedScores().fit(tiny_dataset)
    cases = EvalCases(np.array([0]), [np.array([2])], np.array([2]))
    assert rank_cases(retriever, cases).ranks[0] == tiny_dataset.n_items


def test_rankings_dump_uses_source_ids(tiny_dataset: Dataset) -> None:
    from shopsense.evaluation.report import write_rankings

    split = leave_one_out(tiny_dataset)
    retriever = FixedScores().fit(split.train)
    results = {
        "validation": rank_cases(retriever, split.validation, tiny_dataset),
        "test": rank_cases(retriever, split.test, tiny_dataset),
    }
    out = io.StringIO()
    write_rankings(out, "fixed", tiny_dataset, split, results)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    test = [line for line in lines if line["split"] == "test"]
    validation = [line for line in lines if line["split"] == "validation"]
    assert len(test) == len(split.test) and len(validation) == len(split.validation)
    assert test[0]["user"] == "u1" and test[0]["target"] == "d"
    assert test[0]["history"] == ["a", "b", "c"]
    assert test[0]["ranked"][:2] == ["d", "e"]  # a, b, c are u1's history
    assert validation[0]["target"] == "c" and validation[0]["history"] == ["a", "b"]
