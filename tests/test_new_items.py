"""Reserved slots for new items: the j-th slot has at least j new items at or above it."""

from __future__ import annotations

import numpy as np

from shopsense.ranking.new_items import reserve_slots


def _order(scores: np.ndarray, start: int, stop: int) -> list[int]:
    return list(np.argsort(-scores[start:stop], kind="stable"))


def test_best_new_candidate_moves_into_the_slot_and_the_rest_shift_down() -> None:
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    is_new = np.array([False, False, False, True, True])
    out = reserve_slots(scores, is_new, np.array([0, 5]), [2])
    # Candidate 3, the best new one, takes position 2; candidate 1 moves to 3 and so on.
    assert _order(out, 0, 5) == [0, 3, 1, 2, 4]


def test_two_slots_hold_two_new_items() -> None:
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    is_new = np.array([False, False, False, True, True])
    out = reserve_slots(scores, is_new, np.array([0, 5]), [2, 3])
    assert _order(out, 0, 5) == [0, 3, 4, 1, 2]


def test_lists_already_meeting_the_promise_are_unchanged() -> None:
    scores = np.array([5.0, 4.0, 3.0, 2.0])
    is_new = np.array([True, False, False, False])
    np.testing.assert_array_equal(reserve_slots(scores, is_new, np.array([0, 4]), [3]), scores)


def test_each_user_group_is_filled_on_its_own() -> None:
    scores = np.array([3.0, 2.0, 1.0, 3.0, 2.0, 1.0])
    is_new = np.array([False, False, True, False, False, False])
    out = reserve_slots(scores, is_new, np.array([0, 3, 6]), [1])
    assert _order(out, 0, 3) == [2, 0, 1]
    # The second user has no new candidate: their list keeps its scores.
    np.testing.assert_array_equal(out[3:], scores[3:])


def test_slots_beyond_the_list_and_no_slots_are_harmless() -> None:
    scores = np.array([2.0, 1.0])
    is_new = np.array([False, True])
    assert _order(reserve_slots(scores, is_new, np.array([0, 2]), [10]), 0, 2) == [0, 1]
    np.testing.assert_array_equal(reserve_slots(scores, is_new, np.array([0, 2]), []), scores)
