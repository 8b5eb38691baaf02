"""A streaming burst detector for counts per time bucket (reviews, complaints, mentions).

For each horizon h (a number of buckets) it keeps an exponentially weighted baseline of the sum of
h consecutive buckets: its mean and variance, learned only from sums that ended at least h buckets
ago (a burst in progress does not raise its own baseline), and from counts clipped at `clip`
standard deviations above the expected count (a past burst does not inflate it for weeks). The
surprise of the latest h buckets is -log10 of the upper tail probability of their sum under a
negative binomial with that mean and variance (a Poisson where counts are not over-dispersed).

With `record_window` set, each horizon's surprise is divided by the largest one it had over that
many past buckets (at least `record_floor`): a score of 1 ties the recent record. This calibrates
one threshold across series that the count model fits more or less well. The detector's score is
the largest over its horizons, so a one-bucket spike and a slower build-up both stand out.

It reads one bucket at a time and never looks ahead. Without records, empty stretches are skipped
in closed form, so a quiet product costs nothing between its reviews.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy import special

__all__ = [
    "Alarm",
    "BurstDetector",
    "DetectorConfig",
    "HorizonScore",
    "alarm_points",
    "share_surprise",
    "tail_surprise",
]

#: The surprise reported for a binomial tail that underflows to zero.
MAX_SURPRISE = 300.0


class DetectorConfig(BaseModel):
    """How a `BurstDetector` forms its baselines and scores the latest buckets (bucket units)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizons: tuple[int, ...] = Field(default=(1, 3, 12), description="buckets summed per horizon")
    half_life: float = Field(default=2016.0, gt=0, description="buckets for a weight to halve")
    warmup: int = Field(default=288, ge=0, description="buckets seen before any score is given")
    clip: float = Field(
        default=2.0, gt=0, description="standard deviations a count may exceed the baseline by"
    )
    min_mean: float = Field(
        default=0.05, gt=0, description="least expected count per bucket (a prior for quiet series)"
    )
    record_window: int = Field(
        default=0, ge=0, description="past buckets whose largest surprise divides it (0: off)"
    )
    record_floor: float = Field(default=1.0, gt=0, description="least divisor of a surprise")

    @field_validator("horizons")
    @classmethod
    def _positive_horizons(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or min(value) < 1:
            raise ValueError("horizons must be a non-empty tuple of positive bucket counts")
        return tuple(sorted(set(value)))


def tail_surprise(count: float, mean: float, variance: float) -> float:
    """-log10 P(X >= count), X negative binomial of `mean` and `variance` (Poisson if not over).

    Where the tail underflows, it is taken from the probability of `count` itself and the
    geometric decay of the probabilities beyond it, so huge bursts still rank by size.
    """
    if count <= mean:
        return 0.0
    if variance > mean:
        size = mean * mean / (variance - mean)
        miss = mean / (size + mean)
        tail = special.betainc(count, size, miss)
        log_mass = (
            special.gammaln(count + size)
            - special.gammaln(size)
            - special.gammaln(count + 1.0)
            + size * math.log1p(-miss)
            + count * math.log(miss)
        )
        decay = (count + size) / (count + 1.0) * miss
    else:
        tail = special.gammainc(count, mean)
        log_mass = count * math.log(mean) - mean - special.gammaln(count + 1.0)
        decay = mean / (count + 1.0)
    if tail > 0.0:
        return -math.log10(tail)
    return -(log_mass - math.log(max(1.0 - decay, 1e-12))) / math.log(10.0)


def share_surprise(count: float, total: float, share: float) -> float:
    """-log10 P(X >= count), X binomial with `total` trials of probability `share`."""
    if count <= total * share:
        return 0.0
    tail = special.betainc(count, total - count + 1.0, share)
    if tail <= 0.0:
        return MAX_SURPRISE
    return min(-math.log10(tail), MAX_SURPRISE)


@dataclass(frozen=True)
class HorizonScore:
    """One horizon's latest sum, the baseline's expectation of it, its surprise and its score."""

    buckets: int
    total: float
    expected: float
    surprise: float
    score: float
    """The surprise, relative to the horizon's recent record when records are on."""


class _Horizon:
    """Running sums over the last `length` buckets, weighted moments of older sums, and records."""

    def __init__(self, length: int, decay: float, record_window: int) -> None:
        self.length = length
        self.decay = decay
        self.record_window = record_window
        self.recent: deque[float] = deque([0.0] * length, maxlen=length)
        self.clean: deque[float] = deque([0.0] * length, maxlen=length)
        self.pending: deque[float] = deque([0.0] * length, maxlen=length)
        self.records: deque[tuple[int, float]] = deque()
        self.pushes = 0
        self.total = 0.0
        self.clean_total = 0.0
        self.weight = 0.0
        self.first = 0.0
        self.second = 0.0

    def push(self, count: float, clean: float) -> None:
        self.weight, self.first, self.second = self._moments()
        self.pushes += 1
        self.total += count - self.recent[0]
        self.clean_total += clean - self.clean[0]
        self.recent.append(count)
        self.clean.append(clean)
        self.pending.append(self.clean_total)

    def _moments(self) -> tuple[float, float, float]:
        """The moments once the next bucket is pushed: the oldest pending sum matures into them
        if it covered `length` buckets of the series (not the empty start)."""
        if self.pushes + 1 < 2 * self.length:
            return self.weight, self.first, self.second
        matured = self.pending[0]
        return (
            self.decay * self.weight + 1.0,
            self.decay * self.first + matured,
            self.decay * self.second + matured * matured,
        )

    def quiet(self) -> bool:
        """Whether only zero sums are left to mature (what `skip_empty` assumes)."""
        return self.pushes + 1 >= 2 * self.length and self.total == 0.0 and not any(self.pending)

    def skip_empty(self, buckets: int) -> None:
        """Advance over `buckets` empty buckets once the horizon holds only zeros."""
        factor = self.decay**buckets
        self.weight = factor * self.weight + (1.0 - factor) / (1.0 - self.decay)
        self.first *= factor
        self.second *= factor
        self.pushes += buckets

    def with_next(self, count: float) -> float:
        """The sum of the latest buckets if the next one held `count`."""
        return self.total - self.recent[0] + count

    def expected(self, min_mean: float, upcoming: bool = False) -> tuple[float, float]:
        """Mean (at least `min_mean` per bucket) and variance of a sum of `length` buckets, as
        the baseline stands (`upcoming`: once the next bucket is pushed)."""
        weight, first, second = (
            self._moments()
            if upcoming
            else (
                self.weight,
                self.first,
                self.second,
            )
        )
        if not weight:
            return min_mean * self.length, 0.0
        mean = first / weight
        variance = max(second / weight - mean * mean, 0.0)
        return max(mean, min_mean * self.length), variance

    def record(self, floor: float) -> float:
        """The largest surprise of the last `record_window` buckets, at least `floor`."""
        return max(self.records[0][1] if self.records else 0.0, floor)

    def remember(self, bucket: int, surprise: float) -> None:
        """Add `surprise` to the running maximum of the last `record_window` (a monotone queue)."""
        while self.records and self.records[-1][1] <= surprise:
            self.records.pop()
        self.records.append((bucket, surprise))
        while self.records[0][0] <= bucket - self.record_window:
            self.records.popleft()


class BurstDetector:
    """Scores each new bucket of a count series by how unlikely its recent counts are."""

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        decay = 0.5 ** (1.0 / self.config.half_life)
        self._horizons = [
            _Horizon(length, decay, self.config.record_window) for length in self.config.horizons
        ]
        self.buckets = 0

    def update(self, count: float) -> float:
        """Add the next bucket's count and return its score (0 during warm-up)."""
        self._push(count)
        scores = self._score(lambda horizon: horizon.total)
        if self.config.record_window:
            for horizon, score in zip(self._horizons, scores, strict=True):
                horizon.remember(self.buckets, score.surprise)
        return max(score.score for score in scores)

    def peek(self, count: float) -> float:
        """The score if the next bucket held `count` (an open bucket scored before it closes)."""
        return max(score.score for score in self.peek_horizons(count))

    def peek_horizons(self, count: float) -> list[HorizonScore]:
        """Per horizon: its sum, expectation, surprise and score if the next bucket held `count`."""
        return self._score(lambda horizon: horizon.with_next(count), upcoming=True)

    def skip(self, buckets: int) -> None:
        """Advance over `buckets` empty buckets (the same as `update(0)` that many times)."""
        while buckets > 0 and (
            self.config.record_window or not all(h.quiet() for h in self._horizons)
        ):
            self.update(0.0)
            buckets -= 1
        if buckets > 0:
            for horizon in self._horizons:
                horizon.skip_empty(buckets)
            self.buckets += buckets

    def _push(self, count: float) -> None:
        if count < 0 or math.isnan(count):
            raise ValueError(f"count must be a non-negative number, got {count}")
        shortest = self._horizons[0]
        clean = count
        if shortest.weight:
            mean, variance = shortest.expected(self.config.min_mean)
            mean, variance = mean / shortest.length, variance / shortest.length
            clean = min(count, mean + self.config.clip * math.sqrt(max(variance, mean)))
        for horizon in self._horizons:
            horizon.push(count, clean)
        self.buckets += 1

    def _score(
        self, total_of: Callable[[_Horizon], float], upcoming: bool = False
    ) -> list[HorizonScore]:
        warm = self.buckets + int(upcoming) > self.config.warmup
        scores = []
        for horizon in self._horizons:
            total = total_of(horizon)
            mean, variance = horizon.expected(self.config.min_mean, upcoming=upcoming)
            surprise = tail_surprise(total, mean, variance) if warm else 0.0
            score = surprise
            if self.config.record_window:
                score = surprise / horizon.record(self.config.record_floor)
            scores.append(HorizonScore(horizon.length, total, mean, surprise, score))
        return scores


class Alarm:
    """Turns scores into alerts: at or above `threshold`, at most once per `cooldown` buckets."""

    def __init__(self, threshold: float, cooldown: int) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._last: int | None = None
        self._bucket = -1

    def check(self, score: float) -> bool:
        """Whether the next bucket, with `score`, raises an alert."""
        self._bucket += 1
        if score < self.threshold:
            return False
        if self._last is not None and self._bucket - self._last < self.cooldown:
            return False
        self._last = self._bucket
        return True


def alarm_points(scores: np.ndarray, threshold: float, cooldown: int) -> np.ndarray:
    """Where an `Alarm` fed `scores` in order raises alerts (a boolean array; the same rule)."""
    raised = np.zeros(len(scores), dtype=bool)
    last = None
    for index in np.flatnonzero(np.asarray(scores) >= threshold):
        if last is None or index - last >= cooldown:
            raised[index] = True
            last = index
    return raised
