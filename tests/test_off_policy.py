"""Off-policy estimators on a synthetic logged bandit whose true policy value is known."""

from __future__ import annotations

import numpy as np
import pytest

from shopsense.data.bandit import LoggedBandit
from shopsense.evaluation.off_policy import (
    BootstrapConfig,
    Estimator,
    estimate_policy_value,
    target_probabilities,
)

N_ITEMS, N_POSITIONS = 6, 3
#: Click probability of each item at each position (higher items, higher positions click more).
CTR = np.linspace(0.02, 0.12, N_ITEMS)[:, None] * np.array([1.0, 0.7, 0.5])[None, :]


def _target() -> np.ndarray:
    """A context-free policy that prefers the high-CTR items (each column sums to 1)."""
    weights = np.arange(1, N_ITEMS + 1, dtype=np.float64) ** 2
    return np.repeat((weights / weights.sum())[:, None], N_POSITIONS, axis=1)


def _truth(dist: np.ndarray) -> float:
    """Clicks per impression of `dist` when positions are equally frequent."""
    return float(np.mean(np.sum(dist * CTR, axis=0)))


def _log(n: int, seed: int, propensity_error: float = 1.0) -> LoggedBandit:
    """Uniform random logging: a uniform position, a uniform item, a Bernoulli click."""
    rng = np.random.default_rng(seed)
    item = rng.integers(0, N_ITEMS, n)
    position = rng.integers(0, N_POSITIONS, n)
    return LoggedBandit(
        campaign="synthetic",
        policy="random",
        timestamp=np.arange(n),
        item=item,
        position=position,
        click=(rng.random(n) < CTR[item, position]).astype(np.int8),
        propensity=np.full(n, propensity_error / N_ITEMS),
        user_features=np.zeros((n, 4), dtype=np.int64),
        affinity=np.zeros((n, N_ITEMS)),
        item_numeric=np.zeros((N_ITEMS, 1)),
        item_categorical=np.zeros((N_ITEMS, 3), dtype=np.int64),
    )


def _q_hat(log: LoggedBandit, bias: float) -> np.ndarray:
    """A deliberately wrong click model: the true CTR times `bias`, at each row's position."""
    return np.clip(CTR[:, log.position].T * bias, 0, 1)


@pytest.mark.parametrize("estimator", list(Estimator))
def test_estimators_are_unbiased_and_intervals_cover(estimator: Estimator) -> None:
    dist, truth = _target(), _truth(_target())
    config = BootstrapConfig(resamples=200)
    estimates, covered = [], 0
    for seed in range(60):
        log = _log(4000, seed)
        q_hat = _q_hat(log, bias=1.5)  # DR must stay unbiased with a wrong model
        result = estimate_policy_value(log, dist, estimator, q_hat=q_hat, config=config)
        estimates.append(result.estimate)
        covered += result.covers(truth)
    standard_error = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - truth) < 3 * standard_error + 1e-4
    assert covered / len(estimates) >= 0.85


def test_wrong_propensities_bias_ipw() -> None:
    """The check above has teeth: propensities logged at half their value double IPW."""
    dist, truth = _target(), _truth(_target())
    log = _log(20000, 0, propensity_error=0.5)
    result = estimate_policy_value(log, dist, Estimator.IPW, config=BootstrapConfig(resamples=50))
    assert result.estimate > 1.5 * truth and not result.covers(truth)


def test_on_policy_evaluation_is_the_click_rate() -> None:
    log = _log(3000, 1)
    uniform = np.full((N_ITEMS, N_POSITIONS), 1.0 / N_ITEMS)
    for estimator in (Estimator.IPW, Estimator.SNIPW):
        result = estimate_policy_value(log, uniform, estimator, config=BootstrapConfig())
        assert result.estimate == pytest.approx(log.click_rate)
        assert result.ci_low <= log.click_rate <= result.ci_high


def test_target_probabilities_and_bad_shapes_are_named() -> None:
    log = _log(100, 2)
    dist = _target()
    assert np.allclose(target_probabilities(log, dist), dist[log.item, log.position])
    with pytest.raises(ValueError, match="action_dist"):
        estimate_policy_value(log, dist[:, :2], Estimator.IPW)
    with pytest.raises(ValueError, match="q_hat"):
        estimate_policy_value(log, dist, Estimator.DR)
