"""Train/validation/test splits of the evaluation protocols in DESIGN.md §3.

A split keeps the full catalogue (so held-out cold items can still be ranked) and gives the
models only the training interactions. Evaluation cases carry the history a model may read
(which is also what is excluded from the ranking) and the one target item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from shopsense.data.dataset import Dataset


@dataclass(frozen=True)
class EvalCases:
    """One evaluation case per row: a user, what they did before, and the item they did next."""

    users: np.ndarray
    """User indices."""
    histories: list[np.ndarray]
    """Item indices the model may read, oldest first; excluded from the ranking."""
    targets: np.ndarray
    """The held-out next item per case."""

    def __len__(self) -> int:
        return len(self.targets)

    def subset(self, mask: np.ndarray) -> EvalCases:
        """The cases where `mask` is true."""
        rows = np.flatnonzero(mask)
        return EvalCases(self.users[rows], [self.histories[r] for r in rows], self.targets[rows])


@dataclass(frozen=True)
class Split:
    """Training data plus validation and test cases under a named protocol."""

    protocol: str
    train: Dataset
    validation: EvalCases
    test: EvalCases
    cold_items: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """Item indices held out of training altogether (cold-item protocol)."""

    def describe(self) -> dict[str, object]:
        """The protocol's parameters and sizes, for reports."""
        return {
            "name": self.protocol,
            "train_interactions": self.train.interactions.height,
            "validation_cases": len(self.validation),
            "test_cases": len(self.test),
            "cold_items": int(len(self.cold_items)),
            "ranking": "full catalogue, user history excluded, no sampled negatives",
        }


def leave_one_out(dataset: Dataset, cold_item_fraction: float = 0.0, seed: int = 0) -> Split:
    """Per user, over the distinct items in order of first interaction: the last item = test,
    the second-last = validation, the rest = training.

    Event streams repeat items (view, cart, purchase of one product); a next-item protocol asks
    for the next *new* item, so every event on a user's validation or test item leaves training.
    With `cold_item_fraction` > 0 a seeded random share of items is removed from training
    altogether (the cold-item protocol); cases keep their full histories and targets.
    Users with fewer than 3 distinct items contribute only training data.
    """
    cold = _draw_cold_items(dataset.n_items, cold_item_fraction, seed)
    validation_users, validation_histories, validation_targets = [], [], []
    test_users, test_histories, test_targets = [], [], []
    held_users, held_items = [], []
    for user, sequence in enumerate(dataset.sequences):
        distinct = first_occurrences(sequence)
        if len(distinct) < 3:
            continue
        validation_users.append(user)
        validation_histories.append(distinct[:-2])
        validation_targets.append(distinct[-2])
        test_users.append(user)
        test_histories.append(distinct[:-1])
        test_targets.append(distinct[-1])
        held_users += [user, user]
        held_items += [distinct[-2], distinct[-1]]

    held = pl.DataFrame(
        {"user": held_users, "item": held_items}, schema={"user": pl.Int64, "item": pl.Int64}
    )
    train = (
        dataset.events.join(held, on=["user", "item"], how="anti", maintain_order="left")
        .filter(~pl.col("item").is_in(cold.tolist()))
        .select(dataset.interactions.columns)
    )
    return Split(
        protocol="leave-one-out" + (f" + {cold_item_fraction:.0%} cold items" if len(cold) else ""),
        train=dataset.with_interactions(train),
        validation=_cases(validation_users, validation_histories, validation_targets),
        test=_cases(test_users, test_histories, test_targets),
        cold_items=cold,
    )


def first_occurrences(sequence: np.ndarray) -> np.ndarray:
    """The distinct items of `sequence` in order of first appearance."""
    _, first = np.unique(sequence, return_index=True)
    return sequence[np.sort(first)]


def temporal_split(dataset: Dataset, test_fraction: float = 0.1) -> Split:
    """Two global time cut-offs: the test cut at the (1 - test_fraction) quantile of event
    times, the validation cut at the same quantile of the events up to the test cut.

    - training: every event up to the validation cut, so every validation and test target
      comes after every training event;
    - validation: per user, the first item after the validation cut (up to the test cut) that
      the user had not interacted with before it; history = their items up to the validation cut;
    - test: per user, the first new item after the test cut; history = their items up to the
      test cut (including the validation period, which models read but do not learn from).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    events = dataset.events
    if events["timestamp"].null_count() > 0 or events.height == 0:
        raise ValueError("temporal split needs a timestamp on every interaction")
    test_cut = events["timestamp"].quantile(1.0 - test_fraction, interpolation="lower")
    before_test = events.filter(pl.col("timestamp") <= test_cut)
    valid_cut = before_test["timestamp"].quantile(1.0 - test_fraction, interpolation="lower")
    train_events = events.filter(pl.col("timestamp") <= valid_cut)
    return Split(
        protocol=f"temporal (global cut-offs: last {test_fraction:.0%} of time for test, the "
        f"{test_fraction:.0%} before it for validation)",
        train=dataset.with_interactions(train_events.select(dataset.interactions.columns)),
        validation=_first_after(before_test, valid_cut),
        test=_first_after(events, test_cut),
    )


def _first_after(events: pl.DataFrame, cut: object) -> EvalCases:
    """Per user with events on both sides of `cut`: history = distinct items up to the cut,
    target = the first item after it that is not in the history."""
    users, histories, targets = [], [], []
    for (user,), group in events.group_by("user", maintain_order=True):
        items = group["item"].to_numpy()
        after = (group["timestamp"] > cut).to_numpy()
        history = first_occurrences(items[~after])
        seen = set(history.tolist())
        fresh = [item for item in items[after] if item not in seen]
        if len(history) == 0 or not fresh:
            continue
        users.append(user)
        histories.append(history.astype(np.int64))
        targets.append(fresh[0])
    return _cases(users, histories, targets)


def _draw_cold_items(n_items: int, fraction: float, seed: int) -> np.ndarray:
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"cold_item_fraction must be in [0, 1), got {fraction}")
    count = int(round(n_items * fraction))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_items, size=count, replace=False)).astype(np.int64)


def _cases(users: list, histories: list, targets: list) -> EvalCases:
    return EvalCases(
        users=np.asarray(users, dtype=np.int64),
        histories=[np.asarray(h, dtype=np.int64) for h in histories],
        targets=np.asarray(targets, dtype=np.int64),
    )
