"""The offline evaluation run behind `shopsense evaluate`: split, fit, rank, report.

The report is plain JSON: `{"dataset": stats, "protocol": {...}, "machine": {...},
"models": {name: {metrics, fit_seconds, peak_memory_mb, validation, cold_items}}}`.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from rich.console import Console

from shopsense import __version__
from shopsense.data.dataset import Dataset
from shopsense.data.splits import Split, leave_one_out, temporal_split
from shopsense.evaluation.guards import fit_on_training_view
from shopsense.evaluation.new_users import NEW_USERS_DESCRIPTION, evaluate_new_users
from shopsense.evaluation.resources import measure
from shopsense.evaluation.runner import CaseResults, rank_cases, summarize
from shopsense.execution import Engine
from shopsense.ranking.registry import create
from shopsense.retrieval.base import Retriever

PROTOCOLS = ("leave-one-out", "temporal")


def make_split(
    dataset: Dataset, protocol: str, cold_item_fraction: float = 0.0, seed: int = 0
) -> Split:
    """The split of the named protocol."""
    if protocol == "leave-one-out":
        return leave_one_out(dataset, cold_item_fraction=cold_item_fraction, seed=seed)
    if protocol == "temporal":
        return temporal_split(dataset)
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")


def evaluate_models(
    dataset: Dataset,
    models: Sequence[str],
    protocol: str = "leave-one-out",
    cold_item_fraction: float = 0.1,
    seed: int = 0,
    rankings: TextIO | None = None,
    console: Console | None = None,
    new_users: bool = True,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Fit and evaluate each named model on one split; optionally the cold-item protocol and
    the new-users-from-one-sentence protocol (where the catalogue has categories) too. Cases
    are ranked on `engine` (default: this process); the report is the same."""
    console = console or Console(quiet=True)
    split = make_split(dataset, protocol, seed=seed)
    new_users = new_users and has_categories(dataset)
    cold_split = (
        leave_one_out(dataset, cold_item_fraction=cold_item_fraction, seed=seed)
        if cold_item_fraction > 0 and protocol == "leave-one-out"
        else None
    )
    report: dict[str, Any] = {
        "dataset": dataset.stats(),
        "protocol": {**split.describe(), "seed": seed},
        "machine": machine_info(),
        "models": {},
    }
    if cold_split is not None:
        report["protocol"]["cold_items"] = {
            "fraction": cold_item_fraction,
            "held_out_items": int(len(cold_split.cold_items)),
            "description": "a seeded random share of items is removed from training altogether; "
            "test metrics are reported separately for cases whose target is held out",
        }
    report["protocol"]["new_users"] = (
        NEW_USERS_DESCRIPTION
        if new_users
        else "not run: the catalogue names no categories to describe a user with"
    )
    for name in models:
        console.log(f"[bold]{name}[/]: fitting on {split.train.interactions.height:,} interactions")
        retriever, result = fit_and_rank(name, split, dataset, console, engine)
        entry = result["test"]
        entry["validation"] = result["validation"]
        entry["history_length"] = history_breakdown(
            result["cases"]["test"], split.test.histories, retriever.n_items
        )
        entry.update(result["usage"])
        if new_users:
            console.log(f"[bold]{name}[/]: new users from one sentence")
            read = evaluate_new_users({name: retriever}, split, engine=engine)
            entry["new_users"] = read["models"][name]
        if rankings is not None:
            write_rankings(rankings, name, dataset, split, result["cases"])
        if cold_split is not None:
            console.log(f"[bold]{name}[/]: cold-item protocol")
            _, cold_result = fit_and_rank(name, cold_split, dataset, console, engine)
            entry["cold_items"] = cold_breakdown(
                cold_result["cases"]["test"], cold_split, retriever.n_items
            )
        report["models"][name] = entry
        console.log(
            f"[bold]{name}[/]: NDCG@10 {entry['ndcg@10']:.4f}  Recall@10 {entry['recall@10']:.4f}"
            f"  fit {entry['fit_seconds']:.1f}s"
        )
    return report


