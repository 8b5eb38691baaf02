"""`LoggedBandit`: logged bandit feedback, one row per impression of one item at one position.

The record the click model trains on and off-policy evaluation reads: which item a policy
showed, where, with what probability (`propensity`), whether it was clicked, and the context
it was shown in. Loaders build it (`shopsense.data.loaders.open_bandit`); models never parse
files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["LoggedBandit"]


@dataclass(frozen=True)
class LoggedBandit:
    """Impressions of one campaign under one logging policy, in time order.

    `user_features` holds integer codes of categorical shopper features (n x f_u);
    `affinity[row, item]` a numeric shopper-item affinity; `item_numeric` and `item_categorical`
    the item table (n_items x ...). Positions are 0-based.
    """

    campaign: str
    policy: str
    timestamp: np.ndarray
    item: np.ndarray
    position: np.ndarray
    click: np.ndarray
    propensity: np.ndarray
    user_features: np.ndarray
    affinity: np.ndarray
    item_numeric: np.ndarray
    item_categorical: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.item)
        for name in ("timestamp", "position", "click", "propensity", "user_features", "affinity"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"LoggedBandit.{name}: {len(getattr(self, name))} rows, not {n}")
        if n and not np.all((self.propensity > 0) & (self.propensity <= 1)):
            raise ValueError("LoggedBandit.propensity: every propensity must be in (0, 1]")
        if n and (self.item.min() < 0 or self.item.max() >= self.n_items):
            raise ValueError(f"LoggedBandit.item: ids must be in [0, {self.n_items})")

    def __len__(self) -> int:
        return len(self.item)

    @property
    def n_items(self) -> int:
        """Items the policy chose from."""
        return len(self.item_numeric)

    @property
    def n_positions(self) -> int:
        """Positions of the list the policy filled."""
        return int(self.position.max()) + 1 if len(self) else 0

    @property
    def click_rate(self) -> float:
        """Clicks per impression: the on-policy value of the logging policy."""
        return float(self.click.mean()) if len(self) else 0.0

    def subset(self, rows: np.ndarray | slice) -> LoggedBandit:
        """The impressions at `rows` (indices, mask or slice); the item table is kept whole."""
        return replace(
            self,
            timestamp=self.timestamp[rows],
            item=self.item[rows],
            position=self.position[rows],
            click=self.click[rows],
            propensity=self.propensity[rows],
            user_features=self.user_features[rows],
            affinity=self.affinity[rows],
        )

    def split_by_time(self, train_fraction: float) -> tuple[LoggedBandit, LoggedBandit]:
        """The first `train_fraction` of impressions by time, and the rest."""
        if not 0 < train_fraction < 1:
            raise ValueError(f"train_fraction: {train_fraction} is not in (0, 1)")
        order = np.argsort(self.timestamp, kind="stable")
        cut = int(round(len(self) * train_fraction))
        return self.subset(np.sort(order[:cut])), self.subset(np.sort(order[cut:]))
