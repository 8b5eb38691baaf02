"""The search log: what shoppers chose in past searches, as features of a new search."""

from __future__ import annotations

import numpy as np
import pytest

from shopsense.search.search_log import LOG_FEATURES, SearchLog, empty_features

A, B, C = np.eye(3, dtype=np.float32)
HALF = np.array([1.0, 1.0, 0.0], dtype=np.float32) / np.sqrt(2.0)


def column(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, LOG_FEATURES.index(name)]


@pytest.fixture
def log() -> SearchLog:
    log = SearchLog()
    # Three past searches: two near A chose x (and one of them y), one near B chose y.
    log.add(np.stack([A, HALF, B]), [{"x": 3.0}, {"x": 2.5, "y": 3.0}, {"y": 2.4}], [0, 1, 2])
    return log


def test_features_count_choices_and_weigh_them_by_the_similarity_of_their_queries(
    log: SearchLog,
) -> None:
    features = log.features(A, ["x", "y", "never"])
    np.testing.assert_allclose(column(features, "log_choices"), np.log1p([2, 2, 0]))
    np.testing.assert_allclose(column(features, "log_nearest_query"), [1.0, 0.5**0.5, -1.0])
    # A past query weighs cosine^4: A itself 1, HALF 0.25, B 0.
    np.testing.assert_allclose(column(features, "log_similar_choices"), [1.25, 0.25, 0.0])
    expected_x = (1.0 * 3.0 + 0.25 * 2.5) / 1.25
    np.testing.assert_allclose(column(features, "log_similar_grade"), [expected_x, 3.0, 0.0])


def test_a_left_out_fold_is_unseen(log: SearchLog) -> None:
    features = log.features(A, ["x", "y"], leave_out=0)
    np.testing.assert_allclose(column(features, "log_choices"), np.log1p([1, 2]))
    np.testing.assert_allclose(column(features, "log_nearest_query"), [0.5**0.5, 0.5**0.5])
    alone = log.features(B, ["y"], leave_out=2)
    np.testing.assert_allclose(column(alone, "log_nearest_query"), [0.5**0.5])


def test_products_nobody_chose_and_an_empty_log_give_the_empty_features(log: SearchLog) -> None:
    np.testing.assert_array_equal(log.features(C, ["never", "z"]), empty_features(2))
    np.testing.assert_array_equal(SearchLog().features(A, ["x"]), empty_features(1))
    assert column(empty_features(1), "log_nearest_query")[0] == -1.0
    assert log.features(A, []).shape == (0, len(LOG_FEATURES))


def test_searches_added_later_are_read_at_once(log: SearchLog) -> None:
    log.features(C, ["z"])  # compiles the log
    log.add(C[None, :], [{"z": 3.0}])
    assert len(log) == 4 and log.choices == 5
    assert column(log.features(C, ["z"]), "log_nearest_query")[0] == pytest.approx(1.0)
    log.add(np.empty((0, 3)), [])
    assert len(log) == 4


def test_mismatched_searches_are_refused() -> None:
    with pytest.raises(ValueError, match="2 query vectors for 1 searches"):
        SearchLog().add(np.stack([A, B]), [{"x": 3.0}])
    with pytest.raises(ValueError, match="1 folds for 2 searches"):
        SearchLog().add(np.stack([A, B]), [{"x": 3.0}, {}], folds=[0])
