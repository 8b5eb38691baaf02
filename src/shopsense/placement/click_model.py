"""The click model: predicted click probability of an item shown at a position, calibrated.

LightGBM's binary objective over shopper, item, context and position features (categorical
columns declared), then a calibration map fitted on a later slice of the training impressions
(time order): Platt scaling (a logistic regression on the model's log-odds) or isotonic
regression. With clicks as rare as in the Open Bandit Dataset (about 0.5%), Platt's two
parameters are the steadier choice and the default.

`learning.LambdaMART` is the project's LightGBM wrapper for ranking objectives; a pointwise,
calibrated probability is a different job, so this module holds the binary one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

__all__ = ["ClickModel", "ClickModelConfig"]

#: Probabilities are kept this far from 0 and 1 (log-odds and log-loss stay finite).
_EPSILON = 1e-6


class ClickModelConfig(BaseModel):
    """LightGBM and calibration settings of the click model."""

    model_config = ConfigDict(extra="forbid")

    learning_rate: float = Field(0.05, gt=0, description="Shrinkage per boosting round.")
    rounds: int = Field(100, ge=1, description="Boosting rounds.")
    num_leaves: int = Field(7, ge=2, description="Leaves per tree.")
    min_data_in_leaf: int = Field(100, ge=1, description="Fewest impressions in a leaf.")
    lambda_l2: float = Field(10.0, ge=0, description="L2 penalty on leaf values.")
    feature_fraction: float = Field(0.8, gt=0, le=1, description="Features per tree.")
    cat_smooth: float = Field(50.0, ge=0, description="Smoothing of categorical splits.")
    calibration: Literal["platt", "isotonic"] = Field(
        "platt", description="The calibration map fitted on the calibration slice."
    )
    calibration_fraction: float = Field(
        0.2, gt=0, lt=1, description="Last share of the training rows (time order) it uses."
    )
    seed: int = Field(0, description="LightGBM seed.")
    threads: int = Field(1, ge=1, description="LightGBM threads.")


class ClickModel:
    """`fit(features, clicks, categorical)` on time-ordered impressions, then `predict`."""

    def __init__(self, config: ClickModelConfig | None = None) -> None:
        self.config = config or ClickModelConfig()
        self._booster: lgb.Booster | None = None
        self._calibrator: IsotonicRegression | LogisticRegression | None = None

    def fit(
        self, features: np.ndarray, clicks: np.ndarray, categorical: Sequence[int] = ()
    ) -> ClickModel:
        """Train on the first rows and calibrate on the last `calibration_fraction`."""
        clicks = np.asarray(clicks, dtype=np.float64)
        if len(features) != len(clicks):
            raise ValueError(f"clicks: {len(clicks)} labels for {len(features)} rows")
        cut = int(round(len(clicks) * (1 - self.config.calibration_fraction)))
        if clicks[:cut].sum() == 0 or clicks[cut:].sum() == 0:
            raise ValueError("clicks: both the training and the calibration slice need a click")
        config = self.config
        params = {
            "objective": "binary",
            "learning_rate": config.learning_rate,
            "num_leaves": config.num_leaves,
            "min_data_in_leaf": config.min_data_in_leaf,
            "lambda_l2": config.lambda_l2,
            "feature_fraction": config.feature_fraction,
            "cat_smooth": config.cat_smooth,
            "min_data_per_group": config.min_data_in_leaf,
            "seed": config.seed,
            "num_threads": config.threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        train = lgb.Dataset(
            features[:cut], clicks[:cut], categorical_feature=list(categorical), free_raw_data=True
        )
        self._booster = lgb.train(params, train, num_boost_round=config.rounds)
        raw = self._raw(features[cut:])
        if config.calibration == "isotonic":
            self._calibrator = IsotonicRegression(
                y_min=_EPSILON, y_max=1 - _EPSILON, out_of_bounds="clip"
            ).fit(raw, clicks[cut:])
        else:
            self._calibrator = LogisticRegression(C=1e6).fit(raw[:, None], clicks[cut:])
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Calibrated click probabilities, one per row."""
        if self._calibrator is None:
            raise RuntimeError("ClickModel.predict before fit")
        raw = self._raw(features)
        if isinstance(self._calibrator, IsotonicRegression):
            probability = self._calibrator.predict(raw)
        else:
            probability = self._calibrator.predict_proba(raw[:, None])[:, 1]
        return np.clip(probability, _EPSILON, 1 - _EPSILON)

    def _raw(self, features: np.ndarray) -> np.ndarray:
        """The booster's log-odds."""
        if self._booster is None:
            raise RuntimeError("ClickModel.predict before fit")
        return self._booster.predict(features, raw_score=True)
