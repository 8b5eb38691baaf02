"""Click-through prediction on logged impressions: the click model beside two baselines.

Protocol (DESIGN.md §3, "Clicks and policies"): per campaign, the first 70% of the impressions
by time train and the last 30% test. Settings are chosen on the last 20% of the training part
(models fitted on the first 80%), then refitted on the whole training part. Methods: the click
rate per position (the position prior), a logistic regression on one-hot categorical and scaled
numeric features, and the calibrated LightGBM click model.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from shopsense.data.bandit import LoggedBandit
from shopsense.evaluation.calibration import click_metrics, reliability_table
from shopsense.placement.bandit_features import CATEGORICAL, FEATURE_NAMES, logged_features
from shopsense.placement.click_model import ClickModel, ClickModelConfig

__all__ = [
    "TRAIN_FRACTION",
    "VALIDATION_FRACTION",
    "evaluate_click_models",
    "fit_click_model",
]

TRAIN_FRACTION = 0.7
VALIDATION_FRACTION = 0.2
#: The click model settings tried on validation.
CLICK_MODEL_GRID: dict[str, tuple[Any, ...]] = {
    "num_leaves": (3, 7),
    "rounds": (50, 150),
    "min_data_in_leaf": (50, 200),
    "calibration": ("platt", "isotonic"),
}
#: Inverse regularisation strengths of the logistic regression tried on validation.
LOGISTIC_C = (0.01, 0.1, 1.0)


@dataclass(frozen=True)
class PositionPrior:
    """The training click rate of each position."""

    rates: np.ndarray

    @classmethod
    def fit(cls, log: LoggedBandit) -> PositionPrior:
        """Click rate per position (positions never clicked get the overall rate)."""
        rates = np.array(
            [log.click[log.position == p].mean() for p in range(log.n_positions)], np.float64
        )
        return cls(np.where(rates > 0, rates, max(log.click_rate, 1e-6)))

    def predict(self, log: LoggedBandit) -> np.ndarray:
        """The prior of each impression's position."""
        return self.rates[log.position]


def _logistic(c: float) -> Pipeline:
    numeric = [i for i in range(len(FEATURE_NAMES)) if i not in CATEGORICAL]
    encode = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    return make_pipeline(encode, LogisticRegression(C=c, max_iter=2000))


def _fit_logistic(train: LoggedBandit) -> tuple[Pipeline, float]:
    fit, valid = train.split_by_time(1 - VALIDATION_FRACTION)
    losses = {
        c: log_loss(
            valid.click,
            _logistic(c)
            .fit(logged_features(fit), fit.click)
            .predict_proba(logged_features(valid))[:, 1],
            labels=[0, 1],
        )
        for c in LOGISTIC_C
    }
    best = min(losses, key=losses.__getitem__)
    return _logistic(best).fit(logged_features(train), train.click), best


def fit_click_model(train: LoggedBandit) -> tuple[ClickModel, ClickModelConfig]:
    """The click model with settings chosen on the training part's last 20%, refitted on all
    of it."""
    fit, valid = train.split_by_time(1 - VALIDATION_FRACTION)
    features, valid_features = logged_features(fit), logged_features(valid)
    best: tuple[float, ClickModelConfig] | None = None
    for values in product(*CLICK_MODEL_GRID.values()):
        config = ClickModelConfig(**dict(zip(CLICK_MODEL_GRID, values, strict=True)))
        model = ClickModel(config).fit(features, fit.click, CATEGORICAL)
        loss = log_loss(valid.click, model.predict(valid_features), labels=[0, 1])
        if best is None or loss < best[0]:
            best = (loss, config)
    assert best is not None
    config = best[1]
    return ClickModel(config).fit(logged_features(train), train.click, CATEGORICAL), config


def evaluate_click_models(log: LoggedBandit) -> dict[str, Any]:
    """Test metrics and reliability tables of the three methods on one campaign's log."""
    train, test = log.split_by_time(TRAIN_FRACTION)
    logistic, c = _fit_logistic(train)
    model, config = fit_click_model(train)
    predictions = {
        "position_prior": PositionPrior.fit(train).predict(test),
        "logistic_regression": logistic.predict_proba(logged_features(test))[:, 1],
        "click_model": model.predict(logged_features(test)),
    }
    return {
        "campaign": log.campaign,
        "policy": log.policy,
        "train": {"impressions": len(train), "clicks": int(train.click.sum())},
        "test": {"impressions": len(test), "clicks": int(test.click.sum())},
        "methods": {
            name: {
                **click_metrics(test.click, predicted),
                "reliability": reliability_table(test.click, predicted),
            }
            for name, predicted in predictions.items()
        },
        "settings": {
            "logistic_regression": {"C": c},
            "click_model": config.model_dump(),
        },
    }
