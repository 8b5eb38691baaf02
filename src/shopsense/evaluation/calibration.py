"""Probability metrics for click prediction: AUC, log-loss, calibration error, reliability."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

__all__ = ["RELIABILITY_BINS", "click_metrics", "expected_calibration_error", "reliability_table"]

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


def click_metrics(clicks: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """AUC (0.5 when the test slice has one class), log-loss and calibration error."""
    clicks = np.asarray(clicks, dtype=np.int64)
    one_class = clicks.min() == clicks.max()
    return {
        "auc": 0.5 if one_class else float(roc_auc_score(clicks, predicted)),
        "log_loss": float(log_loss(clicks, predicted, labels=[0, 1])),
        "ece": expected_calibration_error(clicks, predicted),
        "mean_predicted": float(np.mean(predicted)),
        "click_rate": float(np.mean(clicks)),
    }
