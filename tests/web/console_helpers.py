"""What the console's tests share: a second bundle version with an evaluation report and an
off-policy report, and traffic that gives the campaigns page numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from shopsense.bundle import train_bundle
from shopsense.data import Dataset
from tests.web.conftest import ADMIN_KEY

ADMIN = {"X-API-Key": ADMIN_KEY}
#: Each campaign's test policies of `POLICY_REPORT` (the first chosen) and their DR estimates.
POLICY_TESTS = {
    "men": {"top20_click_model": 0.0050, "random": 0.0041, "thompson_sampling": 0.0056},
    "women": {"top10_item_ctr": 0.0062, "random": 0.0044, "thompson_sampling": 0.0048},
}


def _interval(estimate: float) -> dict[str, float]:
    return {"estimate": estimate, "ci_low": estimate - 0.002, "ci_high": estimate + 0.002}


#: An off-policy report in the shape `shopsense evaluate-policy` writes and `shopsense train
#: --policy-report` stores (numbers made up; the women's intervals miss the truth).
POLICY_REPORT: dict[str, Any] = {
    "data": "open-bandit-dataset-sample",
    "protocol": "time-ordered split per campaign",
    "click_models": [],
    "ope_validation": [
        {
            "campaign": campaign,
            "estimator": estimator,
            **_interval(estimate),
            "truth": 0.0069,
            "relative_error": abs(estimate - 0.0069) / 0.0069,
            "covered": abs(estimate - 0.0069) <= 0.002,
        }
        for campaign, offset in (("men", 0.0), ("women", -0.0021))
        for estimator, estimate in (
            ("ipw", 0.0052 + offset),
            ("snipw", 0.0055 + offset),
            ("dr", 0.0058 + offset),
        )
    ],
    "policy_choice": [
        {
            "campaign": campaign,
            "chosen": next(iter(tests)),
            "test": [
                {
                    "policy": policy,
                    "ipw": _interval(dr - 0.0002),
                    "snipw": _interval(dr - 0.0001),
                    "dr": _interval(dr),
                }
                for policy, dr in tests.items()
            ],
            "thompson_sampling_on_policy": {"impressions": 2892, "click_rate": 0.0055},
            "test_impressions": 3000,
            "test_clicks": 18,
        }
        for campaign, tests in POLICY_TESTS.items()
    ],
}
#: An evaluation report in the shape `shopsense train --evaluate` stores (numbers made up).
REPORT: dict[str, Any] = {
    "protocol": {"name": "leave-one-out"},
    "models": {
        "best": {
            "ndcg@10": 0.176,
            "recall@10": 0.296,
            "cold_items": {
                "cold_targets": {"recall@10": 0.167},
                "warm_targets": {"recall@10": 0.300},
            },
        },
        "popularity": {"ndcg@10": 0.051, "recall@10": 0.102},
    },
    "search": {"methods": {"bm25": {"ndcg@10": 0.41}, "hybrid": {"ndcg@10": 0.52}}},
    "placement": POLICY_REPORT,
}


def train_second_version(dataset: Dataset, root: Path) -> str:
    """Train another version of the shop into the bundle root `root` with `REPORT` (and so
    `POLICY_REPORT`), leave the
    root's `current` pointer where it was and return the new version."""
    current = (root / "current").read_text()
    version = train_bundle(dataset, root, metrics=REPORT, precompute=False).name
    (root / "current").write_text(current)
    return version


def place_and_click(client: TestClient | httpx.Client, user: str) -> str:
    """A sponsored campaign `spring` for a product `user` might like, a list for `user` with it
    in a sponsored slot, and a click on it; returns the product."""
    path = f"/v1/users/{user}/recommendations"
    organic = client.get(path, params={"k": 20}, headers=ADMIN).json()["items"]
    item = organic[12]["item"]
    campaign = {"campaign_id": "spring", "items": [item], "bid": 1.0, "daily_budget": 50.0}
    assert client.post("/v1/campaigns", json=campaign, headers=ADMIN).status_code == 200
    served = client.get(path, params={"k": 10, "sponsored": True}, headers=ADMIN).json()
    assert any(entry["item"] == item and entry["sponsored"] for entry in served["items"])
    outcome = f"/v1/impressions/{served['impression']}/outcomes"
    click = client.post(outcome, json={"item": item, "kind": "click"}, headers=ADMIN)
    assert click.status_code == 200, click.text
    return item


def complain(client: TestClient | httpx.Client, dataset: Dataset) -> str:
    """A burst of one-star complaints about the shop's most reviewed product (which raises an
    alert); returns the product."""
    counts = dataset.reviews.group_by("item_id").len().sort(["len", "item_id"])
    item = str(counts["item_id"][-1])
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    burst = [
        {
            "user": f"U{n:05d}",
            "item": item,
            "rating": 1,
            "text": "Broke after one day. The motor stopped and it smells of burning. Awful.",
            "timestamp": (start + timedelta(minutes=20 * n)).isoformat(),
        }
        for n in range(8)
    ]
    response = client.post("/v1/reviews", json=burst, headers=ADMIN)
    assert response.is_success and response.json()["alerts"], response.text
    return item