def has_categories(dataset: Dataset) -> bool:
    """Whether any item names a category (what a new user's sentence is made of)."""
    return bool(dataset.items["categories"].list.len().fill_null(0).max() or 0)


def fit_and_rank(
    name: str, split: Split, dataset: Dataset, console: Console, engine: Engine | None = None
) -> tuple[Retriever, dict[str, Any]]:
    """Fit model `name` on the split's training data (through the leakage guards) and rank
    its validation and test cases (on `engine`: see `rank_cases`)."""
    retriever = create(name)
    _, usage = measure(
        lambda: fit_on_training_view(retriever, split.train, split.validation, split.test, dataset)
    )
    show = not console.quiet
    validation = rank_cases(retriever, split.validation, dataset, show, engine=engine)
    test = rank_cases(retriever, split.test, dataset, show, engine=engine)
    return retriever, {
        "test": summarize(test, retriever.n_items),
        "validation": _validation_block(retriever, validation),
        "usage": {
            "fit_seconds": round(usage.seconds, 3),
            "peak_memory_mb": round(usage.peak_memory_mb, 1),
        },
        "cases": {"validation": validation, "test": test},
    }


def _validation_block(retriever: Retriever, results: CaseResults) -> dict[str, Any]:
    """Validation metrics where they are out of sample; a note where the model learned from
    the validation cases (they would read far better than test)."""
    if retriever.learns_from_validation:
        return {
            "reported": False,
            "why": f"{retriever.name} learns from the validation cases during fit (early "
            "stopping or a trained ranker), so its metrics on them are in-sample",
        }
    metrics = summarize(results, retriever.n_items)
    return {"reported": True, **{k: metrics[k] for k in ("ndcg@10", "recall@10", "cases")}}


def cold_breakdown(results: CaseResults, split: Split, n_items: int) -> dict[str, Any]:
    """Test metrics on cases whose target was held out of training, and on the rest."""
    is_cold = np.isin(split.test.targets, split.cold_items)
    breakdown = {}
    for label, mask in (("cold_targets", is_cold), ("warm_targets", ~is_cold)):
        subset = CaseResults(results.ranks[mask], results.rankings[mask])
        breakdown[label] = summarize(subset, n_items)
    warm = breakdown["warm_targets"]["recall@10"]
    breakdown["cold_to_warm_recall@10"] = (
        breakdown["cold_targets"]["recall@10"] / warm if warm > 0 else None
    )
    return breakdown


#: Histories of at most this many items are "short" in `history_breakdown`.
SHORT_HISTORY = 5


def history_breakdown(
    results: CaseResults, histories: Sequence[np.ndarray], n_items: int
) -> dict[str, Any]:
    """Test metrics on cases with short histories (at most `SHORT_HISTORY` items: the sparse
    shoppers) and on the rest."""
    short = np.array([len(history) <= SHORT_HISTORY for history in histories], dtype=bool)
    return {
        "short_at_most": SHORT_HISTORY,
        **{
            label: summarize(CaseResults(results.ranks[mask], results.rankings[mask]), n_items)
            for label, mask in (("short", short), ("long", ~short))
        },
    }


def write_rankings(
    out: TextIO, model: str, dataset: Dataset, split: Split, results: dict[str, CaseResults]
) -> None:
    """One JSON line per evaluated case, validation and test: the user, the split, the target,
    the history the model read (excluded from its ranking) and its top items, ids as in the
    source data, so that anyone can recheck the metrics and the protocol."""
    user_ids, item_ids = dataset.user_ids, dataset.item_ids
    for label, cases in (("validation", split.validation), ("test", split.test)):
        rankings = results[label].rankings
        for case, user in enumerate(cases.users):
            line = {
                "model": model,
                "user": str(user_ids[user]),
                "split": label,
                "target": str(item_ids[cases.targets[case]]),
                "history": [str(item_ids[i]) for i in cases.histories[case]],
                "ranked": [str(item_ids[i]) for i in rankings[case]],
            }
            out.write(json.dumps(line) + "\n")


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured."""
    return {
        "shopsense": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def save_report(report: dict[str, Any], path: str | Path) -> Path:
    """Write the report as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=_jsonable))
    return path


def _jsonable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a report")
