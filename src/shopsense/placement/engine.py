"""`PlacementEngine`: sponsored slots and exploration on a ranked list, with everything logged.

The one object the server, the CLI and Python code call. It holds the campaigns (from its
store), the budget ledger, the frequency counts, the serving click rates and the explorer, and
for one request:
1. collects the sponsored candidates: items of sponsored campaigns that run now, match the
   request's targeting, are under the shopper's frequency cap and within their pacing plan, pass
   the shop's business rules (`allowed`), and are not already on the organic page;
2. runs the auction on their relevance for this shopper or query (`relevance`, the organic
   ranker's own scores) and serving pCTR, for the configured slots;
3. fills the other places with the organic list, with Thompson-sampling exploration of fresh
   items when configured (`ExplorationConfig.slots` are places of that organic part);
4. puts the winners in their slots and counts the exposure against the frequency caps.
Each entry carries its propensity (sponsored entries are deterministic given the request: 1).
`log` writes a served list to the impression log; `record_outcome` joins a click or purchase
and charges a sponsored click its second price within the day's budget.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shopsense.placement.auction import (
    AuctionConfig,
    Bid,
    insert_sponsored,
    relevance_floor,
    run_auction,
)
from shopsense.placement.campaigns import Campaign, CampaignKind, RequestContext, load_campaigns
from shopsense.placement.click_rates import ClickRates
from shopsense.placement.exploration import ExplorationConfig, ExploredList, ThompsonExplorer
from shopsense.placement.frequency import ExposureCounter
from shopsense.placement.pacing import BudgetLedger, PacingConfig
from shopsense.placement.store import ImpressionRecord, OutcomeKind, PlacementStore

#: Seconds between reads of every campaign's spend for pacing, when the store is shared.
SPEND_REFRESH_S = 2.0
#: Seconds between reads of every item's impressions and clicks for exploration, when shared.
EXPLORATION_REFRESH_S = 30.0

__all__ = ["Placement", "PlacementConfig", "PlacementEngine", "PlacementEntry"]

#: Scores of item ids for the request (higher: more relevant), on the organic ranker's scale.
Relevance = Callable[[Sequence[str]], np.ndarray]
#: Which item ids the shop's business rules allow (in stock, brand not excluded, ...).
Allowed = Callable[[Sequence[str]], np.ndarray]


class PlacementConfig(BaseModel):
    """Sponsored slots, pacing and exploration."""

    model_config = ConfigDict(extra="forbid")

    auction: AuctionConfig = Field(default_factory=AuctionConfig, description="Slots, floor.")
    pacing: PacingConfig = Field(default_factory=PacingConfig, description="Budget pacing.")
    exploration: ExplorationConfig | None = Field(
        None, description="Thompson-sampling exploration of fresh items (None: off)."
    )


@dataclass(frozen=True)
class PlacementEntry:
    """One entry of a served list."""

    item_id: str
    position: int
    propensity: float
    sponsored: bool = False
    campaign_id: str | None = None
    price: float | None = None
    explored: bool = False


@dataclass(frozen=True)
class Placement:
    """A served list and what is needed to log it."""

    request_id: str
    context: RequestContext
    surface: str
    served_at: datetime
    entries: list[PlacementEntry]

    @property
    def item_ids(self) -> list[str]:
        """The served item ids in order."""
        return [entry.item_id for entry in self.entries]


class PlacementEngine:
    """Campaigns, auction, pacing, caps and exploration over one placement store."""

    def __init__(
        self,
        store: PlacementStore | None = None,
        *,
        config: PlacementConfig | None = None,
        click_rates: ClickRates | None = None,
        brands: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        shared: bool = False,
    ) -> None:
        """`brands` maps item id to brand (brand campaigns cover their brands' items); `clock`
        gives the current UTC time (tests and replays pass their own). `shared`: other
        processes place and charge from the same store, so a shopper's frequency counts are
        read from it before each placement, a campaign's spend before each charge and every
        campaign's spend at most every `SPEND_REFRESH_S` for pacing (call `refresh` when
        another process changed the campaigns)."""
        self.store = store or PlacementStore()
        self.config = config or PlacementConfig()
        self.click_rates = click_rates or ClickRates().fit(self.store.impression_log())
        self.brands = dict(brands or {})
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ledger = BudgetLedger(self.config.pacing)
        self.exposures = ExposureCounter()
        self.explorer = (
            ThompsonExplorer(self.config.exploration) if self.config.exploration else None
        )
        self.shared = shared
        self._campaigns: dict[str, Campaign] = {}
        self._covered: dict[str, list[str]] = {}
        self._spend_read = -float("inf")
        self._outcomes_read = -float("inf")
        self.refresh()
        self._restore()

    # ---- campaigns -----------------------------------------------------------------------
    def save_campaign(self, campaign: Campaign) -> int:
        """Store a new version of a campaign and use it at once; return the version."""
        version = self.store.save_campaign(campaign)
        self.refresh()
        return version

    def load_campaigns(self, path: str | Path) -> dict[str, int]:
        """Save every campaign of a campaigns file; return the version stored per id."""
        return {
            campaign.campaign_id: self.save_campaign(campaign) for campaign in load_campaigns(path)
        }

    def campaigns(self) -> list[Campaign]:
        """The latest version of every campaign."""
        return list(self._campaigns.values())

    def erase_campaign(self, campaign_id: str) -> int:
        """Delete every version of a campaign; it stops at once. Returns versions deleted."""
        count = self.store.erase_campaign(campaign_id)
        self.refresh()
        return count

    def refresh(self) -> None:
        """Read the campaigns from the store again (another process changed them)."""
        self._campaigns = {c.campaign_id: c for c in self.store.campaigns()}
        by_brand: dict[str, list[str]] = {}
        for item, brand in self.brands.items():
            by_brand.setdefault(brand, []).append(item)
        self._covered = {
            campaign.campaign_id: list(
                dict.fromkeys(
                    [*campaign.items, *(i for b in campaign.brands for i in by_brand.get(b, []))]
                )
            )
            for campaign in self._campaigns.values()
        }

    def _restore(self, shopper_id: str | None = None) -> None:
        """Today's spend and recent exposures from the store (after a restart; of one
        shopper: before placing for them when other processes share the store)."""
        now = self.clock()
        if shopper_id is None:
            self._read_spend(now)
            self._read_outcomes()
        windows = [
            c.frequency_cap.window_hours for c in self._campaigns.values() if c.frequency_cap
        ]
        if not windows:
            return
        if shopper_id is not None:
            self.exposures.forget(shopper_id)
        since = now - timedelta(hours=max(windows))
        for shopper, campaign_id, served_at in self.store.exposures(since, shopper_id):
            campaign = self._campaigns.get(campaign_id)
            if campaign is not None:
                self.exposures.record(shopper, campaign_id, served_at, campaign.frequency_cap)

    def _read_outcomes(self) -> None:
        """The explorer's posteriors from every impression and click the store holds (after a
        restart, an erasure, and from time to time when other processes log too)."""
        if self.explorer is not None:
            self.explorer.reset(self.store.item_outcomes())
        self._outcomes_read = time.monotonic()

    def _read_spend(self, now: datetime) -> None:
        """Every campaign's spend today, as the store has it."""
        for campaign_id, amount in self.store.spend(now.date()).items():
            self.ledger.restore(campaign_id, now.date(), amount)
        self._spend_read = time.monotonic()

    def runs_promotions(self, at: datetime | None = None) -> bool:
        """Whether a promotion campaign (targeted or not) runs at `at` (default: now); safe to
        call beside the placement thread (it reads a copy of the campaigns)."""
        at = at or self.clock()
        return any(
            campaign.kind is CampaignKind.PROMOTION and campaign.active(at)
            for campaign in tuple(self._campaigns.values())
        )

    def boosts(
        self, context: RequestContext, items: Sequence[str], at: datetime | None = None
    ) -> np.ndarray:
        """The promotion factor of each item for a request (1 where no promotion runs)."""
        factors = self._factors(self._promotions_for(context, at or self.clock()))
        return np.array([factors.get(item, 1.0) for item in items])

    def targeted_lifts(
        self, context: RequestContext, at: datetime | None = None
    ) -> dict[str, float] | None:
        """The lift (`boost - 1`) of each item the promotions running for `context` cover, where
        a targeted one (with any targeting rule) runs for it; None where none does: the
        untargeted lifts (`promotion_values`) then hold for the request. Safe to call beside
        the placement thread (it reads a copy of the campaigns)."""
        running = self._promotions_for(context, at or self.clock())
        if not any(campaign.targeting.targeted for campaign in running):
            return None
        factors = self._factors(running)
        return {item: factor - 1.0 for item, factor in factors.items() if factor > 1.0}

    def _promotions_for(self, context: RequestContext, at: datetime) -> list[Campaign]:
        """The promotions running at `at` whose targeting matches `context` (from a copy of
        the campaigns: another thread may refresh them)."""
        return [
            campaign
            for campaign in tuple(self._campaigns.values())
            if campaign.kind is CampaignKind.PROMOTION
            and campaign.active(at)
            and campaign.targets(context)
        ]

    def _factors(self, promotions: Sequence[Campaign]) -> dict[str, float]:
        """The product of the `promotions`' boosts on each item they cover."""
        factors: dict[str, float] = {}
        for campaign in promotions:
            for item in self._covered.get(campaign.campaign_id, ()):
                factors[item] = factors.get(item, 1.0) * (campaign.boost or 1.0)
        return factors

    def promotion_values(self, items: Sequence[str], at: datetime | None = None) -> np.ndarray:
        """The business value of each item for lists without targeting context (a
        recommendation re-ranking's `promote`): the lift `boost - 1` of its running untargeted
        promotions, 0 where none lifts it."""
        return np.clip(self.boosts(RequestContext(""), items, at) - 1.0, 0.0, None)

    # ---- serving -------------------------------------------------------------------------
    def place(
        self,
        context: RequestContext,
        organic: Sequence[str],
        organic_scores: np.ndarray,
        k: int,
        relevance: Relevance,
        *,
        fresh: Sequence[str] = (),
        allowed: Allowed | None = None,
        surface: str = "recommendations",
        at: datetime | None = None,
    ) -> Placement:
        """The list of `k` to serve: `organic` (ranked, with `organic_scores`, the scores of the
        organic candidates the floor is read from) with sponsored winners in their slots and,
        when exploration is on, `fresh` items explored."""
        at = at or self.clock()
        if self.shared:
            self._restore(context.shopper_id)
            if time.monotonic() - self._spend_read > SPEND_REFRESH_S:
                self._read_spend(at)
            if time.monotonic() - self._outcomes_read > EXPLORATION_REFRESH_S:
                self._read_outcomes()
        slots = [slot for slot in self.config.auction.slots if slot < k]
        shown = set(organic[:k]) | set(fresh)
        floor = relevance_floor(organic_scores, self.config.auction)
        bids = self._bids(context, shown, relevance, allowed, slots, floor, at)
        winners = run_auction(bids, organic_scores, len(slots), self.config.auction)
        organic_part = self._organic(organic, fresh, k - len(winners))
        placed = insert_sponsored(organic_part.items, winners, k, slots)
        organic_propensity = iter(
            zip(organic_part.propensities, organic_part.explored, strict=True)
        )
        entries = []
        for entry in placed:
            if entry.winner is not None:
                campaign = self._campaigns[entry.winner.bid.campaign_id]
                self.exposures.record(
                    context.shopper_id, campaign.campaign_id, at, campaign.frequency_cap
                )
                entries.append(
                    PlacementEntry(
                        entry.item_id,
                        entry.position,
                        1.0,
                        sponsored=True,
                        campaign_id=campaign.campaign_id,
                        price=entry.winner.price,
                    )
                )
            else:
                propensity, explored = next(organic_propensity)
                entries.append(
                    PlacementEntry(entry.item_id, entry.position, propensity, explored=explored)
                )
        return Placement(uuid.uuid4().hex, context, surface, at, entries)

    def _bids(
        self,
        context: RequestContext,
        shown: set[str],
        relevance: Relevance,
        allowed: Allowed | None,
        slots: Sequence[int],
        floor: float,
        at: datetime,
    ) -> list[Bid]:
        """Bids of the campaigns that may run for this request, for their items that are not
        on the page, pass the floor and the business rules."""
        if not slots:
            return []
        live = [
            campaign
            for campaign in self._campaigns.values()
            if campaign.kind is CampaignKind.SPONSORED
            and campaign.active(at)
            and campaign.targets(context)
            and self.exposures.allows(
                context.shopper_id, campaign.campaign_id, campaign.frequency_cap, at
            )
            and self.ledger.may_bid(
                campaign.campaign_id, campaign.daily_budget or 0.0, campaign.bid or 0.0, at
            )
        ]
        items = list(
            dict.fromkeys(
                item
                for campaign in live
                for item in self._covered[campaign.campaign_id]
                if item not in shown
            )
        )
        if not items:
            return []
        scores = np.asarray(relevance(items), np.float64)
        keep = scores >= floor
        if allowed is not None:
            keep &= np.asarray(allowed(items), bool)
        kept = np.flatnonzero(keep).tolist()
        pctr = self.click_rates.predict([items[i] for i in kept], slots[0])
        eligible = {items[i]: (float(scores[i]), float(p)) for i, p in zip(kept, pctr, strict=True)}
        return [
            Bid(item, campaign.campaign_id, campaign.bid or 0.0, *eligible[item])
            for campaign in live
            for item in self._covered[campaign.campaign_id]
            if item in eligible
        ]

    def _organic(self, organic: Sequence[str], fresh: Sequence[str], k: int) -> ExploredList:
        if self.explorer is None or not fresh:
            items = list(organic[:k])
            return ExploredList(items, [1.0] * len(items), [False] * len(items))
        return self.explorer.explore(organic, fresh, k)

    # ---- logging -------------------------------------------------------------------------
    def log(self, placement: Placement) -> list[int]:
        """Write a served list to the impression log; return the impression ids, in order."""
        records = [
            ImpressionRecord(
                request_id=placement.request_id,
                shopper_id=placement.context.shopper_id,
                surface=placement.surface,
                item_id=entry.item_id,
                position=entry.position,
                propensity=entry.propensity,
                served_at=placement.served_at,
                campaign_id=entry.campaign_id,
                price=entry.price,
            )
            for entry in placement.entries
        ]
        if self.explorer is not None:
            for entry in placement.entries:
                self.explorer.observe(entry.item_id, impressions=1)
        return self.store.log_impressions(records)

    def record_outcome(
        self,
        impression_id: int,
        kind: OutcomeKind | str = OutcomeKind.CLICK,
        at: datetime | None = None,
    ) -> float:
        """Join a click or purchase to its impression; a sponsored impression's first click is
        charged its price, capped by the day's remaining budget. Returns the charge."""
        kind = OutcomeKind(kind)
        at = at or self.clock()
        impression = self.store.impression(impression_id)
        charge = 0.0
        first_click = kind is OutcomeKind.CLICK and not self.store.clicked(impression_id)
        campaign = self._campaigns.get(impression.campaign_id or "")
        if first_click and campaign is not None and impression.price is not None:
            if self.shared:
                spent = self.store.spend(at.date(), campaign.campaign_id)
                self.ledger.restore(
                    campaign.campaign_id, at.date(), spent.get(campaign.campaign_id, 0.0)
                )
            charge = self.ledger.charge(
                campaign.campaign_id, campaign.daily_budget or 0.0, impression.price, at
            )
        if first_click and self.explorer is not None:
            self.explorer.observe(impression.item_id, clicks=1)
        self.store.log_outcome(impression_id, kind, charge, at)
        return charge

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        """Delete a shopper's impressions, outcomes and frequency counts (and their part of
        the explorer's counts)."""
        self.exposures.forget(shopper_id)
        erased = self.store.erase_shopper(shopper_id)
        self._read_outcomes()
        return erased
