"""Leakage guards of the evaluation harness: a model never sees what it is scored on.

The harness fits every model through `fit_on_training_view`, which first proves on the very
objects it hands over that
- the training data holds no (user, target) pair of any validation or test case: a user's
  held-out item is physically absent from what the model learns from, and
- the cases a model may learn from (early stopping, a learned ranker) are not the test cases:
  each one's target precedes the same user's test target (it lies in that user's test history).

Either failure raises `LeakageError` naming the user and the item, so a broken split or a
harness that passes the wrong cases fails loudly instead of reporting inflated numbers.

Search is guarded the same way (`check_search_split`): the dev and test halves of the judged
queries share no query, and no test query's judgments entered the searcher's log or a fusion's
training set.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.data.judgments import JudgedQuery
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever


class LeakageError(RuntimeError):
    """Held-out data reached what a model learns from."""


def fit_on_training_view(
    retriever: Retriever,
    train: Dataset,
    learn_cases: EvalCases,
    test: EvalCases,
    dataset: Dataset,
) -> Retriever:
    """Fit `retriever` on `train`, letting it learn from `learn_cases`, after checking that
    neither holds a test target (`check_training_view`). Case indices refer to `dataset`."""
    check_training_view(train, learn_cases, test, dataset)
    return retriever.fit(train, learn_cases)


def check_training_view(
    train: Dataset, learn_cases: EvalCases, test: EvalCases, dataset: Dataset
) -> None:
    """Raise `LeakageError` if `train` holds a learn or test case's target for that case's
    user, or if a learn case's target is not in its user's test history."""
    for label, cases in (("validation", learn_cases), ("test", test)):
        _check_absent(train, cases, dataset, label)
    _check_learn_cases_precede_test(learn_cases, test, dataset)


def _case_pairs(cases: EvalCases, dataset: Dataset) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": dataset.user_ids[cases.users].tolist(),
            "item_id": dataset.item_ids[cases.targets].tolist(),
        },
        schema={"user_id": pl.Utf8, "item_id": pl.Utf8},
    )


def _check_absent(train: Dataset, cases: EvalCases, dataset: Dataset, label: str) -> None:
    if not len(cases):
        return
    seen = _case_pairs(cases, dataset).join(
        train.interactions.select("user_id", "item_id"), on=["user_id", "item_id"], how="semi"
    )
    if seen.height:
        user, item = seen.row(0)
        raise LeakageError(
            f"the training data holds the {label} target of user {user!r}: item {item!r} "
            f"({seen.height} {label} case(s) leak); a model must never learn what it is "
            "scored on"
        )


def _check_learn_cases_precede_test(
    learn_cases: EvalCases, test: EvalCases, dataset: Dataset
) -> None:
    histories = {
        int(user): set(history.tolist())
        for user, history in zip(test.users, test.histories, strict=True)
    }
    for user, target in zip(learn_cases.users.tolist(), learn_cases.targets.tolist(), strict=True):
        history = histories.get(user)
        if history is not None and target not in history:
            raise LeakageError(
                f"a case the model learns from is not before the test case of user "
                f"{dataset.user_ids[user]!r}: its target {dataset.item_ids[target]!r} is not in "
                "that user's test history (are the test cases being used for fitting?)"
            )


def check_search_split(
    dev: Sequence[JudgedQuery], test: Sequence[JudgedQuery], learned_from: Collection[str]
) -> None:
    """Raise `LeakageError` if a test query is also a dev query, or if its judgments entered
    what the searcher learned from (`learned_from`: the judged query texts it logged or
    trained on)."""
    dev_texts = {query.text for query in dev}
    for query in test:
        if query.text in dev_texts:
            raise LeakageError(f"query {query.text!r} is in both the dev and the test half")
        if query.text in learned_from:
            raise LeakageError(
                f"the searcher learned from the judgments of test query {query.text!r} (search "
                "log or fusion training); a search method must never learn what it is scored on"
            )
