"""Probability metrics for click prediction: AUC, log-loss, calibration error, reliability."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

__all__ = [
    "RELIABILITY_BINS",
    "auc_interval",
    "click_metrics",
    "expected_calibration_error",
    "reliability_table",
]

#: Equal-count bins of the reliability table and the calibration error (equal-width bins would
#: put nearly every prediction of a 0.5% click rate in the first one).
RELIABILITY_BINS = 10


def reliability_table(
    clicks: np.ndarray, predicted: np.ndarray, bins: int = RELIABILITY_BINS
) -> list[dict[str, float]]:
    """Per equal-count bin of the predictions: size, mean prediction and observed click rate."""
    order = np.argsort(predicted, kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        if len(part):
            rows.append(
                {
                    "n": int(len(part)),
                    "predicted": float(predicted[part].mean()),
                    "observed": float(clicks[part].mean()),
                }
            )
    return rows


def expected_calibration_error(
    clicks: np.ndarray, predicted: np.ndarray, bins: int = RELIABILITY_BINS
) -> float:
    """Size-weighted mean gap between mean prediction and click rate over equal-count bins."""
    table = reliability_table(clicks, predicted, bins)
    total = sum(row["n"] for row in table)
    return float(sum(row["n"] * abs(row["predicted"] - row["observed"]) for row in table) / total)


def auc_interval(
    clicks: np.ndarray,
    predicted: np.ndarray,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the AUC over impressions (resamples with one class
    are skipped): with a few dozen clicks it says how far from 0.5 an AUC can be by chance."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        index = rng.integers(0, len(clicks), len(clicks))
        sample = clicks[index]
        if sample.min() != sample.max():
            values.append(roc_auc_score(sample, predicted[index]))
    if not values:
        return 0.5, 0.5
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def click_metrics(clicks: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """AUC (0.5 when the test slice has one class) with its bootstrap interval, log-loss and
    calibration error."""
    clicks = np.asarray(clicks, dtype=np.int64)
    one_class = clicks.min() == clicks.max()
    auc_low, auc_high = auc_interval(clicks, predicted)
    return {
        "auc": 0.5 if one_class else float(roc_auc_score(clicks, predicted)),
        "auc_ci_low": auc_low,
        "auc_ci_high": auc_high,
        "log_loss": float(log_loss(clicks, predicted, labels=[0, 1])),
        "ece": expected_calibration_error(clicks, predicted),
        "mean_predicted": float(np.mean(predicted)),
        "click_rate": float(np.mean(clicks)),
    }
