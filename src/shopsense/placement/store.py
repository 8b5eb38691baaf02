"""The placement store: versioned campaigns and the impression and outcome log, in DuckDB.

A DuckDB file of its own (beside the shop's store), so placement writes never contend with the
catalogue and event writes. Saving a campaign adds a version (every version is kept and can be
read back); erasing a campaign removes all its versions. Impressions (one row per served entry,
with its position and propensity, and for a sponsored one its campaign and price per click)
and outcomes (clicks and purchases, joined to an impression by id, with what was charged) are
erasable per shopper. Each write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

import polars as pl

from shopsense.data.duckdb_file import DuckDBFile
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
    propensity DOUBLE NOT NULL, campaign_id VARCHAR, price DOUBLE,
    served_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    impression_id BIGINT NOT NULL, shopper_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    charge DOUBLE NOT NULL, happened_at TIMESTAMPTZ NOT NULL);
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


class PlacementStore(DuckDBFile):
    """Campaigns and the impression log in one DuckDB file (`":memory:"` for a throw-away)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        super().__init__(path, _SCHEMA, "the placement store")

    # ---- campaigns -----------------------------------------------------------------------
    def save_campaign(self, campaign: Campaign) -> int:
        """Store a new version of a campaign; return its version number (1 for a new one)."""
        with self._lock:
            ((latest,),) = self._con.execute(
                "SELECT coalesce(max(version), 0) FROM campaigns WHERE campaign_id = ?",
                [campaign.campaign_id],
            ).fetchall()
            self._con.execute(
                "INSERT INTO campaigns VALUES (?, ?, ?, ?)",
                [campaign.campaign_id, latest + 1, campaign.model_dump_json(), datetime.now(UTC)],
            )
        return latest + 1

    def campaign(self, campaign_id: str, version: int | None = None) -> Campaign:
        """A campaign's latest (or given) version; `KeyError` when there is none."""
        query = "SELECT body FROM campaigns WHERE campaign_id = ?"
        values: list[object] = [campaign_id]
        if version is not None:
            query += " AND version = ?"
            values.append(version)
        with self._lock:
            rows = self._con.execute(query + " ORDER BY version DESC LIMIT 1", values).fetchall()
        if not rows:
            raise KeyError(f"campaign {campaign_id!r} (version {version or 'latest'}) not found")
        return Campaign.model_validate(json.loads(rows[0][0]))

    def campaigns(self) -> list[Campaign]:
        """The latest version of every campaign, by id."""
        with self._lock:
            rows = self._con.execute(
                "SELECT body FROM campaigns QUALIFY version = max(version) "
                "OVER (PARTITION BY campaign_id) ORDER BY campaign_id"
            ).fetchall()
        return [Campaign.model_validate(json.loads(body)) for (body,) in rows]

    def versions(self, campaign_id: str) -> list[tuple[int, datetime]]:
        """(version, saved at) of every stored version of a campaign, oldest first."""
        with self._lock:
            return self._con.execute(
                "SELECT version, saved_at FROM campaigns WHERE campaign_id = ? ORDER BY version",
                [campaign_id],
            ).fetchall()

    def erase_campaign(self, campaign_id: str) -> int:
        """Delete every version of a campaign; return how many there were."""
        with self._lock:
            ((count,),) = self._con.execute(
                "DELETE FROM campaigns WHERE campaign_id = ?", [campaign_id]
            ).fetchall()
        return int(count)

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
        with self._lock:
            # One statement, one transaction; ids follow the rows' order.
            ids = self._con.execute(
                f"INSERT INTO impressions VALUES {rows} RETURNING impression_id", values
            ).fetchall()
        return sorted(int(value) for (value,) in ids)

    def impression(self, impression_id: int) -> ImpressionRecord:
        """A logged impression; `KeyError` when the id is unknown (or erased)."""
        with self._lock:
            rows = self._con.execute(
                "SELECT request_id, shopper_id, surface, item_id, position, propensity, "
                "served_at, campaign_id, price, impression_id FROM impressions "
                "WHERE impression_id = ?",
                [impression_id],
            ).fetchall()
        if not rows:
            raise KeyError(f"impression {impression_id} not found")
        return ImpressionRecord(*rows[0])

    def served_list(self, request_id: str) -> list[ImpressionRecord]:
        """The impressions of one served list, in position order (empty when unknown)."""
        with self._lock:
            rows = self._con.execute(
                "SELECT request_id, shopper_id, surface, item_id, position, propensity, "
                "served_at, campaign_id, price, impression_id FROM impressions "
                "WHERE request_id = ? ORDER BY position",
                [request_id],
            ).fetchall()
        return [ImpressionRecord(*row) for row in rows]

    def log_outcome(
        self, impression_id: int, kind: OutcomeKind | str, charge: float, at: datetime
    ) -> None:
        """Join a click or purchase (and what it was charged) to its impression."""
        kind = OutcomeKind(kind)
        shopper = self.impression(impression_id).shopper_id
        with self._lock:
            self._con.execute(
                "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?)",
                [impression_id, shopper, kind.value, charge, _utc(at)],
            )

    def clicked(self, impression_id: int) -> bool:
        """Whether a click has been logged for the impression."""
        with self._lock:
            ((count,),) = self._con.execute(
                "SELECT count(*) FROM outcomes WHERE impression_id = ? AND kind = 'click'",
                [impression_id],
            ).fetchall()
        return count > 0

    def spend(self, day: date) -> dict[str, float]:
        """What each campaign was charged on a UTC day."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        with self._lock:
            rows = self._con.execute(
                "SELECT i.campaign_id, sum(o.charge) FROM outcomes o JOIN impressions i "
                "USING (impression_id) WHERE o.happened_at >= ? AND o.happened_at < ? "
                "AND i.campaign_id IS NOT NULL "
                "GROUP BY i.campaign_id",
                [start, start + timedelta(days=1)],
            ).fetchall()
        return {campaign: float(total) for campaign, total in rows}

    def exposures(self, since: datetime) -> list[tuple[str, str, datetime]]:
        """(shopper, campaign, served at) of sponsored impressions since a moment, in time
        order (restores frequency counts after a restart)."""
        with self._lock:
            return self._con.execute(
                "SELECT shopper_id, campaign_id, served_at FROM impressions "
                "WHERE campaign_id IS NOT NULL AND served_at >= ? ORDER BY served_at",
                [_utc(since)],
            ).fetchall()

    def impression_log(self) -> pl.DataFrame:
        """Every impression with `clicked` and `purchased` flags (the click model's data)."""
        with self._lock:
            return self._con.sql(
                "SELECT i.*, coalesce(bool_or(o.kind = 'click'), false) AS clicked, "
                "coalesce(bool_or(o.kind = 'purchase'), false) AS purchased "
                "FROM impressions i LEFT JOIN outcomes o USING (impression_id) "
                "GROUP BY ALL ORDER BY i.impression_id"
            ).pl()

    def erase_shopper(self, shopper_id: str) -> dict[str, int]:
        """Delete a shopper's impressions and outcomes; return rows deleted per table."""
        with self._lock:
            self._con.execute("BEGIN TRANSACTION")
            try:
                deleted = {
                    table: int(
                        self._con.execute(
                            f"DELETE FROM {table} WHERE shopper_id = ?", [shopper_id]
                        ).fetchall()[0][0]
                    )
                    for table in ("outcomes", "impressions")
                }
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return deleted


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
