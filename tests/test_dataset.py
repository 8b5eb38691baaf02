import numpy as np
import polars as pl

from shopsense.data import Dataset
from shopsense.data.splits import leave_one_out


def test_sequences_follow_row_order_without_timestamps(tiny_dataset: Dataset) -> None:
    assert tiny_dataset.n_items == 6 and tiny_dataset.n_users == 4
    np.testing.assert_array_equal(tiny_dataset.sequences[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(tiny_dataset.item_popularity, [3, 3, 4, 2, 2, 1])


def test_sequences_follow_timestamps_when_present() -> None:
    ds = Dataset(
        items=pl.DataFrame({"item_id": ["x", "y"]}),
        interactions=pl.DataFrame(
            {"user_id": ["u", "u"], "item_id": ["x", "y"], "timestamp": [20, 10]}
        ).with_columns(pl.from_epoch("timestamp")),
    )
    np.testing.assert_array_equal(ds.sequences[0], [1, 0])


def test_leave_one_out_holds_out_last_two(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset)
    assert split.train.interactions.height == 15 - 8
    np.testing.assert_array_equal(split.test.targets, [3, 2, 4, 5])
    np.testing.assert_array_equal(split.test.histories[0], [0, 1, 2])
    np.testing.assert_array_equal(split.validation.targets, [2, 1, 2, 4])
    assert split.train.n_items == tiny_dataset.n_items


def test_cold_items_never_reach_training(tiny_dataset: Dataset) -> None:
    split = leave_one_out(tiny_dataset, cold_item_fraction=0.34, seed=3)
    assert len(split.cold_items) == 2
    cold_ids = set(tiny_dataset.item_ids[split.cold_items])
    assert cold_ids.isdisjoint(set(split.train.interactions["item_id"]))
