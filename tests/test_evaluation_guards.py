"""The harness's leakage guards fire, the temporal split holds out the future, and every dumped
case can be checked from outside."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from shopsense.data import Dataset
from shopsense.data.splits import leave_one_out, temporal_split
from shopsense.evaluation.guards import LeakageError, fit_on_training_view
from shopsense.evaluation.metrics import ranking_metrics
from shopsense.evaluation.report import evaluate_models, fit_and_rank
from shopsense.ranking.registry import create
from shopsense.retrieval.base import Retriever
from shopsense.retrieval.popularity import PopularityRetriever


def _leaking(split_train: Dataset, dataset: Dataset, user: int, item: int) -> Dataset:
    """`split_train` plus one event of `user` on `item`."""
    row = pl.DataFrame(
        {"user_id": [dataset.user_ids[user]], "item_id": [dataset.item_ids[item]]},
        schema={"user_id": pl.Utf8, "item_id": pl.Utf8},
    )
    interactions = pl.concat([split_train.interactions, row], how="diagonal_relaxed")
    return split_train.with_interactions(interactions)


def test_a_training_view_holding_a_test_target_raises_with_user_and_item(
    tiny_dataset: Dataset,
) -> None:
    split = leave_one_out(tiny_dataset)
    user, target = int(split.test.users[0]), int(split.test.targets[0])
    leaked = _leaking(split.train, tiny_dataset, user, target)
    with pytest.raises(LeakageError, match="test target of user 'u1': item 'd'"):
        fit_on_training_view(
            PopularityRetriever(), leaked, split.validation, split.test, tiny_dataset
        )


def test_a_training_view_holding_a_validation_target_raises(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset)
    user, target = int(split.validation.users[1]), int(split.validation.targets[1])
    leaked = _leaking(split.train, tiny_dataset, user, target)
    with pytest.raises(LeakageError, match="validation target of user 'u2': item 'b'"):
        fit_on_training_view(
            PopularityRetriever(), leaked, split.validation, split.test, tiny_dataset
        )


def test_fitting_on_the_test_cases_raises(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset)
    with pytest.raises(LeakageError, match="test cases being used for fitting"):
        fit_on_training_view(
            PopularityRetriever(), split.train, split.test, split.test, tiny_dataset
        )


def test_the_harness_fits_every_model_through_the_guard(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset)
    user, target = int(split.test.users[0]), int(split.test.targets[0])
    leaky = replace(split, train=_leaking(split.train, tiny_dataset, user, target))
    with pytest.raises(LeakageError):
        fit_and_rank("popularity", leaky, tiny_dataset, Console(quiet=True))


def test_a_model_sees_only_the_training_view(tiny_dataset: Dataset) -> None:
    seen: list[tuple[Dataset, object]] = []

    class Spy(PopularityRetriever):
        def _fit(self, dataset: Dataset, validation: object) -> None:
            seen.append((dataset, validation))
            super()._fit(dataset, validation)

    split = leave_one_out(tiny_dataset)
    fit_on_training_view(Spy(), split.train, split.validation, split.test, tiny_dataset)
    [(dataset, validation)] = seen
    assert dataset is split.train and validation is split.validation
    pairs = set(zip(dataset.interactions["user_id"], dataset.interactions["item_id"], strict=True))
    for cases in (split.validation, split.test):
        for user, target in zip(cases.users, cases.targets, strict=True):
            assert (tiny_dataset.user_ids[user], tiny_dataset.item_ids[target]) not in pairs


def _timed_shop() -> Dataset:
    """Five shoppers, twenty products, one new product a day each, interleaved in time."""
    start = datetime(2024, 1, 1)
    rows = []
    for user in range(5):
        for step in range(8):
            item = f"p{(3 * user + step) % 20}"
            rows.append((f"u{user}", item, start + timedelta(days=step, hours=user)))
    return Dataset(
        items=pl.DataFrame({"item_id": [f"p{i}" for i in range(20)]}),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id", "timestamp"], orient="row"),
        name="timed",
    )


def test_temporal_targets_come_after_every_training_event() -> None:
    shop = _timed_shop()
    split = temporal_split(shop, test_fraction=0.2)
    assert len(split.validation) > 0 and len(split.test) > 0
    last_training_event = split.train.interactions["timestamp"].max()
    events = shop.events
    for cases in (split.validation, split.test):
        for user, history, target in zip(cases.users, cases.histories, cases.targets, strict=True):
            mine = events.filter(pl.col("user") == int(user))
            when = mine.filter(pl.col("item") == int(target))["timestamp"].max()
            assert when > last_training_event
            assert int(target) not in set(history.tolist())
    train_pairs = set(
        zip(split.train.interactions["user_id"], split.train.interactions["item_id"], strict=True)
    )
    for user, target in zip(split.validation.users, split.validation.targets, strict=True):
        assert (shop.user_ids[user], shop.item_ids[target]) not in train_pairs
    # Test histories run up to the test cut-off: they hold the validation period.
    test_history = dict(zip(split.test.users.tolist(), split.test.histories, strict=True))
    for user, target in zip(split.validation.users, split.validation.targets, strict=True):
        if int(user) in test_history:
            assert int(target) in set(test_history[int(user)].tolist())


def test_temporal_cases_come_in_the_order_of_the_events() -> None:
    # So that a rankings dump lists its cases in the same order run after run.
    start = datetime(2024, 1, 1)
    rows = [
        (f"u{user:02d}", f"p{(user + step) % 20}", start + timedelta(days=step, hours=user))
        for user in range(60)
        for step in range(8)
    ]
    shop = Dataset(
        items=pl.DataFrame({"item_id": [f"p{i}" for i in range(20)]}),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id", "timestamp"], orient="row"),
        name="timed",
    )
    split = temporal_split(shop, test_fraction=0.2)
    order = shop.events["user"].unique(maintain_order=True).to_list()
    for cases in (split.validation, split.test):
        assert len(cases) > 30
        assert cases.users.tolist() == [user for user in order if user in set(cases.users)]


def test_temporal_split_needs_timestamps(tiny_dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        temporal_split(tiny_dataset)


def test_validation_metrics_of_a_model_that_learns_from_them_are_not_reported(
    tiny_dataset: Dataset,
) -> None:
    report = evaluate_models(tiny_dataset, ["popularity"], cold_item_fraction=0, new_users=False)
    assert report["models"]["popularity"]["validation"]["reported"] is True
    assert create("best").learns_from_validation and create("sasrec").learns_from_validation
    assert not Retriever.learns_from_validation


@pytest.mark.slow
def test_gift_cards_evaluate_under_the_temporal_protocol_with_a_checkable_dump(
    shared_data: Path,
) -> None:
    from shopsense.data.loaders import load

    dataset = load(shared_data / "amazon-giftcards-2018-5core-raw")
    out = io.StringIO()
    report = evaluate_models(
        dataset, ["cooccurrence"], protocol="temporal", rankings=out, new_users=False
    )
    assert report["protocol"]["name"].startswith("temporal")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    test = [line for line in lines if line["split"] == "test"]
    assert {line["split"] for line in lines} == {"validation", "test"}
    assert len(test) == report["models"]["cooccurrence"]["cases"] > 0
    # The metrics recomputed from the dump alone equal the report's.
    ranks = np.array(
        [
            line["ranked"].index(line["target"]) if line["target"] in line["ranked"] else 10**6
            for line in test
        ]
    )
    assert all(not set(line["history"]) & set(line["ranked"]) for line in lines)
    recomputed = ranking_metrics(ranks, (10,))
    assert recomputed["ndcg@10"] == pytest.approx(report["models"]["cooccurrence"]["ndcg@10"])
    # No test target is ever among the training events of its user.
    events = dataset.interactions.with_columns(pl.col("timestamp").dt.epoch("s").alias("t"))
    cut = events["t"].quantile(0.9, interpolation="lower")
    for line in test[:50]:
        before = events.filter((pl.col("user_id") == line["user"]) & (pl.col("t") <= cut))
        assert line["target"] not in set(before["item_id"].to_list())
