"""Request-time histories as a sparse matrix, so a batch of users is scored with one product.

Retrievers that score `history @ item_item` or fold histories into factor models build the
(users x items) matrix here, optionally weighting recent history positions more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from shopsense.data.errors import DataError
from shopsense.retrieval.base import UserContext


def history_matrix(
    users: Sequence[UserContext],
    n_items: int,
    *,
    decay: float = 1.0,
    max_length: int | None = None,
    binary: bool = False,
) -> sparse.csr_matrix:
    """Users x items float32 matrix of the contexts' histories.

    The entry at the last history position weighs 1 and each step back multiplies it by
    `decay` (1.0 = all equal). Only the last `max_length` entries are kept when given. Repeated
    items add up unless `binary`, which sets every present entry to 1.
    """
    histories = [_checked(user.history, n_items, row) for row, user in enumerate(users)]
    if max_length is not None:
        histories = [
            history[-max_length:] if max_length > 0 else history[:0] for history in histories
        ]
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
    cols = np.concatenate(histories) if histories else np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(histories)), lengths)
    # Steps back from each user's most recent entry: 0 for the last one.
    ends = np.cumsum(lengths)
    age = np.repeat(ends, lengths) - 1 - np.arange(len(cols))
    data = np.power(np.float64(decay), age).astype(np.float32)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(histories), n_items))
    matrix.sum_duplicates()
    if binary:
        matrix.data[:] = 1.0
    return matrix


def _checked(history: np.ndarray, n_items: int, row: int) -> np.ndarray:
    history = np.asarray(history, dtype=np.int64).ravel()
    if len(history) and (history.min() < 0 or history.max() >= n_items):
        bad = history[(history < 0) | (history >= n_items)][0]
        raise DataError(
            f"item index {bad} is outside the catalogue (0..{n_items - 1})",
            record=f"user context {row}",
            field="history",
        )
    return history
