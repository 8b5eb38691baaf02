"""Open Bandit Dataset (ZOZOTOWN, Saito et al. 2021): logged bandit feedback with propensities.

Folder layout (the `obd/` folder of st-tech/zr-obp): `{random,bts}/{men,women}/{campaign}.csv`,
one row per impression (`timestamp, item_id, position` 1-3, `click`, `propensity_score`, four
hashed `user_feature_*`, one `user-item_affinity_<item>` column per item) beside
`item_context.csv` (`item_id`, a numeric `item_feature_0` and three hashed ones), and
`prior_bts.yaml`, the Beta priors of the Bernoulli Thompson-sampling policy per campaign.

Logged feedback is not a shop (no catalogue texts, no shopper histories), so this loader returns
a `LoggedBandit`, not a `Dataset`, and is not one of `shopsense.data.loaders.load`'s formats.
Hashed categorical features become integer codes (per file: rank of the hash among the file's
values).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import yaml

from shopsense.data.bandit import LoggedBandit
from shopsense.data.errors import DataError

__all__ = ["CAMPAIGNS", "POLICIES", "PRIOR_FILE", "load_bts_prior", "load_open_bandit"]

CAMPAIGNS = ("men", "women")
POLICIES = ("random", "bts")
PRIOR_FILE = "prior_bts.yaml"
_REQUIRED = ("timestamp", "item_id", "position", "click", "propensity_score")
_USER_FEATURES = tuple(f"user_feature_{i}" for i in range(4))
_ITEM_FEATURES = tuple(f"item_feature_{i}" for i in range(4))
_AFFINITY = "user-item_affinity_"


def load_open_bandit(root: str | Path, policy: str, campaign: str) -> LoggedBandit:
    """The `policy` ("random" or "bts") logs of `campaign` ("men" or "women") under `root`."""
    if policy not in POLICIES:
        raise DataError(f"unknown policy {policy!r}; one of {', '.join(POLICIES)}", field="policy")
    if campaign not in CAMPAIGNS:
        raise DataError(
            f"unknown campaign {campaign!r}; one of {', '.join(CAMPAIGNS)}", field="campaign"
        )
    folder = Path(root) / policy / campaign
    logs, items = folder / f"{campaign}.csv", folder / "item_context.csv"
    for path in (logs, items):
        if not path.is_file():
            raise DataError("file not found", source=str(path))
    frame = _read(logs, (*_REQUIRED, *_USER_FEATURES))
    item_table = _read(items, ("item_id", *_ITEM_FEATURES)).sort("item_id")
    n_items = item_table.height
    if item_table["item_id"].to_list() != list(range(n_items)):
        raise DataError("item ids must be 0 .. n_items - 1", source=str(items), field="item_id")
    affinity_columns = [f"{_AFFINITY}{i}" for i in range(n_items)]
    missing = [column for column in affinity_columns if column not in frame.columns]
    if missing:
        raise DataError("missing column", source=str(logs), field=missing[0])
    position = frame["position"].to_numpy() - 1
    if position.min() < 0:
        raise DataError("positions start at 1", source=str(logs), field="position")
    return LoggedBandit(
        campaign=campaign,
        policy=policy,
        timestamp=frame["timestamp"].str.to_datetime(time_zone="UTC").to_numpy(),
        item=frame["item_id"].to_numpy().astype(np.int64),
        position=position.astype(np.int64),
        click=frame["click"].to_numpy().astype(np.int8),
        propensity=frame["propensity_score"].to_numpy().astype(np.float64),
        user_features=np.column_stack([_codes(frame[name]) for name in _USER_FEATURES]),
        affinity=frame.select(affinity_columns).to_numpy().astype(np.float64),
        item_numeric=item_table.select(_ITEM_FEATURES[0]).to_numpy().astype(np.float64),
        item_categorical=np.column_stack([_codes(item_table[name]) for name in _ITEM_FEATURES[1:]]),
    )


def load_bts_prior(root: str | Path, campaign: str) -> tuple[np.ndarray, np.ndarray]:
    """The Beta(alpha, beta) prior per item the Thompson-sampling policy of `campaign` started
    from (`prior_bts.yaml`), as two arrays indexed by item id."""
    path = Path(root) / PRIOR_FILE
    if not path.is_file():
        raise DataError("file not found", source=str(path))
    priors = yaml.safe_load(path.read_text(encoding="utf-8"))
    if campaign not in priors:
        raise DataError("no prior for this campaign", source=str(path), field=campaign)
    alpha = np.asarray(priors[campaign]["alpha"], dtype=np.float64)
    beta = np.asarray(priors[campaign]["beta"], dtype=np.float64)
    if alpha.shape != beta.shape or np.any(alpha <= 0) or np.any(beta <= 0):
        raise DataError(
            "alpha and beta must be equally long lists of positive numbers",
            source=str(path),
            field=campaign,
        )
    return alpha, beta


def _read(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path)
    except pl.exceptions.PolarsError as error:
        raise DataError(f"not a readable CSV ({error})", source=str(path)) from None
    for column in required:
        if column not in frame.columns:
            raise DataError("missing column", source=str(path), field=column)
    return frame


def _codes(column: pl.Series) -> np.ndarray:
    """Integer codes of a hashed categorical column, in sorted order of its values."""
    return column.cast(pl.String).rank("dense").to_numpy().astype(np.int64) - 1
