"""Request-time histories as a sparse matrix, so a batch of users is scored with one product.

Retrievers that score `history @ item_item` or fold histories into factor models build the
(users x items) matrix here, optionally weighting recent history positions more, and take
the product with `history_scores`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from shopsense.data.errors import DataError
from shopsense.retrieval.base import UserContext

#: Products touching at most this many item-item entries are summed directly (see
#: `history_scores`); larger ones go through scipy.
DIRECT_PRODUCT_ENTRIES = 262_144


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
    histories = checked_histories(users, n_items, max_length)
    lengths = np.fromiter((len(h) for h in histories), dtype=np.int64, count=len(histories))
    cols = np.concatenate(histories) if histories else np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(histories)), lengths)
    # Steps back from each user's most recent entry: 0 for the last one.
    ends = np.cumsum(lengths)
    age = np.repeat(ends, lengths) - 1 - np.arange(len(cols))
    data = np.power(np.float64(decay), age).astype(np.float32)
    # CSR arrays built directly, without scipy's COO round trip: a request scores one shopper
    # several times, and that round trip cost more than the product it fed. Repeated items are
    # summed in float32, in history order.
    keys, position = np.unique(rows * n_items + cols, return_inverse=True)
    summed = np.zeros(len(keys), dtype=np.float32)
    if binary:
        summed[:] = 1.0
    else:
        np.add.at(summed, position, data)
    indptr = np.searchsorted(keys, np.arange(len(histories) + 1) * n_items)
    return sparse.csr_matrix(
        (summed, keys % n_items if n_items else keys, indptr), shape=(len(histories), n_items)
    )


def single_item_histories(items: np.ndarray, n_items: int) -> sparse.csr_matrix:
    """One row per entry of `items`: a one-item history of that item, weight 1 (what every
    weighting gives the latest entry)."""
    items = np.asarray(items, dtype=np.int64)
    checked_histories([UserContext.of(items)], n_items)
    return sparse.csr_matrix(
        (np.ones(len(items), dtype=np.float32), items, np.arange(len(items) + 1)),
        shape=(len(items), n_items),
    )


def checked_histories(
    users: Sequence[UserContext], n_items: int, max_length: int | None = None
) -> list[np.ndarray]:
    """Each context's history as int64 indices (the last `max_length` when given); a
    `DataError` names the first entry outside the catalogue."""
    histories = [np.asarray(user.history, dtype=np.int64).ravel() for user in users]
    if max_length is not None:
        histories = [
            history[-max_length:] if max_length > 0 else history[:0] for history in histories
        ]
    for row, history in enumerate(histories):
        if len(history) and (history.min() < 0 or history.max() >= n_items):
            bad = history[(history < 0) | (history >= n_items)][0]
            raise DataError(
                f"item index {bad} is outside the catalogue (0..{n_items - 1})",
                record=f"user context {row}",
                field="history",
            )
    return histories


def history_scores(
    histories: sparse.csr_matrix, matrix: sparse.csr_matrix, items: np.ndarray | None = None
) -> np.ndarray:
    """Dense float32 `(histories @ matrix)[:, items]` (every column when `items` is None).

    A request's product touches a few hundred entries of `matrix`; scipy's sparse product
    costs far more in setting up than in summing them, so small products gather the history
    items' rows of `matrix` and sum them with `np.bincount`. Batches go through scipy.
    """
    rows = np.repeat(np.arange(histories.shape[0]), np.diff(histories.indptr))
    starts = matrix.indptr[histories.indices]
    lengths = matrix.indptr[histories.indices + 1] - starts
    total = int(lengths.sum())
    if total > DIRECT_PRODUCT_ENTRIES:
        product = histories @ matrix
        product = product if items is None else product[:, items]
        return product.toarray().astype(np.float32, copy=False)
    # Position of every touched entry of `matrix`, history entry by history entry.
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)
    columns = matrix.indices[offsets].astype(np.int64)
    values = matrix.data[offsets] * np.repeat(histories.data, lengths)
    owners = np.repeat(rows, lengths)
    width = matrix.shape[1]
    if items is not None:
        items = np.asarray(items, dtype=np.int64)
        wanted, inverse = np.unique(items, return_inverse=True)
        slot = np.full(width, -1, dtype=np.int64)
        slot[wanted] = np.arange(len(wanted))
        columns = slot[columns]
        kept = columns >= 0
        columns, values, owners, width = columns[kept], values[kept], owners[kept], len(wanted)
    summed = np.bincount(
        owners * width + columns, weights=values, minlength=histories.shape[0] * width
    ).reshape(histories.shape[0], width)
    summed = summed.astype(np.float32)
    return summed if items is None else summed[:, inverse]
