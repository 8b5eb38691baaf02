"""Off-policy evaluation on the Open Bandit Dataset: validation against a known policy, and the
choice of a learned policy (what `shopsense evaluate-policy` runs).

Validation (the dataset paper's protocol): the Bernoulli Thompson-sampling policy's action
distribution, by Monte Carlo over its Beta priors (`prior_bts.yaml`), is evaluated on all of
the random policy's logs of a campaign with IPW, SNIPW and DR, and compared with the click rate
that policy really had in its own logs (`bts/`). DR's click model is cross-fitted over two time
halves (each half scored by a model trained on the other).

Policy choice: the candidates show a random arrangement of the top m items of a learned ranking
(the click model's, or the items' smoothed click rates), for several m. On the first 70% (time)
of the random logs, they are fitted on the first 80% and compared by the lower end of their DR
interval on the last 20% (pessimism: with a few dozen clicks, the highest point estimate is
mostly luck); the best is refitted on the whole
70% and estimated on the held-out last 30% beside the random policy (its on-policy click rate
there) and the Thompson-sampling policy (off-policy estimate on the same rows, and its true
click rate in its own logs over the same period).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from shopsense.data.bandit import LoggedBandit
from shopsense.data.loaders.open_bandit import CAMPAIGNS, load_bts_prior, load_open_bandit
from shopsense.evaluation.clicks import (
    TRAIN_FRACTION,
    VALIDATION_FRACTION,
    evaluate_click_models,
    fit_click_model,
)
from shopsense.evaluation.off_policy import BootstrapConfig, Estimator, estimate_policy_value
from shopsense.placement.bandit_features import all_items_features
from shopsense.placement.click_model import ClickModel
from shopsense.placement.exploration import rank_distribution
from shopsense.placement.policies import top_m_distribution, uniform_distribution

__all__ = [
    "PRIOR_DRAWS",
    "choose_policy",
    "evaluate_policies",
    "item_scores",
    "thompson_distribution",
    "validate_estimators",
]

#: Monte Carlo draws of the Thompson-sampling policy's action distribution.
PRIOR_DRAWS = 200_000
#: Smoothing of the context-free item click rates (pseudo-impressions at the mean rate).
ITEM_PRIOR_IMPRESSIONS = 100.0
#: Sizes m of the "uniform over the top m" candidate policies (kept when n_positions <= m).
TOP_M = (3, 5, 10, 20)
#: A learned ranking: item scores (n, n_items) for the rows of a log.
Scores = Callable[[LoggedBandit], np.ndarray]
#: A policy: its action distribution (n, n_items, n_positions) over the rows of a log.
Policy = Callable[[LoggedBandit], np.ndarray]


def item_scores(model: ClickModel, log: LoggedBandit) -> np.ndarray:
    """Predicted click probability of every item at every position for every impression row:
    shape (n, n_items, n_positions)."""
    n_positions = log.n_positions
    scores = np.empty((len(log), log.n_items, n_positions))
    for position in range(n_positions):
        features = all_items_features(log, np.full(len(log), position))
        scores[:, :, position] = model.predict(features).reshape(len(log), log.n_items)
    return scores


def _at_logged_position(log: LoggedBandit, scores: np.ndarray) -> np.ndarray:
    """q_hat[row, item] at each row's logged position (what DR needs)."""
    return scores[np.arange(len(log)), :, log.position]


def _cross_fitted_scores(log: LoggedBandit) -> np.ndarray:
    """Scores of every row by a click model trained on the other time half."""
    first, second = log.split_by_time(0.5)
    scores = np.empty((len(log), log.n_items, log.n_positions))
    order = np.argsort(log.timestamp, kind="stable")
    half = len(first)
    for rows, train, target in ((order[half:], first, second), (order[:half], second, first)):
        model, _ = fit_click_model(train)
        scores[np.sort(rows)] = item_scores(model, target)
    return scores


def _estimates(
    log: LoggedBandit,
    dist: np.ndarray,
    scores: np.ndarray,
    bootstrap: BootstrapConfig,
) -> dict[Estimator, Any]:
    q_hat = _at_logged_position(log, scores)
    return {
        estimator: estimate_policy_value(log, dist, estimator, q_hat=q_hat, config=bootstrap)
        for estimator in Estimator
    }


def thompson_distribution(root: Path, campaign: str, n_positions: int, seed: int) -> np.ndarray:
    """The Thompson-sampling policy's action distribution from its priors (Monte Carlo)."""
    alpha, beta = load_bts_prior(root, campaign)
    return rank_distribution(alpha, beta, n_positions, PRIOR_DRAWS, np.random.default_rng(seed))


def validate_estimators(
    random_log: LoggedBandit,
    bts_log: LoggedBandit,
    bts_dist: np.ndarray,
    bootstrap: BootstrapConfig,
) -> list[dict[str, Any]]:
    """Each estimator's estimate of the Thompson-sampling policy's click rate from the random
    logs, beside its true click rate (rows of the report's `ope_validation`)."""
    truth = bts_log.click_rate
    estimates = _estimates(random_log, bts_dist, _cross_fitted_scores(random_log), bootstrap)
    return [
        {
            "campaign": random_log.campaign,
            "estimator": estimator.value,
            "estimate": estimate.estimate,
            "ci_low": estimate.ci_low,
            "ci_high": estimate.ci_high,
            "truth": truth,
            "relative_error": abs(estimate.estimate - truth) / truth if truth else None,
            "covered": estimate.covers(truth),
        }
        for estimator, estimate in estimates.items()
    ]


