"""Evaluate recommenders on the real datasets with `shopsense evaluate` and record the results.

    python benchmarks/bench_recommenders.py --models baselines --section baselines

runs the CLI once per dataset (leave-one-out, full ranking, 10% cold items), keeps each JSON
report and rankings dump under runs/, and writes the table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

DATASETS = {
    "beauty": "amazon-beauty-2014-5core",
    "office": "amazon-office-2014-5core-lcrec",
}
COLUMNS = [
    "recall@5",
    "ndcg@5",
    "recall@10",
    "ndcg@10",
    "recall@20",
    "ndcg@20",
    "mrr@20",
    "coverage@10",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="baselines")
    parser.add_argument("--datasets", default="beauty,office")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--cold-items", default="0.1")
    parser.add_argument("--section", default="baselines", help="BENCHMARKS.md section to write")
    parser.add_argument("--title", default="Baseline recommenders")
    args = parser.parse_args()

    parts = [
        f"## {args.title}",
        "",
        "```",
        command_line(),
        "```",
        "",
        machine_line(),
        "Protocol: leave-one-out, full ranking over the whole catalogue, the user's history "
        f"excluded, no sampled negatives (DESIGN.md §3). {_cold_items_line(args.cold_items)} "
        "New users: each test user known only by one synthetic sentence naming the leaf "
        "categories of their training items (catalogues with categories only).",
        "",
    ]
    load_start = os.getloadavg()
    for key in args.datasets.split(","):
        report_path = args.out / f"{args.section}-{key}.json"
        rankings_path = args.out / f"{args.section}-{key}-rankings.jsonl"
        command = [
            "shopsense",
            "evaluate",
            "--data",
            str(args.data_root / DATASETS[key]),
            "--models",
            args.models,
            "--report",
            str(report_path),
            "--rankings",
            str(rankings_path),
            "--cold-items",
            args.cold_items,
        ]
        args.out.mkdir(parents=True, exist_ok=True)
        subprocess.run(command, check=True)
        report = json.loads(report_path.read_text())
        parts += [
            f"### {report['dataset']['name']}",
            "",
            f"`{shlex.join(command)}`",
            "",
            _table(report),
            "",
        ]
    load_end = os.getloadavg()
    parts.append(
        f"Load average (1, 5, 15 min) at start {_loads(load_start)}, at end {_loads(load_end)} "
        "(above 2 the two CPUs were shared with other jobs: fit times are upper bounds)."
    )
    write_section(args.section, "\n".join(parts))


def _cold_items_line(fraction: str) -> str:
    if float(fraction) == 0:
        return "No cold items: every item may appear in training (the published protocol)."
    return (
        f"Cold items: a seeded {float(fraction):.0%} of items removed from training, metrics "
        "split by whether the test target is one of them."
    )


def _loads(loads: tuple[float, float, float]) -> str:
    return ", ".join(f"{load:.1f}" for load in loads)


def _table(report: dict) -> str:
    headers = [
        "model",
        *COLUMNS,
        "fit s",
        "peak RSS growth MiB",
        "cold-target R@10",
        "warm-target R@10",
        "cold / warm",
        "new-user R@10",
    ]
    rows = []
    for name, entry in report["models"].items():
        cold = entry.get("cold_items", {})
        rows.append(
            [
                name,
                *(f"{entry[c]:.4f}" for c in COLUMNS),
                f"{entry['fit_seconds']:.1f}",
                f"{entry['peak_memory_mb']:.0f}",
                _fmt(cold.get("cold_targets", {}).get("recall@10")),
                _fmt(cold.get("warm_targets", {}).get("recall@10")),
                _fmt(cold.get("cold_to_warm_recall@10"), ".2f"),
                _fmt(entry.get("new_users", {}).get("recall@10")),
            ]
        )
    return markdown_table(headers, rows)


def _fmt(value: float | None, spec: str = ".4f") -> str:
    return "-" if value is None else format(value, spec)


if __name__ == "__main__":
    main()
