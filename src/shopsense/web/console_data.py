"""What the console's pages show, gathered from the service layer the REST API uses.

Every figure is a `Numbers`: groups (a table's rows, a bar chart's groups) by named series (its
columns, its bars), so the table beside each chart always holds the chart's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopsense.bundle.manifest import MANIFEST, read_manifest
from shopsense.placement.campaigns import CampaignKind
from shopsense.placement.engine import PlacementEngine
from shopsense.placement.pacing import spend_share


@dataclass(frozen=True)
class Numbers:
    """A table of numbers: one row per group, one column per series."""

    title: str
    groups: list[str]
    series: dict[str, list[float]]

    @property
    def empty(self) -> bool:
        return not self.groups


# ---- evaluation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    """The newest stored evaluation report and where it came from."""

    version: str
    created_at: str
    protocol: str
    models: Numbers
    cold: Numbers
    search: Numbers


def versions(root: Path) -> list[dict[str, Any]]:
    """The manifests of every bundle version under `root`, newest first (a `root` that is one
    version itself: that one)."""
    if (root / MANIFEST).is_file():
        return [read_manifest(root)]
    folders = [p for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file()]
    manifests = [read_manifest(folder) for folder in folders if not folder.name.startswith(".")]
    return sorted(manifests, key=lambda m: str(m["created_at"]), reverse=True)


def latest_evaluation(manifests: list[dict[str, Any]]) -> Evaluation | None:
    """The evaluation report of the newest version that has one (None: none has)."""
    for manifest in manifests:
        report = manifest.get("metrics") or {}
        if report.get("models") or report.get("search"):
            return _evaluation(manifest, report)
    return None


def _evaluation(manifest: dict[str, Any], report: dict[str, Any]) -> Evaluation:
    models: dict[str, dict[str, Any]] = report.get("models") or {}
    cold = {name: m["cold_items"] for name, m in models.items() if m.get("cold_items")}
    methods: dict[str, dict[str, float]] = (report.get("search") or {}).get("methods") or {}
    metric_names = sorted({metric for scores in methods.values() for metric in scores})
    return Evaluation(
        version=str(manifest["version"]),
        created_at=str(manifest["created_at"]),
        protocol=str((report.get("protocol") or {}).get("name", "")),
        models=Numbers(
            "NDCG@10 and recall@10 per model",
            list(models),
            {
                "NDCG@10": [float(m.get("ndcg@10", 0.0)) for m in models.values()],
                "Recall@10": [float(m.get("recall@10", 0.0)) for m in models.values()],
            },
        ),
        cold=Numbers(
            "Recall@10 on cold and warm items",
            list(cold),
            {
                "Cold items": [float(c["cold_targets"]["recall@10"]) for c in cold.values()],
                "Warm items": [float(c["warm_targets"]["recall@10"]) for c in cold.values()],
            },
        ),
        search=Numbers(
            "Search methods",
            list(methods),
            {name: [float(s.get(name, 0.0)) for s in methods.values()] for name in metric_names},
        ),
    )


def training_seconds(manifests: list[dict[str, Any]]) -> Numbers:
    """Seconds each artifact took to build, per version (oldest first)."""
    ordered = manifests[::-1]
    names = list(dict.fromkeys(name for m in ordered for name in m["artifacts"]))
    return Numbers(
        "Seconds to build each artifact",
        names,
        {
            str(m["version"]): [float(m["artifacts"].get(n, {}).get("seconds", 0.0)) for n in names]
            for m in ordered
        },
    )


# ---- campaigns ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignRow:
    """One campaign's state today."""

    campaign_id: str
    kind: str
    bid: float | None
    daily_budget: float | None
    spent: float
    planned: float | None
    impressions: int
    clicks: int

    @property
    def ctr(self) -> float | None:
        """Clicks per impression (None: no impressions)."""
        return self.clicks / self.impressions if self.impressions else None

    @property
    def pacing(self) -> float | None:
        """Spend today over the spend planned by now (1: on plan; None: nothing planned)."""
        return self.spent / self.planned if self.planned else None


def campaign_rows(engine: PlacementEngine) -> list[CampaignRow]:
    """Every campaign with today's spend, the plan and its impressions and clicks (on the
    placement thread: it reads the placement store)."""
    now = datetime.now(UTC)
    spent = engine.store.spend(now.date())
    share = spend_share(now, engine.config.pacing)
    log = engine.store.impression_log().filter(pl.col("campaign_id").is_not_null())
    counts = {
        row["campaign_id"]: row
        for row in log.group_by("campaign_id")
        .agg(pl.len().alias("impressions"), pl.col("clicked").sum().alias("clicks"))
        .to_dicts()
    }
    return [
        CampaignRow(
            campaign_id=c.campaign_id,
            kind=str(c.kind),
            bid=c.bid,
            daily_budget=c.daily_budget,
            spent=spent.get(c.campaign_id, 0.0),
            planned=c.daily_budget * share
            if c.kind is CampaignKind.SPONSORED and c.daily_budget
            else None,
            impressions=int(counts.get(c.campaign_id, {}).get("impressions", 0)),
            clicks=int(counts.get(c.campaign_id, {}).get("clicks", 0)),
        )
        for c in engine.campaigns()
    ]


