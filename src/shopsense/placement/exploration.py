"""Exploration: Thompson sampling over fresh items, with the propensity of everything shown.

Each item has a Beta posterior of its click-through rate (a prior plus its logged clicks and
impressions). With probability `share` a request explores: Thompson sampling draws one CTR per
fresh candidate and the highest draws take the exploration slots (organic items below move
down one place per slot, the last ones leave the page); otherwise the organic list is served.
So exploration changes at most `share` of the lists and at most `len(slots)` places in each.

The propensity logged with an item is the probability that this policy shows that item at that
position for this request: 1 for an organic item above the first exploration slot, the share or
its complement for the organic items that move, and share x P(Thompson sampling puts the item
in that slot) for an explored item, that probability counted by Monte Carlo over `draws`
posterior draws (`rank_distribution`, the method of the Open Bandit Dataset's authors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ExplorationConfig", "ExploredList", "ThompsonExplorer", "rank_distribution"]

#: Posterior draws per Monte Carlo batch (bounds memory for large item sets).
_BATCH = 20_000


class ExplorationConfig(BaseModel):
    """The exploration budget and the Thompson-sampling prior."""

    model_config = ConfigDict(extra="forbid")

    share: float = Field(
        0.1, ge=0, le=1, description="Share of requests that explore (the exploration budget)."
    )
    slots: list[int] = Field(
        default_factory=lambda: [3], description="0-based positions explored items may take."
    )
    prior_clicks: float = Field(1.0, gt=0, description="Beta prior alpha (pseudo-clicks).")
    prior_skips: float = Field(
        50.0, gt=0, description="Beta prior beta (pseudo-impressions without a click)."
    )
    draws: int = Field(4000, ge=100, description="Monte Carlo draws behind each logged propensity.")
    seed: int = Field(0, description="Seed of the exploration coin and the draws.")

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: list[int]) -> list[int]:
        if not value or any(slot < 0 for slot in value) or len(set(value)) != len(value):
            raise ValueError("slots must be one or more distinct non-negative positions")
        return sorted(value)


def rank_distribution(
    alpha: np.ndarray, beta: np.ndarray, n_positions: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """P(item i is ranked at position p) when items are ranked by one Beta(alpha_i, beta_i)
    draw each, by Monte Carlo: shape (n_items, n_positions)."""
    alpha, beta = np.asarray(alpha, np.float64), np.asarray(beta, np.float64)
    n_items = len(alpha)
    n_positions = min(n_positions, n_items)
    counts = np.zeros((n_items, n_positions))
    for start in range(0, draws, _BATCH):
        size = min(_BATCH, draws - start)
        samples = rng.beta(alpha, beta, size=(size, n_items))
        top = np.argpartition(-samples, n_positions - 1, axis=1)[:, :n_positions]
        order = np.argsort(-np.take_along_axis(samples, top, axis=1), axis=1)
        ranked = np.take_along_axis(top, order, axis=1)
        for position in range(n_positions):
            counts[:, position] += np.bincount(ranked[:, position], minlength=n_items)
    return counts / draws


@dataclass(frozen=True)
class ExploredList:
    """A served list with each entry's propensity and which entries were explored."""

    items: list[str]
    propensities: list[float]
    explored: list[bool]


class ThompsonExplorer:
    """Thompson sampling over fresh items, with click and impression counts per item."""

    def __init__(self, config: ExplorationConfig | None = None) -> None:
        self.config = config or ExplorationConfig()
        self._rng = np.random.default_rng(self.config.seed)
        self._clicks: dict[str, float] = {}
        self._shows: dict[str, float] = {}

    def observe(self, item_id: str, impressions: int = 0, clicks: int = 0) -> None:
        """Add an item's logged impressions and clicks to its posterior (a click counts once
        its impression has been observed)."""
        if impressions < 0 or clicks < 0:
            raise ValueError(f"impressions, clicks: {impressions}, {clicks} must not be negative")
        shows = self._shows.get(item_id, 0.0) + impressions
        clicked = self._clicks.get(item_id, 0.0) + clicks
        if clicked > shows:
            raise ValueError(f"clicks: {item_id!r} would have more clicks than impressions")
        self._shows[item_id], self._clicks[item_id] = shows, clicked

    def reset(self, counts: Mapping[str, tuple[int, int]]) -> None:
        """Replace every posterior's counts: (impressions, clicks) per item, as logged."""
        if any(clicks > shows or clicks < 0 for shows, clicks in counts.values()):
            raise ValueError("counts: clicks must lie between 0 and the impressions")
        self._shows = {item: float(shows) for item, (shows, _) in counts.items()}
        self._clicks = {item: float(clicks) for item, (_, clicks) in counts.items()}

    def posterior(self, items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Beta parameters (alpha, beta) of the items' click-through rates."""
        clicks = np.array([self._clicks.get(item, 0.0) for item in items])
        shows = np.array([self._shows.get(item, 0.0) for item in items])
        return self.config.prior_clicks + clicks, self.config.prior_skips + shows - clicks

    def explore(self, organic: Sequence[str], fresh: Sequence[str], k: int) -> ExploredList:
        """The first `k` of `organic`, or, with probability `share`, fresh items drawn by
        Thompson sampling in the exploration slots; with every entry's propensity."""
        candidates = [item for item in dict.fromkeys(fresh) if item not in set(organic[:k])]
        slots = [slot for slot in self.config.slots if slot < k]
        n_explored = min(len(slots), len(candidates))
        slots = slots[:n_explored]
        share = self.config.share if n_explored else 0.0
        explores = bool(share) and self._rng.random() < share
        if explores:
            alpha, beta = self.posterior(candidates)
            draw = self._rng.beta(alpha, beta)
            chosen = [candidates[i] for i in np.argsort(-draw, kind="stable")[:n_explored]]
            marginals = rank_distribution(alpha, beta, n_explored, self.config.draws, self._rng)
            picked = {
                slot: (item, marginals[candidates.index(item), rank])
                for rank, (slot, item) in enumerate(zip(slots, chosen, strict=True))
            }
        else:
            picked = {}
        items: list[str] = []
        propensities: list[float] = []
        explored: list[bool] = []
        rest = iter(organic)
        for position in range(k):
            if position in picked:
                item, chance = picked[position]
                items.append(item)
                propensities.append(share * float(chance))
                explored.append(True)
                continue
            item = next(rest, None)
            if item is None:
                break
            items.append(item)
            propensities.append(_organic_propensity(position, slots, share, explores))
            explored.append(False)
        return ExploredList(items, propensities, explored)


def _organic_propensity(position: int, slots: Sequence[int], share: float, explores: bool) -> float:
    """P(this organic item at this position): it sits there when the request does not explore
    and below the first slot it sits there only in the branch that was taken."""
    if not slots or position < slots[0]:
        return 1.0
    return share if explores else 1.0 - share
