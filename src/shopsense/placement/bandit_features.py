"""Click-model features of logged bandit impressions: shopper, item, context and position.

One row per (impression row, item, position) asked for, so the same function builds the
training rows (the logged item at its logged position) and the rows a policy needs scored
(every item at a position, for the doubly robust estimator and learned policies).
"""

from __future__ import annotations

import numpy as np

from shopsense.data.bandit import LoggedBandit

__all__ = [
    "CATEGORICAL",
    "FEATURE_NAMES",
    "all_items_features",
    "bandit_features",
    "logged_features",
]


#: Feature names of the Open Bandit Dataset's layout (4 shopper, 1 numeric + 3 hashed item).
FEATURE_NAMES: tuple[str, ...] = (
    "position",
    "item",
    *(f"user_feature_{i}" for i in range(4)),
    "affinity",
    "item_numeric_0",
    *(f"item_categorical_{i}" for i in range(3)),
)
_LAYOUT = (4, 1, 3)
#: Indices of the categorical columns in that layout.
CATEGORICAL: tuple[int, ...] = tuple(
    i for i, name in enumerate(FEATURE_NAMES) if name not in ("affinity", "item_numeric_0")
)


def bandit_features(
    log: LoggedBandit, rows: np.ndarray, items: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """Feature matrix for impression `rows[j]` showing `items[j]` at `positions[j]`."""
    layout = (log.user_features.shape[1], log.item_numeric.shape[1], log.item_categorical.shape[1])
    if layout != _LAYOUT:
        raise ValueError(
            f"log: (shopper, item numeric, item categorical) features {layout}, not {_LAYOUT}"
        )
    return np.column_stack(
        [
            positions,
            items,
            log.user_features[rows],
            log.affinity[rows, items],
            log.item_numeric[items],
            log.item_categorical[items],
        ]
    ).astype(np.float64)


def logged_features(log: LoggedBandit) -> np.ndarray:
    """Features of every logged impression (its item at its position)."""
    return bandit_features(log, np.arange(len(log)), log.item, log.position)


def all_items_features(log: LoggedBandit, position: np.ndarray) -> np.ndarray:
    """Features of every item at `position[row]` for every row: (n x n_items, d), row-major."""
    n, m = len(log), log.n_items
    rows = np.repeat(np.arange(n), m)
    items = np.tile(np.arange(m), n)
    return bandit_features(log, rows, items, np.repeat(position, m))
