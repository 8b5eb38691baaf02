"""Sponsored placements and promotions: campaigns, the auction, pacing, frequency caps,
exploration with logged propensities, click prediction, and the impression log.

`PlacementEngine` is the face the server, the CLI and Python code call; the modules below it
each do one job. Off-policy evaluation of policies lives in `shopsense.evaluation.off_policy`.
"""

from shopsense.placement.auction import AuctionConfig, Bid, Winner
from shopsense.placement.campaigns import (
    Campaign,
    CampaignKind,
    FrequencyCap,
    RequestContext,
    Targeting,
    load_campaigns,
    parse_campaigns,
)
from shopsense.placement.click_model import ClickModel, ClickModelConfig
from shopsense.placement.click_rates import ClickRates, ClickRatesConfig
from shopsense.placement.engine import Placement, PlacementConfig, PlacementEngine, PlacementEntry
from shopsense.placement.exploration import ExplorationConfig, ThompsonExplorer, rank_distribution
from shopsense.placement.pacing import BudgetLedger, PacingConfig
from shopsense.placement.store import ImpressionRecord, OutcomeKind, PlacementStore

__all__ = [
    "AuctionConfig",
    "Bid",
    "BudgetLedger",
    "Campaign",
    "CampaignKind",
    "ClickModel",
    "ClickModelConfig",
    "ClickRates",
    "ClickRatesConfig",
    "ExplorationConfig",
    "FrequencyCap",
    "ImpressionRecord",
    "OutcomeKind",
    "PacingConfig",
    "Placement",
    "PlacementConfig",
    "PlacementEngine",
    "PlacementEntry",
    "PlacementStore",
    "RequestContext",
    "Targeting",
    "ThompsonExplorer",
    "Winner",
    "load_campaigns",
    "parse_campaigns",
    "rank_distribution",
]
