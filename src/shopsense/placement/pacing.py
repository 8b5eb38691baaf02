"""Budget pacing: a daily budget spread over the day, and a ledger that never overspends it.

A campaign may take part in an auction only while its spend today is below its share of the
budget for the time of day (the cumulative share of the day's traffic so far, by an hourly
traffic profile, plus a tolerance) and its remaining budget covers a click at its bid. A click
is charged its second price, or what is left of the day's budget if that is less: spend never
passes the budget, whatever clicks arrive late.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["BudgetLedger", "PacingConfig", "spend_share"]

HOURS = 24


class PacingConfig(BaseModel):
    """How a daily budget is spread over the day."""

    model_config = ConfigDict(extra="forbid")

    hourly_traffic: list[float] = Field(
        default_factory=lambda: [1.0] * HOURS,
        description="Relative traffic in each UTC hour (24 values); the budget follows it. "
        "Default: uniform.",
    )
    tolerance: float = Field(
        0.05, ge=0, le=1, description="Share of the daily budget spend may run ahead of plan."
    )

    @field_validator("hourly_traffic")
    @classmethod
    def _profile(cls, value: list[float]) -> list[float]:
        if len(value) != HOURS or min(value) < 0 or sum(value) <= 0:
            raise ValueError(f"needs {HOURS} non-negative values with a positive sum")
        return value


def spend_share(moment: datetime, config: PacingConfig) -> float:
    """Share of a day's budget planned to be spent by `moment` (UTC), in [0, 1]."""
    return _share(moment, _cumulative(config))


def _cumulative(config: PacingConfig) -> list[float]:
    """Planned share of the day's spend at the start of each hour, and 1 at its end."""
    traffic = np.asarray(config.hourly_traffic, dtype=np.float64)
    return [0.0, *(np.cumsum(traffic) / traffic.sum()).tolist()]


def _share(moment: datetime, cumulative: list[float]) -> float:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    within = (moment.minute * 60 + moment.second + moment.microsecond / 1e6) / 3600
    start, end = cumulative[moment.hour], cumulative[moment.hour + 1]
    return start + (end - start) * within


class BudgetLedger:
    """Spend per campaign and UTC day; decides eligibility and charges clicks."""

    def __init__(self, config: PacingConfig | None = None) -> None:
        self.config = config or PacingConfig()
        self._cumulative = _cumulative(self.config)
        self._spent: defaultdict[tuple[str, date], float] = defaultdict(float)

    def spent(self, campaign_id: str, day: date) -> float:
        """What the campaign has been charged on `day`."""
        return self._spent[(campaign_id, day)]

    def restore(self, campaign_id: str, day: date, amount: float) -> None:
        """Set the spend of a campaign's day (from the store, after a restart)."""
        self._spent[(campaign_id, day)] = amount

    def may_bid(self, campaign_id: str, budget: float, bid: float, moment: datetime) -> bool:
        """Whether the campaign is within its pacing plan and can still pay a click at `bid`."""
        spent = self._spent[(campaign_id, _day(moment))]
        planned = budget * min(1.0, _share(moment, self._cumulative) + self.config.tolerance)
        return spent < planned and spent + bid <= budget

    def charge(self, campaign_id: str, budget: float, price: float, moment: datetime) -> float:
        """Charge a click at `price`, capped by what is left of the day's budget; return it."""
        key = (campaign_id, _day(moment))
        amount = max(0.0, min(price, budget - self._spent[key]))
        self._spent[key] += amount
        return amount


def _day(moment: datetime) -> date:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
