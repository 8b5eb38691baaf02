import io
import json
from collections.abc import Sequence

import numpy as np
import pytest

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
    assert results.ranks.dtype == np.int64
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


def test_a_split_describes_its_protocol_and_sizes(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset)
    assert split.describe() == {
        "name": "leave-one-out",
        "train_interactions": 7,
        "validation_cases": 4,
        "test_cases": 4,
        "cold_items": 0,
        "ranking": "full catalogue, user history excluded, no sampled negatives",
    }


def test_cases_subset_keeps_rows_together(tiny_dataset: Dataset) -> None:
    cases = leave_one_out(tiny_dataset).test
    kept = cases.subset(np.array([False, True, False, True]))
    np.testing.assert_array_equal(kept.users, cases.users[[1, 3]])
    np.testing.assert_array_equal(kept.targets, cases.targets[[1, 3]])
    assert [h.tolist() for h in kept.histories] == [cases.histories[i].tolist() for i in (1, 3)]


def test_contexts_carry_the_history_and_the_shops_user_id(tiny_dataset: Dataset) -> None:
    from shopsense.evaluation.runner import contexts_for

    cases = leave_one_out(tiny_dataset).test
    contexts = contexts_for(cases, tiny_dataset)
    assert [c.user_id for c in contexts] == ["u1", "u2", "u3", "u4"]
    assert [c.history.tolist() for c in contexts] == [h.tolist() for h in cases.histories]
    assert all(c.user_id is None for c in contexts_for(cases))


def test_make_split_names_the_protocol_or_refuses(tiny_dataset: Dataset) -> None:
    from datetime import datetime, timedelta

    import polars as pl

    from shopsense.evaluation.report import make_split

    assert make_split(tiny_dataset, "leave-one-out").protocol == "leave-one-out"
    start = datetime(2024, 1, 1)
    timed = tiny_dataset.with_interactions(
        tiny_dataset.interactions.with_columns(
            pl.Series("timestamp", [start + timedelta(days=d) for d in range(15)])
        )
    )
    assert make_split(timed, "temporal").protocol.startswith("temporal")
    with pytest.raises(ValueError, match="protocol must be one of leave-one-out, temporal"):
        make_split(tiny_dataset, "random")


def test_the_report_holds_every_part_and_the_dump_every_case(
    tiny_dataset: Dataset, tmp_path
) -> None:
    from shopsense.evaluation.report import evaluate_models, machine_info, save_report

    out = io.StringIO()
    report = evaluate_models(
        tiny_dataset, ["popularity"], cold_item_fraction=0.34, seed=3, rankings=out
    )
    assert set(report) == {"dataset", "protocol", "machine", "models"}
    assert report["dataset"] == tiny_dataset.stats()
    assert report["protocol"]["seed"] == 3 and report["protocol"]["validation_cases"] == 4
    assert report["protocol"]["cold_items"]["held_out_items"] == 2
    assert set(report["machine"]) == set(machine_info()) >= {"platform", "cpus", "python"}
    entry = report["models"]["popularity"]
    assert entry["cases"] == 4 and entry["validation"]["reported"] is True
    assert isinstance(entry["peak_memory_mb"], float) and isinstance(entry["fit_seconds"], float)
    cold, warm = entry["cold_items"]["cold_targets"], entry["cold_items"]["warm_targets"]
    assert cold["cases"] + warm["cases"] == 4
    lengths = entry["history_length"]
    assert lengths["short"]["cases"] + lengths["long"]["cases"] == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["split"] for line in lines] == ["validation"] * 4 + ["test"] * 4
    # The file a user reads back is the report, numpy numbers included.
    saved = json.loads(save_report(report, tmp_path / "sub" / "report.json").read_text())
    assert saved["models"]["popularity"]["ndcg@10"] == pytest.approx(entry["ndcg@10"])


def test_a_model_that_learns_from_validation_has_its_validation_metrics_withheld(
    tiny_dataset: Dataset,
) -> None:
    from shopsense.evaluation.report import _validation_block

    class LearnsFromValidation(FixedScores):
        learns_from_validation = True

    split = leave_one_out(tiny_dataset)
    retriever = LearnsFromValidation().fit(split.train, split.validation)
    block = _validation_block(retriever, rank_cases(retriever, split.validation))
    assert block["reported"] is False
    assert block["why"].startswith("fixed learns from the validation cases during fit")


def test_history_is_excluded_in_every_chunk_of_cases(tiny_dataset: Dataset) -> None:
    from shopsense.retrieval.base import SCORE_CHUNK

    retriever = FixedScores().fit(tiny_dataset)
    n = SCORE_CHUNK + 3
    histories = [
        np.array([0, 1]) if case % 2 else np.array([], dtype=np.int64) for case in range(n)
    ]
    cases = EvalCases(np.zeros(n, dtype=np.int64), histories, np.full(n, 3))
    ranks = rank_cases(retriever, cases).ranks
    np.testing.assert_array_equal(ranks, [1 if case % 2 else 3 for case in range(n)])


def test_evaluate_retriever_scores_with_the_shops_user_ids(tiny_dataset: Dataset) -> None:
    from shopsense.evaluation.runner import evaluate_retriever

    seen: list[UserContext] = []

    class Recording(FixedScores):
        def _score(self, users: Sequence[UserContext]) -> np.ndarray:
            seen.extend(users)
            return super()._score(users)

    split = leave_one_out(tiny_dataset)
    metrics = evaluate_retriever(Recording().fit(split.train), split.test, tiny_dataset)
    assert metrics["cases"] == 4
    assert [context.user_id for context in seen] == ["u1", "u2", "u3", "u4"]
