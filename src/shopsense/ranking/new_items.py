"""Slots for new items: products with no interactions yet still reach the top of a list.

A learned ranker sees new items only through their text, which is weaker evidence than the
co-occurrence behind established items, so it rarely ranks them first even when they are the
right answer; a shop that lists a product today wants it shown today. `reserve_slots` promises
that the j-th reserved position holds at least j new items above it: where the ranker did not
already place enough of them that high, the best-ranked new candidate still waiting is moved up
into the slot and everything below shifts down one place. Nothing moves down past its slot, and
lists without new candidates are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Smallest score gap the move leaves between the last head item and the rest: far above the
#: evaluation's popularity tie-breaker, far below any real ranker score difference.
_STEP = 1e-6


def reserve_slots(
    scores: np.ndarray, is_new: np.ndarray, bounds: np.ndarray, slots: Sequence[int]
) -> np.ndarray:
    """Candidate scores with the reserved 1-based `slots` of every group filled by new items.

    `scores` are one batch's candidate scores, grouped by user (group r is
    `bounds[r]:bounds[r + 1]`); `is_new` says which candidates are new items. Returned scores
    order each group as described in the module docstring; unmoved candidates keep their score.
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    slots = sorted(set(slots))
    if not slots or not is_new.any():
        return scores
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        if stop - start and is_new[start:stop].any():
            scores[start:stop] = _fill(scores[start:stop], is_new[start:stop], slots)
    return scores


def _fill(scores: np.ndarray, is_new: np.ndarray, slots: list[int]) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    waiting_new = [int(i) for i in order if is_new[i]]
    final: list[int] = []
    placed: set[int] = set()
    rest = iter(int(i) for i in order)
    new_so_far = 0
    for position in range(1, min(slots[-1], len(order)) + 1):
        owed = sum(slot <= position for slot in slots)
        if new_so_far < owed and waiting_new:
            item = waiting_new.pop(0)
        else:
            item = next(i for i in rest if i not in placed)
            if is_new[item]:
                waiting_new.remove(item)
        placed.add(item)
        final.append(item)
        new_so_far += bool(is_new[item])
    if final == [int(i) for i in order[: len(final)]]:
        return scores
    # The head takes the old head's scores in its new order; the rest shifts down as a block so
    # that it keeps its own order and stays below the head.
    head = np.array(final)
    head_scores = np.sort(scores[head])[::-1]
    out = scores.copy()
    out[head] = head_scores
    tail = np.setdiff1d(order, head, assume_unique=True)
    if len(tail):
        gap = max(scores[tail].max() - head_scores[-1], 0.0) + _STEP
        out[tail] = scores[tail] - gap
    return out
