"""The shared LambdaMART wrapper (`shopsense.learning`): learning a known order, early stopping,
graded gains, the text round trip and the errors bad input gets."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from shopsense.learning import LambdaMART, LambdaMARTConfig, RankingExamples
from shopsense.search.learned_fusion import LearnedFusionConfig

#: Small and fast: tiny leaves allowed, one thread.
TINY = LambdaMARTConfig(min_data_in_leaf=2, max_rounds=40, early_stopping_rounds=10, threads=1)
NAMES = ["signal", "noise"]


def _best_is_largest(n_queries: int, seed: int) -> RankingExamples:
    """Ten rows per query; the row with the largest `signal` is the relevant one."""
    rng = np.random.default_rng(seed)
    features = rng.random((n_queries * 10, 2)).astype(np.float32)
    best = features[:, 0].reshape(n_queries, 10).argmax(axis=1) + np.arange(n_queries) * 10
    labels = np.zeros(n_queries * 10)
    labels[best] = 1
    return RankingExamples(features, labels, np.full(n_queries, 10))


def _top_rows(model: LambdaMART, examples: RankingExamples) -> np.ndarray:
    scores = model.predict(examples.features).reshape(len(examples.groups), -1)
    return scores.argmax(axis=1)


def test_it_learns_which_feature_orders_the_rows() -> None:
    model = LambdaMART(TINY).fit(_best_is_largest(200, seed=0), NAMES)
    test = _best_is_largest(100, seed=1)
    labels = test.labels.reshape(100, 10)
    assert labels[np.arange(100), _top_rows(model, test)].mean() > 0.7  # chance is 0.1
    assert list(model.importance()) == ["signal", "noise"]


def test_the_same_seed_gives_the_same_model() -> None:
    examples = _best_is_largest(100, seed=2)
    first = LambdaMART(TINY).fit(examples, NAMES).predict(examples.features)
    again = LambdaMART(TINY).fit(examples, NAMES).predict(examples.features)
    assert np.array_equal(first, again)


def test_boosting_stops_when_the_held_aside_queries_stop_improving() -> None:
    rng = np.random.default_rng(3)
    noise = RankingExamples(
        rng.random((2000, 2)), (rng.random(2000) < 0.1).astype(float), np.full(200, 10)
    )
    config = TINY.model_copy(update={"max_rounds": 200, "holdout_fraction": 0.3})
    assert LambdaMART(config).fit(noise, NAMES).best_iteration < 50
    everything = config.model_copy(update={"holdout_fraction": 0.0})
    assert LambdaMART(everything).fit(noise, NAMES).best_iteration == 200


@pytest.mark.parametrize("split", ["exact", "draw"])
def test_without_held_aside_queries(split: str) -> None:
    examples = _best_is_largest(50, seed=4)
    config = TINY.model_copy(update={"holdout_fraction": 0.0, "holdout_split": split})
    booster = LambdaMART(config).fit(examples, NAMES).booster
    if split == "exact":  # asked for none: no early stopping, every round is kept
        assert booster.best_iteration == 0 and booster.current_iteration() == config.max_rounds
    else:  # an empty draw: early stopping watches the training queries
        assert 0 < booster.best_iteration == booster.current_iteration()


def test_the_gains_not_the_label_order_decide() -> None:
    """Each query: one row of label 2 (high `a`), one of label 1 (high `b`), the rest 0."""
    rng = np.random.default_rng(5)
    n_queries = 150
    features = rng.random((n_queries * 6, 2)) * 0.5
    labels = np.zeros(n_queries * 6)
    starts = np.arange(n_queries) * 6
    features[starts, 0] += 1.0
    labels[starts] = 2
    features[starts + 1, 1] += 1.0
    labels[starts + 1] = 1
    examples = RankingExamples(features, labels, np.full(n_queries, 6))

    def first_row(label_gain: list[float] | None) -> np.ndarray:
        model = LambdaMART(TINY).fit(examples, ["a", "b"], label_gain=label_gain)
        return _top_rows(model, examples)

    assert (first_row(None) == 0).mean() > 0.9  # gains 3 for label 2, 1 for label 1
    assert (first_row([0.0, 3.0, 1.0]) == 1).mean() > 0.9  # label 1 now worth more


def test_the_text_round_trip_keeps_names_rounds_and_scores() -> None:
    examples = _best_is_largest(100, seed=6)
    model = LambdaMART(TINY).fit(examples, NAMES)
    again = LambdaMART.from_text(model.to_text())
    assert again.feature_names == NAMES
    assert again.best_iteration == model.best_iteration
    assert np.array_equal(again.predict(examples.features), model.predict(examples.features))
    assert again.importance() == model.importance()


def test_bad_examples_say_what_is_wrong() -> None:
    features = np.zeros((4, 2))
    with pytest.raises(ValueError, match="3 labels for 4 feature rows"):
        RankingExamples(features, np.zeros(3), np.array([4]))
    with pytest.raises(ValueError, match="groups add up to 3 rows"):
        RankingExamples(features, np.zeros(4), np.array([1, 2]))
    with pytest.raises(ValueError, match="at least one row"):
        RankingExamples(features, np.zeros(4), np.array([4, 0]))
    with pytest.raises(ValueError, match="whole numbers"):
        RankingExamples(features, np.array([0, 0.5, 1, 0]), np.array([4]))
    with pytest.raises(ValueError, match="2-D"):
        RankingExamples(np.zeros(4), np.zeros(4), np.array([4]))


def test_bad_training_and_scoring_input_say_what_is_wrong() -> None:
    examples = _best_is_largest(20, seed=7)
    empty = RankingExamples(np.zeros((0, 2)), np.zeros(0), np.zeros(0, int))
    with pytest.raises(ValueError, match="no training query"):
        LambdaMART(TINY).fit(empty, NAMES)
    with pytest.raises(ValueError, match="1 feature names for 2 columns"):
        LambdaMART(TINY).fit(examples, ["signal"])
    with pytest.raises(ValueError, match="label 1 has no gain: label_gain covers labels 0..0"):
        LambdaMART(TINY).fit(examples, NAMES, label_gain=[0.0])
    with pytest.raises(RuntimeError, match="not fitted"):
        LambdaMART(TINY).predict(examples.features)
    model = LambdaMART(TINY).fit(examples, NAMES)
    with pytest.raises(ValueError, match="reads 2 columns"):
        model.predict(np.zeros((3, 5)))
    assert model.predict(np.zeros((0, 2))).shape == (0,)
    with pytest.raises(ValidationError):
        LambdaMARTConfig(n_estimators=10)


def test_recommendations_and_search_keep_their_own_defaults() -> None:
    shared = {
        "min_data_in_leaf": 100,
        "truncation_level": 20,
        "eval_at": 10,
        "seed": 0,
        "threads": 2,
        "bagging_fraction": 1.0,
        "bagging_freq": 0,
    }
    ranking = {"learning_rate": 0.1, "num_leaves": 31, "max_rounds": 300}
    ranking |= {"early_stopping_rounds": 30, "holdout_fraction": 0.1, "holdout_split": "exact"}
    ranking |= {"feature_fraction": 0.8, "lambda_l2": 1.0, "max_bin": 63, "deterministic": True}
    search = {"learning_rate": 0.02, "num_leaves": 15, "max_rounds": 2000}
    search |= {"early_stopping_rounds": 150, "holdout_fraction": 0.2, "holdout_split": "draw"}
    search |= {"feature_fraction": 1.0, "lambda_l2": 0.0, "max_bin": 255, "deterministic": False}
    assert LambdaMARTConfig().model_dump(include=set(shared | ranking)) == shared | ranking
    assert LearnedFusionConfig().model_dump(include=set(shared | search)) == shared | search


def test_the_search_config_names_its_renamed_settings() -> None:
    with pytest.raises(ValidationError, match="n_estimators is now max_rounds"):
        LearnedFusionConfig(n_estimators=100)
    assert LearnedFusionConfig(max_rounds=100, min_data_in_leaf=5).max_rounds == 100
