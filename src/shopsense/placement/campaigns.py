"""Campaigns: sponsored placements and promotions a shop defines, and the campaigns file.

A sponsored campaign bids per click for some items (listed, or every item of some brands) up to
a daily budget; a promotion boosts its items in the organic ranking. Both run between `start`
and `end`, only where their targeting matches (request categories, shopper segments, query
terms; an empty list matches everything), and a frequency cap limits how often one shopper
sees a campaign. The campaigns file is JSON: a list of campaigns or {"campaigns": [...]}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shopsense.data.errors import DataError

__all__ = [
    "Campaign",
    "CampaignKind",
    "FrequencyCap",
    "RequestContext",
    "Targeting",
    "load_campaigns",
    "parse_campaigns",
]

_WORD = re.compile(r"\w+")


class CampaignKind(StrEnum):
    """What a campaign buys."""

    SPONSORED = "sponsored"
    PROMOTION = "promotion"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Targeting(_Strict):
    """Where a campaign may run; an empty list places no condition."""

    categories: list[str] = Field(
        default_factory=list,
        description="Run only in requests about one of these categories (any level of the "
        "category path): a search whose query names one or whose first results are in one, a "
        "shopper's list when what they last acted on is in one.",
    )
    segments: list[str] = Field(
        default_factory=list,
        description="Run only for shoppers in one of these segments (the `segments` of the "
        "shopper's attributes in the shop's users table).",
    )
    query_terms: list[str] = Field(
        default_factory=list,
        description="Run only for searches containing one of these words (any case).",
    )

    @field_validator("query_terms")
    @classmethod
    def _lowercase(cls, value: list[str]) -> list[str]:
        return [term.lower() for term in value]

    @property
    def targeted(self) -> bool:
        """Whether any rule restricts where the campaign runs."""
        return bool(self.categories or self.segments or self.query_terms)


class FrequencyCap(_Strict):
    """At most `impressions` of the campaign per shopper within `window_hours`."""

    impressions: int = Field(ge=1, description="Impressions allowed per shopper in the window.")
    window_hours: float = Field(24.0, gt=0, description="Length of the sliding window.")


class Campaign(_Strict):
    """A sponsored campaign or a promotion."""

    campaign_id: str = Field(min_length=1, description="The shop's id for the campaign.")
    kind: CampaignKind = Field(CampaignKind.SPONSORED, description="sponsored or promotion.")
    items: list[str] = Field(default_factory=list, description="Item ids the campaign covers.")
    brands: list[str] = Field(
        default_factory=list, description="Brands whose every item the campaign covers."
    )
    bid: float | None = Field(
        None, gt=0, description="Sponsored: the most paid per click, in the shop's currency."
    )
    boost: float | None = Field(
        None, gt=0, description="Promotion: factor on the items' organic relevance."
    )
    daily_budget: float | None = Field(
        None, gt=0, description="Sponsored: the most spent per day (UTC)."
    )
    start: datetime | None = Field(None, description="First moment the campaign runs (UTC).")
    end: datetime | None = Field(None, description="Moment the campaign stops (UTC).")
    targeting: Targeting = Field(default_factory=Targeting, description="Where it may run.")
    frequency_cap: FrequencyCap | None = Field(None, description="Per-shopper impression cap.")

    @field_validator("start", "end")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if not self.items and not self.brands:
            raise ValueError("items: a campaign needs items or brands")
        if self.kind is CampaignKind.SPONSORED:
            for name in ("bid", "daily_budget"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name}: a sponsored campaign needs one")
        elif self.boost is None:
            raise ValueError("boost: a promotion needs one")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end: must come after start")
        return self

    def active(self, at: datetime) -> bool:
        """Whether the campaign runs at moment `at` (naive: UTC)."""
        at = _utc(at)
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)

    def targets(self, context: RequestContext) -> bool:
        """Whether the campaign's targeting matches a request."""
        rules = self.targeting
        return (
            (not rules.categories or any(c in context.categories for c in rules.categories))
            and (not rules.segments or any(s in context.segments for s in rules.segments))
            and (
                not rules.query_terms
                or any(term in context.query_words for term in rules.query_terms)
            )
        )

    def covers(self, item_id: str, brand: str | None) -> bool:
        """Whether the campaign covers an item (listed, or of a listed brand)."""
        return item_id in self.items or (brand is not None and brand in self.brands)


@dataclass(frozen=True)
class RequestContext:
    """What a placement request is about: the shopper, their segments, the request's
    categories and the search query (None for recommendations)."""

    shopper_id: str
    segments: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    query: str | None = None
    query_words: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        words = frozenset(_WORD.findall(self.query.lower())) if self.query else frozenset()
        object.__setattr__(self, "query_words", words)


def parse_campaigns(rows: Iterable[Mapping[str, Any]], source: str | None = None) -> list[Campaign]:
    """Validate campaign records; a bad one raises `DataError` naming the campaign and field."""
    campaigns: list[Campaign] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        label = row.get("campaign_id") if isinstance(row, Mapping) else None
        record = str(label) if label else f"#{index + 1}"
        try:
            campaign = Campaign.model_validate(row)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            name, _, problem = message.partition(": ")
            field_name = where or (name if problem else None)
            raise DataError(
                problem if (problem and not where) else message,
                source=source,
                record=record,
                field=field_name,
            ) from None
        if campaign.campaign_id in seen:
            raise DataError(
                "duplicate campaign id", source=source, record=record, field="campaign_id"
            )
        seen.add(campaign.campaign_id)
        campaigns.append(campaign)
    return campaigns


def load_campaigns(path: str | Path) -> list[Campaign]:
    """The campaigns of a JSON file: a list of campaigns or {"campaigns": [...]}."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("file not found", source=str(path)) from None
    except json.JSONDecodeError as error:
        raise DataError(f"not valid JSON ({error})", source=str(path)) from None
    if isinstance(payload, Mapping):
        payload = payload.get("campaigns")
    if not isinstance(payload, list) or not all(isinstance(row, Mapping) for row in payload):
        raise DataError(
            'expected a list of campaign objects or {"campaigns": [...]}',
            source=str(path),
            field="campaigns",
        )
    return parse_campaigns(payload, source=str(path))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