def spend_numbers(rows: list[CampaignRow]) -> Numbers:
    """Spend today against the plan, per sponsored campaign."""
    paced = [row for row in rows if row.planned is not None]
    return Numbers(
        "Spend today against the pacing plan",
        [row.campaign_id for row in paced],
        {
            "Spent": [row.spent for row in paced],
            "Planned by now": [float(row.planned or 0.0) for row in paced],
        },
    )


def ctr_numbers(rows: list[CampaignRow]) -> Numbers:
    """Click-through per campaign with impressions."""
    shown = [row for row in rows if row.impressions]
    return Numbers(
        "Click-through per campaign",
        [row.campaign_id for row in shown],
        {"Clicks per impression": [float(row.ctr or 0.0) for row in shown]},
    )


def position_ctr(engine: PlacementEngine) -> Numbers:
    """Click-through of the logged lists by position, sponsored entries against organic ones
    (on the placement thread)."""
    log = engine.store.impression_log()
    if not log.height:
        return Numbers("Click-through by position", [], {})
    table = (
        log.with_columns(sponsored=pl.col("campaign_id").is_not_null())
        .group_by("position", "sponsored")
        .agg(pl.col("clicked").mean().alias("ctr"))
    )
    positions = sorted(table["position"].unique().to_list())
    rates = {(r["position"], r["sponsored"]): r["ctr"] for r in table.to_dicts()}
    return Numbers(
        "Click-through by position",
        [str(p + 1) for p in positions],
        {
            label: [float(rates.get((p, flag), 0.0)) for p in positions]
            for label, flag in (("Organic", False), ("Sponsored", True))
        },
    )


# ---- off-policy comparisons -----------------------------------------------------------------
#: The estimators of a `shopsense evaluate-policy` report, in its order, by their label.
ESTIMATORS = {"ipw": "IPW", "snipw": "SNIPW", "dr": "DR"}


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval (the report's bootstrap percentile interval)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class EstimatorCheck:
    """One estimator's estimate of the Thompson-sampling policy's click rate, from the random
    policy's logs, against that policy's true click rate."""

    campaign: str
    estimator: str
    estimate: Interval
    truth: float
    covered: bool


@dataclass(frozen=True)
class PolicyEstimates:
    """One policy's estimated click rate on a campaign's held-out test logs, per estimator."""

    policy: str
    chosen: bool
    estimates: dict[str, Interval]


@dataclass(frozen=True)
class PolicyTest:
    """A campaign's test comparison: the learned policy chosen on validation beside the
    others, and the test logs they were estimated on."""

    campaign: str
    policies: list[PolicyEstimates]
    impressions: int
    clicks: int
    on_policy_impressions: int
    on_policy_click_rate: float


@dataclass(frozen=True)
class OffPolicy:
    """The newest `shopsense evaluate-policy` report a bundle version records."""

    version: str
    created_at: str
    protocol: str
    validation: list[EstimatorCheck]
    tests: list[PolicyTest]

    def dr_estimates(self) -> tuple[list[str], list[Interval]]:
        """Each campaign's policies (`campaign: policy`) and their DR estimates, for a chart."""
        rows = [(test.campaign, p) for test in self.tests for p in test.policies]
        return [f"{c}: {p.policy}" for c, p in rows], [p.estimates["DR"] for _, p in rows]


def latest_policy_report(manifests: list[dict[str, Any]]) -> OffPolicy | None:
    """The off-policy report (`shopsense train --policy-report`) of the newest version that
    records one (None: none does)."""
    for manifest in manifests:
        report = (manifest.get("metrics") or {}).get("placement")
        if report:
            return _off_policy(manifest, report)
    return None


def _off_policy(manifest: dict[str, Any], report: dict[str, Any]) -> OffPolicy:
    return OffPolicy(
        version=str(manifest["version"]),
        created_at=str(manifest["created_at"]),
        protocol=str(report.get("protocol", "")),
        validation=[
            EstimatorCheck(
                campaign=str(row["campaign"]),
                estimator=ESTIMATORS.get(row["estimator"], str(row["estimator"])),
                estimate=_interval(row),
                truth=float(row["truth"]),
                covered=bool(row["covered"]),
            )
            for row in report["ope_validation"]
        ],
        tests=[
            PolicyTest(
                campaign=str(choice["campaign"]),
                policies=[
                    PolicyEstimates(
                        policy=str(row["policy"]),
                        chosen=row["policy"] == choice["chosen"],
                        estimates={label: _interval(row[key]) for key, label in ESTIMATORS.items()},
                    )
                    for row in choice["test"]
                ],
                impressions=int(choice["test_impressions"]),
                clicks=int(choice["test_clicks"]),
                on_policy_impressions=int(choice["thompson_sampling_on_policy"]["impressions"]),
                on_policy_click_rate=float(choice["thompson_sampling_on_policy"]["click_rate"]),
            )
            for choice in report["policy_choice"]
        ],
    )


def _interval(values: dict[str, Any]) -> Interval:
    return Interval(float(values["estimate"]), float(values["ci_low"]), float(values["ci_high"]))
