"""The placement store: versioned campaigns and the impression and outcome log.

A DuckDB file of its own (beside the shop's store), so placement writes never contend with the
catalogue and event writes; or the PostgreSQL database several server processes share (their
spend, frequency counts and campaigns are then one truth). Saving a campaign adds a version
(every version is kept and can be read back); erasing a campaign removes all its versions.
Impressions (one row per served entry, with its position and propensity, and for a sponsored
one its campaign and price per click) and outcomes (clicks and purchases, joined to an
impression by id, with what was charged) are erasable per shopper. Each write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import polars as pl

from shopsense.data.sql_file import SqlFile
from shopsense.placement.campaigns import Campaign

__all__ = ["ImpressionRecord", "OutcomeKind", "PlacementStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id VARCHAR NOT NULL, version INTEGER NOT NULL, body VARCHAR NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (campaign_id, version));
CREATE SEQUENCE IF NOT EXISTS impression_ids START 1;
CREATE TABLE IF NOT EXISTS impressions (
    impression_id BIGINT PRIMARY KEY, request_id VARCHAR NOT NULL, shopper_id VARCHAR NOT NULL,
    surface VARCHAR NOT NULL, item_id VARCHAR NOT NULL, position INTEGER NOT NULL,
    propensity DOUBLE PRECISION NOT NULL, campaign_id VARCHAR, price DOUBLE PRECISION,
    served_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    impression_id BIGINT NOT NULL, shopper_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    charge DOUBLE PRECISION NOT NULL, happened_at TIMESTAMPTZ NOT NULL);
"""


class OutcomeKind(StrEnum):
    """What a shopper did with an impression."""

    CLICK = "click"
    PURCHASE = "purchase"


@dataclass(frozen=True)
class ImpressionRecord:
    """One served entry: where it was, with what probability, and for a sponsored one its
    campaign and price per click."""

    request_id: str
    shopper_id: str
    surface: str
    item_id: str
    position: int
    propensity: float
    served_at: datetime
    campaign_id: str | None = None
    price: float | None = None
    impression_id: int | None = None


#: `impression_log`'s columns.
_LOG_SCHEMA = {
    "impression_id": pl.Int64,
    "request_id": pl.String,
    "shopper_id": pl.String,
    "surface": pl.String,
    "item_id": pl.String,
    "position": pl.Int32,
    "propensity": pl.Float64,
    "campaign_id": pl.String,
    "price": pl.Float64,
    "served_at": pl.Datetime("us", "UTC"),
    "clicked": pl.Boolean,
    "purchased": pl.Boolean,
}


