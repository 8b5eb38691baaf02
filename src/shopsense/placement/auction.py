"""The sponsored-slot auction: relevance floor, expected value, second price, slot insertion.

Scores are the organic ranker's own, for the same shopper or query, so the floor and the
quality factor need no common scale: a sponsored item is eligible only if it scores at least as
high as the organic candidate at rank `floor_rank` (it would have been among the organic top
`floor_rank`), and its quality is the share of organic candidates it outscores. Eligible items
are ranked by expected value = pCTR x bid x quality**quality_exponent, one item per campaign;
a winner pays per click the least bid that would have kept its place (generalised second price:
the next expected value over its own pCTR x quality), at least the reserve and at most its bid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AuctionConfig",
    "Bid",
    "PlacedItem",
    "Winner",
    "insert_sponsored",
    "relevance_floor",
    "run_auction",
]


class AuctionConfig(BaseModel):
    """Sponsored slots and the auction's rules."""

    model_config = ConfigDict(extra="forbid")

    slots: list[int] = Field(
        default_factory=lambda: [1, 5],
        description="0-based positions of the final list sponsored items may take.",
    )
    floor_rank: int = Field(
        50, ge=1, description="A sponsored item must score at least the organic item at this rank."
    )
    min_relevance: float | None = Field(
        None, description="Optional absolute floor on the organic ranker's score as well."
    )
    quality_exponent: float = Field(
        1.0, ge=0, description="Weight of the quality factor in the expected value (0: ignore)."
    )
    reserve_price: float = Field(0.01, ge=0, description="Least price of a click.")

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: list[int]) -> list[int]:
        if any(slot < 0 for slot in value) or len(set(value)) != len(value):
            raise ValueError("slots must be distinct non-negative positions")
        return sorted(value)


@dataclass(frozen=True)
class Bid:
    """One sponsored candidate: an item of a campaign, its relevance and predicted CTR."""

    item_id: str
    campaign_id: str
    bid: float
    relevance: float
    pctr: float


@dataclass(frozen=True)
class Winner:
    """An auction winner: its expected value and the price it pays per click."""

    bid: Bid
    quality: float
    expected_value: float
    price: float


@dataclass(frozen=True)
class PlacedItem:
    """One entry of a served list; `winner` is set for a sponsored one."""

    item_id: str
    position: int
    winner: Winner | None = None

    @property
    def sponsored(self) -> bool:
        """Whether the entry is a paid placement."""
        return self.winner is not None


def relevance_floor(organic_scores: np.ndarray, config: AuctionConfig) -> float:
    """The least score a sponsored item needs: the organic score at rank `floor_rank` (the last
    one when fewer), and at least `min_relevance`."""
    if not len(organic_scores):
        return np.inf
    ordered = np.sort(np.asarray(organic_scores, dtype=np.float64))[::-1]
    floor = float(ordered[min(config.floor_rank, len(ordered)) - 1])
    return max(floor, config.min_relevance) if config.min_relevance is not None else floor


def run_auction(
    bids: Sequence[Bid], organic_scores: np.ndarray, n_slots: int, config: AuctionConfig
) -> list[Winner]:
    """The winners of `n_slots` slots in order of expected value, each with its price."""
    floor = relevance_floor(organic_scores, config)
    ordered = np.sort(np.asarray(organic_scores, dtype=np.float64))
    eligible = [bid for bid in bids if bid.relevance >= floor and bid.pctr > 0]
    if not eligible or n_slots <= 0:
        return []
    relevance = np.array([bid.relevance for bid in eligible])
    quality = np.searchsorted(ordered, relevance, side="right") / len(ordered)
    quality = quality**config.quality_exponent
    value = np.array([bid.pctr * bid.bid for bid in eligible]) * quality
    order = np.argsort(-value, kind="stable")
    ranked: list[int] = []
    campaigns: set[str] = set()
    for index in order:  # one item per campaign
        if eligible[index].campaign_id not in campaigns:
            campaigns.add(eligible[index].campaign_id)
            ranked.append(int(index))
    winners = []
    for place, index in enumerate(ranked[:n_slots]):
        bid = eligible[index]
        runner_up = value[ranked[place + 1]] if place + 1 < len(ranked) else 0.0
        second = runner_up / (bid.pctr * quality[index]) if quality[index] > 0 else bid.bid
        price = min(bid.bid, max(config.reserve_price, float(second)))
        winners.append(Winner(bid, float(quality[index]), float(value[index]), price))
    return winners


def insert_sponsored(
    organic: Sequence[str], winners: Sequence[Winner], k: int, slots: Sequence[int]
) -> list[PlacedItem]:
    """A list of `k` entries: winners at the configured slots in order of expected value,
    organic items in their order around them. Only as many organic items leave the page as
    winners enter it; a winner already among the organic items is not duplicated (the
    organic entry is dropped, the sponsored one takes the slot)."""
    taken = {slot: winner for slot, winner in zip(sorted(slots), winners, strict=False) if slot < k}
    sponsored_ids = {winner.bid.item_id for winner in taken.values()}
    rest = iter(item for item in organic if item not in sponsored_ids)
    placed: list[PlacedItem] = []
    for position in range(k):
        if position in taken:
            placed.append(PlacedItem(taken[position].bid.item_id, position, taken[position]))
            continue
        item = next(rest, None)
        if item is None:
            break
        placed.append(PlacedItem(item, position))
    return placed
