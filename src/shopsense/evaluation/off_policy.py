"""Off-policy evaluation: a policy's click rate estimated from another policy's logs.

A policy is given by its action distribution `action_dist[row, item, position]`, the probability
that it shows `item` at `position` in the context of logged impression `row` (shape
(n_items, n_positions) for a context-free policy). Over logged impressions with clicks `r`,
logged propensities `p` and target probabilities `w = action_dist[row, item, position] / p`:

- IPW (inverse propensity weighting): mean(w r); unbiased when every logged propensity is right.
- SNIPW (self-normalised IPW): sum(w r) / sum(w); slightly biased, lower variance.
- DR (doubly robust): mean(q_pi + w (r - q_logged)) with a click model's predictions
  `q_hat[row, item]` at the row's position; unbiased when either the propensities or the model
  are right.

Intervals are percentile bootstrap intervals over impressions (seeded).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.bandit import LoggedBandit

__all__ = [
    "BootstrapConfig",
    "Estimator",
    "PolicyEstimate",
    "estimate_policy_value",
    "target_probabilities",
]

#: Bootstrap resamples drawn per batch (bounds the memory of the index matrix).
_BOOTSTRAP_BATCH = 100


class Estimator(StrEnum):
    """The off-policy estimators."""

    IPW = "ipw"
    SNIPW = "snipw"
    DR = "dr"


class BootstrapConfig(BaseModel):
    """Percentile bootstrap over impressions."""

    model_config = ConfigDict(extra="forbid")

    resamples: int = Field(1000, ge=10, description="Bootstrap resamples.")
    confidence: float = Field(0.95, gt=0, lt=1, description="Coverage of the interval.")
    seed: int = Field(0, description="Seed of the resampling.")


@dataclass(frozen=True)
class PolicyEstimate:
    """An estimated click rate (a fraction) with its bootstrap interval."""

    estimator: Estimator
    estimate: float
    ci_low: float
    ci_high: float

    def covers(self, value: float) -> bool:
        """Whether `value` lies inside the interval."""
        return self.ci_low <= value <= self.ci_high


def target_probabilities(log: LoggedBandit, action_dist: np.ndarray) -> np.ndarray:
    """The probability the target policy gives each logged (item, position): shape (n,)."""
    dist = _per_row(log, action_dist)
    return dist[np.arange(len(log)), log.item, log.position]


def estimate_policy_value(
    log: LoggedBandit,
    action_dist: np.ndarray,
    estimator: Estimator | str,
    *,
    q_hat: np.ndarray | None = None,
    config: BootstrapConfig | None = None,
) -> PolicyEstimate:
    """The click rate of the policy `action_dist` estimated from `log` with a bootstrap interval.

    `q_hat[row, item]` (required for DR only): predicted click probability of each item at the
    row's logged position.
    """
    estimator = Estimator(estimator)
    config = config or BootstrapConfig()
    dist = _per_row(log, action_dist)
    rows = np.arange(len(log))
    weight = dist[rows, log.item, log.position] / log.propensity
    reward = log.click.astype(np.float64)
    denominator = np.ones_like(weight)
    if estimator is Estimator.IPW:
        numerator = weight * reward
    elif estimator is Estimator.SNIPW:
        numerator, denominator = weight * reward, weight
    else:
        if q_hat is None or q_hat.shape != (len(log), log.n_items):
            raise ValueError(f"q_hat: DR needs an array of shape ({len(log)}, {log.n_items})")
        at_position = dist[rows, :, log.position]
        direct = np.sum(at_position * q_hat, axis=1)
        numerator = direct + weight * (reward - q_hat[rows, log.item])
    low, high = _bootstrap(numerator, denominator, config)
    return PolicyEstimate(estimator, _ratio(numerator, denominator), low, high)


def _per_row(log: LoggedBandit, action_dist: np.ndarray) -> np.ndarray:
    """`action_dist` as (n, n_items, n_positions), broadcasting a context-free policy."""
    n_positions = max(log.n_positions, action_dist.shape[-1])
    expected = (log.n_items, n_positions)
    if action_dist.shape[-2:] != expected or action_dist.ndim not in (2, 3):
        raise ValueError(
            f"action_dist: shape {action_dist.shape}; expected (n, {expected[0]}, "
            f"{expected[1]}) or {expected}"
        )
    if action_dist.ndim == 3 and len(action_dist) != len(log):
        raise ValueError(f"action_dist: {len(action_dist)} rows for {len(log)} impressions")
    return np.broadcast_to(action_dist, (len(log), *expected))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    total = float(denominator.sum())
    return float(numerator.sum()) / total if total else 0.0


def _bootstrap(
    numerator: np.ndarray, denominator: np.ndarray, config: BootstrapConfig
) -> tuple[float, float]:
    rng = np.random.default_rng(config.seed)
    n = len(numerator)
    values = []
    for start in range(0, config.resamples, _BOOTSTRAP_BATCH):
        size = min(_BOOTSTRAP_BATCH, config.resamples - start)
        index = rng.integers(0, n, size=(size, n))
        den = denominator[index].sum(axis=1)
        values.append(
            np.divide(numerator[index].sum(axis=1), den, where=den > 0, out=np.zeros(size))
        )
    tail = (1 - config.confidence) / 2
    low, high = np.quantile(np.concatenate(values), [tail, 1 - tail])
    return float(low), float(high)