class PlacementStore(SqlFile):
    """Campaigns and the impression log in one DuckDB file (`":memory:"` for a throw-away) or
    a shared PostgreSQL database (`postgresql://...`)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        super().__init__(path, _SCHEMA, "the placement store")

    # ---- campaigns -----------------------------------------------------------------------
    def save_campaign(self, campaign: Campaign) -> int:
        """Store a new version of a campaign; return its version number (1 for a new one)."""
        ((version,),) = self.execute(
            "INSERT INTO campaigns SELECT ?, coalesce(max(version), 0) + 1, ?, ? FROM campaigns "
            "WHERE campaign_id = ? RETURNING version",
            [
                campaign.campaign_id,
                campaign.model_dump_json(),
                datetime.now(UTC),
                campaign.campaign_id,
            ],
        )
        return int(version)

    def campaign(self, campaign_id: str, version: int | None = None) -> Campaign:
        """A campaign's latest (or given) version; `KeyError` when there is none."""
        query = "SELECT body FROM campaigns WHERE campaign_id = ?"
        values: list[object] = [campaign_id]
        if version is not None:
            query += " AND version = ?"
            values.append(version)
        rows = self.execute(query + " ORDER BY version DESC LIMIT 1", values)
        if not rows:
            raise KeyError(f"campaign {campaign_id!r} (version {version or 'latest'}) not found")
        return Campaign.model_validate(json.loads(rows[0][0]))

    def campaigns(self) -> list[Campaign]:
        """The latest version of every campaign, by id."""
        rows = self.execute(
            "SELECT DISTINCT ON (campaign_id) body FROM campaigns "
            "ORDER BY campaign_id, version DESC"
        )
        return [Campaign.model_validate(json.loads(body)) for (body,) in rows]

    def versions(self, campaign_id: str) -> list[tuple[int, datetime]]:
        """(version, saved at) of every stored version of a campaign, oldest first."""
        rows = self.execute(
            "SELECT version, saved_at FROM campaigns WHERE campaign_id = ? ORDER BY version",
            [campaign_id],
        )
        return [(int(version), saved_at) for version, saved_at in rows]

    def erase_campaign(self, campaign_id: str) -> int:
        """Delete every version of a campaign; return how many there were."""
        return len(
            self.execute(
                "DELETE FROM campaigns WHERE campaign_id = ? RETURNING version", [campaign_id]
            )
        )

    # ---- impressions and outcomes --------------------------------------------------------
    def log_impressions(self, records: Sequence[ImpressionRecord]) -> list[int]:
        """Append served entries in one transaction; return their impression ids."""
        if not records:
            return []
        values = [
            value
            for r in records
            for value in (
                r.request_id,
                r.shopper_id,
                r.surface,
                r.item_id,
                r.position,
                r.propensity,
                r.campaign_id,
                r.price,
                _utc(r.served_at),
            )
        ]
        rows = ", ".join(["(nextval('impression_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(records))
        # One statement, one transaction; ids follow the rows' order.
        ids = self.execute(f"INSERT INTO impressions VALUES {rows} RETURNING impression_id", values)
        return sorted(int(value) for (value,) in ids)

    def impression(self, impression_id: int) -> ImpressionRecord:
        """A logged impression; `KeyError` when the id is unknown (or erased)."""
        rows = self.execute(
            "SELECT request_id, shopper_id, surface, item_id, position, propensity, "
            "served_at, campaign_id, price, impression_id FROM impressions "
            "WHERE impression_id = ?",
            [impression_id],
        )
        if not rows:
            raise KeyError(f"impression {impression_id} not found")
        return ImpressionRecord(*rows[0])

    def served_list(self, request_id: str) -> list[ImpressionRecord]:
        """The impressions of one served list, in position order (empty when unknown)."""
        rows = self.execute(
            "SELECT request_id, shopper_id, surface, item_id, position, propensity, "
            "served_at, campaign_id, price, impression_id FROM impressions "
            "WHERE request_id = ? ORDER BY position",
            [request_id],
        )
        return [ImpressionRecord(*row) for row in rows]

    def log_outcome(
        self, impression_id: int, kind: OutcomeKind | str, charge: float, at: datetime
    ) -> None:
        """Join a click or purchase (and what it was charged) to its impression."""
        kind = OutcomeKind(kind)
        shopper = self.impression(impression_id).shopper_id
        self.execute(
            "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?)",
            [impression_id, shopper, kind.value, charge, _utc(at)],
        )

    def clicked(self, impression_id: int) -> bool:
        """Whether a click has been logged for the impression."""
        ((count,),) = self.execute(
            "SELECT count(*) FROM outcomes WHERE impression_id = ? AND kind = 'click'",
            [impression_id],
        )
        return int(count) > 0

    def spend(self, day: date, campaign_id: str | None = None) -> dict[str, float]:
        """What each campaign (or only `campaign_id`) was charged on a UTC day."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        query = (
            "SELECT i.campaign_id, sum(o.charge) FROM outcomes o JOIN impressions i "
            "USING (impression_id) WHERE o.happened_at >= ? AND o.happened_at < ? "
            "AND i.campaign_id IS NOT NULL"
        )
        values: list[object] = [start, start + timedelta(days=1)]
        if campaign_id is not None:
            query += " AND i.campaign_id = ?"
            values.append(campaign_id)
        rows = self.execute(query + " GROUP BY i.campaign_id", values)
        return {campaign: float(total) for campaign, total in rows}

    def exposures(
        self, since: datetime, shopper_id: str | None = None
    ) -> list[tuple[str, str, datetime]]:
        """(shopper, campaign, served at) of sponsored impressions since a moment (of every
        shopper, or only `shopper_id`), in time order (restores frequency counts)."""
        query = (
            "SELECT shopper_id, campaign_id, served_at FROM impressions "
            "WHERE campaign_id IS NOT NULL AND served_at >= ?"
        )
        values: list[object] = [_utc(since)]
        if shopper_id is not None:
            query += " AND shopper_id = ?"
            values.append(shopper_id)
        rows = self.execute(query + " ORDER BY served_at", values)
        return [(shopper, campaign, served_at) for shopper, campaign, served_at in rows]

    def item_outcomes(self) -> dict[str, tuple[int, int]]:
        """Per item: its logged impressions, and how many of them were clicked (the explorer's
        posteriors, as every process of the shop logged them)."""
        rows = self.execute(
            "SELECT i.item_id, count(*), count(c.impression_id) FROM impressions i "
            "LEFT JOIN (SELECT DISTINCT impression_id FROM outcomes WHERE kind = 'click') c "
            "USING (impression_id) GROUP BY i.item_id"
        )
        return {item: (int(shows), int(clicks)) for item, shows, clicks in rows}

    def impression_log(self) -> pl.DataFrame:
        """Every impression with `clicked` and `purchased` flags (the click model's data)."""
        columns = ", ".join(f"i.{name}" for name in list(_LOG_SCHEMA)[:-2])
        rows = self.execute(
            f"SELECT {columns}, coalesce(bool_or(o.kind = 'click'), false), "
            "coalesce(bool_or(o.kind = 'purchase'), false) "
            "FROM impressions i LEFT JOIN outcomes o USING (impression_id) "
            f"GROUP BY {columns} ORDER BY i.impression_id"
        )
        return pl.DataFrame(rows, schema=_LOG_SCHEMA, orient="row")

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        """Delete a shopper's impressions and outcomes; return rows deleted per table."""
        with self.transaction():
            return {
                table: len(
                    self.execute(
                        f"DELETE FROM {table} WHERE shopper_id = ? RETURNING shopper_id",
                        [shopper_id],
                    )
                )
                for table in ("outcomes", "impressions")
            }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
