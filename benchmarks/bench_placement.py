"""Sponsored placement and off-policy evaluation on the Open Bandit Dataset sample, and the
placement latency: what `shopsense evaluate-policy` runs, plus a timing of the serving path.

    python benchmarks/bench_placement.py [--data-root ../shared/data] [--requests 3000]

1. Click models, per campaign on the random policy's logs (time-ordered split, first 70% train,
   last 30% test; settings chosen on the last 20% of train): the click rate per position, a
   logistic regression and the calibrated LightGBM click model; AUC with its bootstrap 95%
   interval, log-loss, expected calibration error (10 equal-count bins) and the click model's
   reliability table.
2. Off-policy estimators validated as in the dataset paper: the Bernoulli Thompson-sampling
   policy (its action distribution by Monte Carlo over its priors) estimated from all the random
   logs with IPW, SNIPW and DR, against its true click rate in its own logs.
3. A learned policy chosen on validation against the random and the Thompson-sampling policies,
   estimated on the held-out 30% of the random logs.
4. Latency of `PlacementEngine.place` (single thread) over a realistic request: 200 scored
   organic candidates, a page of 20, 2 sponsored slots, 50 sponsored campaigns of 4 items (half
   with a frequency cap), relevance looked up per request; with exploration off and on (4 fresh
   items). `log` (the DuckDB write of the served list) is timed apart: it can run after the
   response.
Writes `runs/placement.json` and the `placement-ope` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.evaluation.off_policy import BootstrapConfig
from shopsense.evaluation.policy import evaluate_policies
from shopsense.placement import (
    Campaign,
    ExplorationConfig,
    PlacementConfig,
    PlacementEngine,
    PlacementStore,
    RequestContext,
)

FOLDER = "open-bandit-dataset-sample"
#: Target of issue 20: placement adds at most this much to a request at the 99th percentile.
P99_TARGET_MS = 2.0
N_ORGANIC, PAGE, N_CAMPAIGNS, ITEMS_PER_CAMPAIGN, N_SHOPPERS = 200, 20, 50, 4, 500
FRESH = ["fresh0", "fresh1", "fresh2", "fresh3"]


def _engine(exploration: bool) -> PlacementEngine:
    config = PlacementConfig(
        exploration=ExplorationConfig(share=0.1, slots=[8]) if exploration else None
    )
    engine = PlacementEngine(PlacementStore(), config=config)
    for c in range(N_CAMPAIGNS):
        cap = {"frequency_cap": {"impressions": 3, "window_hours": 24}} if c % 2 else {}
        campaign = {
            "campaign_id": f"c{c}",
            "items": [f"s{c}_{i}" for i in range(ITEMS_PER_CAMPAIGN)],
            "bid": 0.2 + 0.02 * c,
            "daily_budget": 1e6,
            **cap,
        }
        engine.save_campaign(Campaign.model_validate(campaign))
    return engine


def _latency(exploration: bool, requests: int) -> dict[str, float]:
    engine = _engine(exploration)
    rng = np.random.default_rng(0)
    organic = [f"o{i}" for i in range(N_ORGANIC)]
    sponsored = [f"s{c}_{i}" for c in range(N_CAMPAIGNS) for i in range(ITEMS_PER_CAMPAIGN)]
    relevance = dict(zip(sponsored, rng.random(len(sponsored)), strict=True))
    day = datetime(2026, 3, 2, tzinfo=UTC)
    place_ms, place_cpu_ms, log_ms = [], [], []
    for request in range(requests):
        scores = np.sort(rng.random(N_ORGANIC))[::-1]
        context = RequestContext(f"u{request % N_SHOPPERS}")
        at = day + timedelta(seconds=20 * request)
        started, cpu = time.perf_counter(), time.thread_time()
        placement = engine.place(
            context,
            organic,
            scores,
            PAGE,
            lambda items: np.array([relevance[item] for item in items]),
            fresh=FRESH,
            at=at,
        )
        place_ms.append((time.perf_counter() - started) * 1000)
        place_cpu_ms.append((time.thread_time() - cpu) * 1000)
        started = time.perf_counter()
        engine.log(placement)
        log_ms.append((time.perf_counter() - started) * 1000)
    warm = slice(min(100, requests // 10), None)  # first calls allocate
    place, log = np.asarray(place_ms)[warm], np.asarray(log_ms)[warm]
    cpu = np.asarray(place_cpu_ms)[warm]
    return {
        "requests": len(place),
        "place_p50_ms": float(np.percentile(place, 50)),
        "place_p99_ms": float(np.percentile(place, 99)),
        "place_cpu_p50_ms": float(np.percentile(cpu, 50)),
        "place_cpu_p99_ms": float(np.percentile(cpu, 99)),
        "load_average": os.getloadavg()[0],
        "log_p50_ms": float(np.percentile(log, 50)),
        "log_p99_ms": float(np.percentile(log, 99)),
    }


def _verdict(row: dict[str, float]) -> str:
    """Wall time decides; on a machine busier than its cores, CPU time says what the code costs."""
    if row["place_p99_ms"] <= P99_TARGET_MS:
        return "met"
    if row["place_cpu_p99_ms"] <= P99_TARGET_MS:
        return "met in CPU time; wall p99 is the machine's queue"
    return "**not met**"


def _interval(row: dict[str, float]) -> str:
    return f"{row['estimate']:.3%} [{row['ci_low']:.3%}, {row['ci_high']:.3%}]"


def _click_tables(report: dict[str, Any]) -> tuple[str, str]:
    rows, reliability = [], []
    for campaign in report["click_models"]:
        split = f"{campaign['train']['clicks']} / {campaign['test']['clicks']}"
        for method, m in campaign["methods"].items():
            rows.append(
                [
                    campaign["campaign"],
                    split,
                    method,
                    f"{m['auc']:.3f} [{m['auc_ci_low']:.2f}, {m['auc_ci_high']:.2f}]",
                    f"{m['log_loss']:.4f}",
                    f"{m['ece']:.4f}",
                    f"{m['mean_predicted']:.3%} / {m['click_rate']:.3%}",
                ]
            )
        for number, b in enumerate(campaign["methods"]["click_model"]["reliability"], 1):
            reliability.append(
                [
                    campaign["campaign"],
                    str(number),
                    str(b["n"]),
                    f"{b['predicted']:.3%}",
                    f"{b['observed']:.3%}",
                ]
            )
    headers = [
        "campaign",
        "train / test clicks",
        "method",
        "AUC [95% CI]",
        "log-loss",
        "ECE",
        "mean predicted / click rate",
    ]
    return (
        markdown_table(headers, rows),
        markdown_table(["campaign", "bin", "n", "predicted", "observed"], reliability),
    )


def _ope_table(report: dict[str, Any]) -> str:
    rows = [
        [
            row["campaign"],
            row["estimator"],
            _interval(row),
            f"{row['truth']:.3%}",
            f"{row['relative_error']:.1%}",
            "yes" if row["covered"] else "**no**",
        ]
        for row in report["ope_validation"]
    ]
    headers = ["campaign", "estimator", "estimate [95% CI]", "truth", "rel. error", "covered"]
    return markdown_table(headers, rows)


def _policy_tables(report: dict[str, Any]) -> tuple[str, str]:
    test_rows, validation_rows = [], []
    for choice in report["policy_choice"]:
        for row in choice["test"]:
            test_rows.append(
                [
                    choice["campaign"],
                    row["policy"] + (" (chosen)" if row["policy"] == choice["chosen"] else ""),
                    _interval(row["ipw"]),
                    _interval(row["snipw"]),
                    _interval(row["dr"]),
                ]
            )
        on_policy = choice["thompson_sampling_on_policy"]
        test_rows.append(
            [
                choice["campaign"],
                f"thompson_sampling, on-policy in bts/ ({on_policy['impressions']:,} impr.)",
                f"{on_policy['click_rate']:.3%}",
                "",
                "",
            ]
        )
        for row in choice["validation"]:
            validation_rows.append([choice["campaign"], row["policy"], _interval(row["dr"])])
    headers = ["campaign", "policy", "IPW", "SNIPW", "DR"]
    return (
        markdown_table(headers, test_rows),
        markdown_table(["campaign", "candidate", "DR on validation"], validation_rows),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--requests", type=int, default=3000, help="Requests timed per setting.")
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()

    started = time.perf_counter()
    report = evaluate_policies(args.data_root / FOLDER, bootstrap=BootstrapConfig())
    ope_seconds = time.perf_counter() - started
    report["latency"] = {
        "exploration_off": _latency(False, args.requests),
        "exploration_on": _latency(True, args.requests),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "placement.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report["ope_validation"], indent=1))
    print(json.dumps(report["latency"], indent=1))
    if args.no_markdown:
        return
    clicks, reliability = _click_tables(report)
    test, validation = _policy_tables(report)
    latency_rows = [
        [
            name.replace("_", " "),
            str(row["requests"]),
            f"{row['load_average']:.1f}",
            f"{row['place_p50_ms']:.3f} / {row['place_p99_ms']:.3f}",
            f"{row['place_cpu_p50_ms']:.3f} / {row['place_cpu_p99_ms']:.3f}",
            _verdict(row),
            f"{row['log_p50_ms']:.2f} / {row['log_p99_ms']:.2f}",
        ]
        for name, row in report["latency"].items()
    ]
    latency = markdown_table(
        [
            "setting",
            "requests",
            "load average",
            "place wall p50 / p99 ms",
            "place CPU p50 / p99 ms",
            f"target p99 <= {P99_TARGET_MS:g} ms",
            "log p50 / p99 ms",
        ],
        latency_rows,
    )
    body = "\n\n".join(
        [
            "## Sponsored placement and off-policy evaluation (`shopsense evaluate-policy`)",
            f"`{command_line()}` (OPE part {ope_seconds:,.0f} s; the same as `shopsense "
            f"evaluate-policy --data ../shared/data/{FOLDER} --report r.json`). {machine_line()}",
            f"Protocol: {report['protocol']}.",
            "### Click prediction (random-policy logs, test = last 30%)",
            clicks,
            "The data allow little: 46 clicks per 10,000 impressions leave 18 test clicks per "
            "campaign, so an AUC's 95% interval spans about +-0.13 around its value and no "
            "method is distinguishable from chance (0.5) or from another. Calibration is what "
            "the click model can offer here: its mean prediction tracks the click rate.",
            "Click model reliability (10 equal-count bins of the test predictions):",
            reliability,
            "### Off-policy estimators vs the Thompson-sampling policy's true click rate",
            "Estimated from all 10,000 random-policy impressions per campaign; truth = the "
            "click rate in `bts/`. DR's click model is cross-fitted over two time halves.",
            _ope_table(report),
            "### A learned policy, chosen on validation, on the held-out 30% of random logs",
            "Candidates: a random arrangement of the top m items (m = 3, 5, 10, 20) of the click "
            "model's ranking or of the items' smoothed training click rates; chosen by the "
            "highest lower end of the DR interval on validation (last 20% of train).",
            validation,
            test,
            "### Placement latency (`PlacementEngine.place`, one thread)",
            "Wall time and the thread's CPU time per call; with a load average above the "
            f"machine's {os.cpu_count()} CPUs, wall-clock tails measure waiting for a core.",
            latency,
        ]
    )
    write_section("placement-ope", body)


if __name__ == "__main__":
    main()