def _item_ctr_scores(train: LoggedBandit, log: LoggedBandit) -> np.ndarray:
    """Context-free scores: each item's smoothed training click rate, the same for every row."""
    shows = np.bincount(train.item, minlength=train.n_items)
    clicks = np.bincount(train.item, weights=train.click, minlength=train.n_items)
    rate = (clicks + ITEM_PRIOR_IMPRESSIONS * train.click_rate) / (shows + ITEM_PRIOR_IMPRESSIONS)
    return np.broadcast_to(rate[None, :], (len(log), log.n_items))


def _scorers(train: LoggedBandit, model: ClickModel) -> dict[str, Scores]:
    """Item scores per row (n, n_items) of each learned ranking: the click model's (fitted on
    `train`) and the items' click rates in `train`."""
    return {
        "click_model": lambda log: item_scores(model, log).mean(axis=2),
        "item_ctr": lambda log: _item_ctr_scores(train, log),
    }


def _policies(train: LoggedBandit, model: ClickModel) -> dict[str, Policy]:
    """The candidate learned policies: uniform over the top m of a learned ranking."""
    n_positions, n_items = train.n_positions, train.n_items
    sizes = sorted({min(n_items, size) for size in TOP_M if size >= n_positions})
    return {
        f"top{m}_{name}": _top_m(scorer, m, n_positions)
        for name, scorer in _scorers(train, model).items()
        for m in sizes
    }


def _top_m(scorer: Scores, m: int, n_positions: int) -> Policy:
    return lambda log: top_m_distribution(scorer(log), m, n_positions)


def _row(name: str, estimates: dict[Estimator, Any]) -> dict[str, Any]:
    return {
        "policy": name,
        **{
            estimator.value: {
                "estimate": estimate.estimate,
                "ci_low": estimate.ci_low,
                "ci_high": estimate.ci_high,
            }
            for estimator, estimate in estimates.items()
        },
    }


def choose_policy(
    random_log: LoggedBandit,
    bts_log: LoggedBandit,
    bts_dist: np.ndarray,
    bootstrap: BootstrapConfig,
) -> dict[str, Any]:
    """Pick a learned policy on validation, then estimate it on the held-out 30% beside the
    random and the Thompson-sampling policies."""
    train, test = random_log.split_by_time(TRAIN_FRACTION)
    fit, valid = train.split_by_time(1 - VALIDATION_FRACTION)
    valid_model, _ = fit_click_model(fit)
    valid_scores = item_scores(valid_model, valid)
    validation = {
        name: _estimates(valid, policy(valid), valid_scores, bootstrap)
        for name, policy in _policies(fit, valid_model).items()
    }
    chosen = max(validation, key=lambda name: validation[name][Estimator.DR].ci_low)
    test_model, _ = fit_click_model(train)
    policy = _policies(train, test_model)[chosen]
    test_scores = item_scores(test_model, test)
    uniform = uniform_distribution(test.n_items, test.n_positions)
    start = test.timestamp.min()
    bts_same_period = bts_log.subset(bts_log.timestamp >= start)
    return {
        "campaign": random_log.campaign,
        "validation": [_row(name, estimates) for name, estimates in validation.items()],
        "chosen": chosen,
        "test": [
            _row(
                chosen,
                _estimates(test, policy(test), test_scores, bootstrap),
            ),
            _row("random", _estimates(test, uniform, test_scores, bootstrap)),
            _row("thompson_sampling", _estimates(test, bts_dist, test_scores, bootstrap)),
        ],
        "thompson_sampling_on_policy": {
            "impressions": len(bts_same_period),
            "click_rate": bts_same_period.click_rate,
        },
        "test_impressions": len(test),
        "test_clicks": int(test.click.sum()),
    }


def evaluate_policies(
    root: str | Path,
    campaigns: tuple[str, ...] = CAMPAIGNS,
    bootstrap: BootstrapConfig | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The full report: click models, estimator validation and the learned policy's choice."""
    root = Path(root)
    bootstrap = bootstrap or BootstrapConfig(seed=seed)
    report: dict[str, Any] = {
        "data": str(root),
        "protocol": (
            f"time-ordered split per campaign: first {TRAIN_FRACTION:.0%} train, the rest test; "
            f"settings chosen on the last {VALIDATION_FRACTION:.0%} of train; bootstrap "
            f"{bootstrap.resamples} resamples, {bootstrap.confidence:.0%} percentile intervals; "
            f"Thompson-sampling distribution by {PRIOR_DRAWS:,} Monte Carlo draws of its priors"
        ),
        "click_models": [],
        "ope_validation": [],
        "policy_choice": [],
    }
    for campaign in campaigns:
        random_log = load_open_bandit(root, "random", campaign)
        bts_log = load_open_bandit(root, "bts", campaign)
        bts_dist = thompson_distribution(root, campaign, random_log.n_positions, seed)
        report["click_models"].append(evaluate_click_models(random_log))
        report["ope_validation"] += validate_estimators(random_log, bts_log, bts_dist, bootstrap)
        report["policy_choice"].append(choose_policy(random_log, bts_log, bts_dist, bootstrap))
    return report
