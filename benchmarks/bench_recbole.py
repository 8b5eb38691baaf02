"""RecBole's SASRec beside ShopSense's SASRec on one leave-one-out split of Amazon Beauty.

    python benchmarks/bench_recbole.py [--minutes 30] [--threads 2]

RecBole is never a dependency of ShopSense: it lives in its own virtual environment
(`.venv-recbole/`, created here on first use) and runs as a separate process
(`recbole_runner.py`). This script makes ShopSense's split, writes it as RecBole atomic files
(each user's items with their position as the timestamp, so RecBole's leave-one-out with time
order picks exactly ShopSense's validation and test items), trains RecBole's SASRec and
ShopSense's `sasrec` (text-aware, and ID-only) with early stopping under the same fit budget,
ranks every test case over the whole catalogue with the user's history excluded, and writes
the table with NDCG@10 and fit-time ratios into the `recbole` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks_md import BENCHMARKS_MD, command_line, machine_line, markdown_table, write_section
from rich.console import Console

from shopsense.data.dataset import Dataset
from shopsense.data.loaders import load
from shopsense.data.splits import Split, first_occurrences, leave_one_out
from shopsense.evaluation.metrics import coverage, ranking_metrics
from shopsense.evaluation.resources import measure
from shopsense.evaluation.runner import rank_cases, summarize
from shopsense.ranking.registry import create

REPO = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).resolve().with_name("recbole_runner.py")
DATASET = "amazon-beauty-2014-5core"
RECBOLE_NAME = "beauty"
#: What RecBole 1.2.1 imports, per ../shared/ENVIRONMENT.md. torch is pinned to the local CPU
#: wheel; pandas 3 silently breaks RecBole's `fillna`. `ray` is left out: only RecBole's
#: quick_start imports it, and the runner does not use quick_start.
RECBOLE_PACKAGES = [
    "torch==2.13.0",
    "colorlog==4.7.2",
    "colorama==0.4.4",
    "tensorboard",
    "thop",
    "tabulate",
    "plotly",
    "texttable",
    "psutil",
    "numpy",
    "scipy",
    "pandas<3",
    "scikit-learn",
    "pyyaml",
    "tqdm",
]
#: ShopSense models in the comparison: (row name, model name, config overrides). The sasrec
#: rows train under the same budget as RecBole; `best`, the recommended configuration, is fitted
#: as `shopsense evaluate` fits it.
STAND_IN = "ShopSense sasrec (ID only)"
SHOPSENSE_MODELS = [
    ("ShopSense sasrec (ID + text)", "sasrec", {"item_representation": "id+text"}),
    (STAND_IN, "sasrec", {"item_representation": "id"}),
    ("ShopSense best (recommended)", "best", {}),
]
METRICS = ["ndcg@10", "recall@10", "ndcg@20", "recall@20", "mrr@20", "coverage@10"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/recbole"))
    parser.add_argument("--venv", type=Path, default=REPO / ".venv-recbole")
    parser.add_argument(
        "--minutes",
        type=float,
        default=30.0,
        help="fit budget per model (training stops before an epoch would end past it)",
    )
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument(
        "--patience",
        type=int,
        default=10,
        help="epochs without a better validation NDCG@10 before stopping",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--benchmarks-md", type=Path, default=BENCHMARKS_MD)
    args = parser.parse_args()

    console = Console(stderr=True)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    dataset = load(args.data_root / DATASET)
    split = leave_one_out(dataset, seed=args.seed)
    console.log(f"{dataset.name}: {split.describe()}")

    report: dict[str, Any] = {
        "split": split.describe(),
        "load_average": {"start": os.getloadavg()[0]},
        "models": {},
    }
    try:
        python = ensure_environment(args.venv, out / "install.log", console)
        report["recbole"] = run_recbole(python, dataset, split, args, out, console)
        report["models"]["RecBole SASRec"] = recbole_metrics(report["recbole"], dataset)
    except (RecBoleFailed, RecBoleMismatch, OSError) as error:
        report["recbole_error"] = describe_error(error)
        console.log(f"[red]RecBole could not run[/]: {report['recbole_error']}")

    for row, model, overrides in SHOPSENSE_MODELS:
        console.log(f"[bold]{row}[/]: fitting")
        report["models"][row] = fit_shopsense(dataset, split, model, overrides, args)
        console.log(f"{row}: {_summary(report['models'][row])}")

    report["load_average"]["end"] = os.getloadavg()[0]
    (out / "report.json").write_text(json.dumps(report, indent=2))
    write_section("recbole", render(report, args), args.benchmarks_md)
    console.log(f"wrote the recbole section of {args.benchmarks_md} and {out / 'report.json'}")


# ---- the separate RecBole environment ------------------------------------------------------
def ensure_environment(venv: Path, log: Path, console: Console) -> Path:
    """The Python of the RecBole environment, created and installed first (output to `log`)
    if absent."""
    python = venv / "bin" / "python"
    if not python.exists():
        console.log(f"creating {venv} (RecBole 1.2.1; a few minutes)")
        run_logged([sys.executable, "-m", "venv", str(venv)], log)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        run_logged([*pip, "--no-deps", "recbole==1.2.1"], log)
        run_logged([*pip, *RECBOLE_PACKAGES], log)
    versions = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print(m.version('torch'), m.version('recbole'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if versions[0] != "2.13.0+cpu":
        raise OSError(f"{venv} has torch {versions[0]}, not the pinned 2.13.0+cpu")
    console.log(f"RecBole {versions[1]} with torch {versions[0]} in {venv}")
    return python


# ---- RecBole's run ---------------------------------------------------------------------------
class RecBoleMismatch(Exception):
    """RecBole's test cases are not ShopSense's (the comparison would not be like for like)."""


class RecBoleFailed(Exception):
    """A step of the RecBole run exited with an error; the message ends with its output."""


def run_logged(command: list[str], log: Path, cwd: Path | None = None, tail: int = 25) -> None:
    """Run `command`, echoing its output to stderr and appending it to `log`; on failure raise
    `RecBoleFailed` with the command and the last `tail` lines of its output."""
    lines: list[str] = []
    with (
        log.open("a") as file,
        subprocess.Popen(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            sys.stderr.write(line)
            file.write(line)
            lines = [*lines[-tail + 1 :], line.rstrip()]
    if process.returncode:
        shown = " ".join(Path(part).name if os.sep in part else part for part in command)
        raise RecBoleFailed(
            f"`{shown}` exited with status {process.returncode}:\n" + "\n".join(lines)
        )


def recbole_config(args: argparse.Namespace, data_path: Path, checkpoints: Path) -> dict:
    """RecBole's SASRec settings, matched to ShopSense's `sasrec` defaults where both have one."""
    sasrec = create("sasrec").config
    return {
        "data_path": str(data_path),
        "checkpoint_dir": str(checkpoints),
        "USER_ID_FIELD": "user_id",
        "ITEM_ID_FIELD": "item_id",
        "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "eval_args": {
            "split": {"LS": "valid_and_test"},
            "order": "TO",
            "mode": "full",
            "group_by": "user",
        },
        "metrics": ["Recall", "NDCG", "MRR"],
        "topk": [5, 10, 20],
        "valid_metric": "NDCG@10",
        "train_neg_sample_args": None,
        "loss_type": "CE",
        "MAX_ITEM_LIST_LENGTH": sasrec.max_len,
        "hidden_size": sasrec.hidden,
        "inner_size": sasrec.hidden * sasrec.ffn_multiplier,
        "n_layers": sasrec.blocks,
        "n_heads": sasrec.heads,
        "hidden_dropout_prob": sasrec.dropout,
        "attn_dropout_prob": sasrec.dropout,
        "learning_rate": sasrec.lr,
        "epochs": args.max_epochs,
        "stopping_step": args.patience,
        "device": "cpu",
        "use_gpu": False,
        "seed": args.seed,
        "reproducibility": True,
        "show_progress": False,
    }


def run_recbole(
    python: Path,
    dataset: Dataset,
    split: Split,
    args: argparse.Namespace,
    out: Path,
    console: Console,
) -> dict:
    """Write the atomic files and cases, run the runner in the RecBole environment, check that
    its test cases are ShopSense's, and return its result."""
    atomic = out / "atomic"
    write_atomic(dataset, atomic / RECBOLE_NAME / f"{RECBOLE_NAME}.inter")
    cases = out / "cases.json"
    cases.write_text(json.dumps(test_cases(dataset, split)))
    spec = {
        "dataset": RECBOLE_NAME,
        "config": recbole_config(args, atomic, out / "checkpoints"),
        "threads": args.threads,
        "max_fit_seconds": args.minutes * 60,
        "cases": str(cases),
        "output": str(out / "recbole-result.json"),
    }
    (out / "spec.json").write_text(json.dumps(spec, indent=2))
    console.log("RecBole SASRec: training in the separate environment")
    # RecBole writes logs and tensorboard files under the working directory: keep them in `out`.
    run_logged([str(python), str(RUNNER), str(out / "spec.json")], out / "recbole.log", cwd=out)
    result = json.loads((out / "recbole-result.json").read_text())
    result["config"] = spec["config"]
    check_cases(result["checks"], len(split.test))
    return result


def write_atomic(dataset: Dataset, path: Path) -> None:
    """Each user's distinct items in order, with their position as the timestamp, so that
    RecBole's time-ordered leave-one-out holds out exactly ShopSense's items."""
    path.parent.mkdir(parents=True, exist_ok=True)
    user_ids, item_ids = dataset.user_ids, dataset.item_ids
    with path.open("w") as file:
        file.write("user_id:token\titem_id:token\ttimestamp:float\n")
        for user, sequence in enumerate(dataset.sequences):
            for position, item in enumerate(first_occurrences(sequence)):
                file.write(f"{user_ids[user]}\t{item_ids[item]}\t{position}\n")


def test_cases(dataset: Dataset, split: Split) -> list[dict]:
    """ShopSense's test cases with ids as in the source data."""
    user_ids, item_ids = dataset.user_ids, dataset.item_ids
    return [
        {
            "user": str(user_ids[user]),
            "history": [str(item_ids[i]) for i in history],
            "target": str(item_ids[target]),
        }
        for user, history, target in zip(
            split.test.users, split.test.histories, split.test.targets, strict=True
        )
    ]


def check_cases(checks: dict, expected: int) -> None:
    """Raise `RecBoleMismatch` unless RecBole tested exactly ShopSense's cases."""
    wrong = {
        key: value for key, value in checks.items() if key.startswith(("users_", "mis")) and value
    }
    if checks["recbole_test_cases"] != expected or checks["shopsense_test_cases"] != expected:
        wrong["test_cases"] = (checks["recbole_test_cases"], expected)
    if wrong:
        raise RecBoleMismatch(f"RecBole's test cases differ from ShopSense's: {wrong}")


def recbole_metrics(result: dict, dataset: Dataset) -> dict:
    """ShopSense's metrics of RecBole's ranks (history excluded), plus fit facts."""
    cases = result["test_cases"]
    ranks = np.asarray(cases["rank_history_excluded"])
    index = {item: i for i, item in enumerate(dataset.item_ids)}
    top = [[index[item] for item in row] for row in cases["top10"]]
    entry = ranking_metrics(ranks)
    entry["coverage@10"] = coverage(top, dataset.n_items, 10)
    entry["cases"] = len(ranks)
    entry["native_metrics_from_ranks"] = ranking_metrics(np.asarray(cases["rank_native"]))
    entry.update(
        {
            key: result[key]
            for key in (
                "fit_seconds",
                "fit_cpu_seconds",
                "epochs",
                "best_epoch",
                "stopped_by",
                "prepare_seconds",
            )
        }
    )
    return entry


# ---- ShopSense's models --------------------------------------------------------------------
def fit_shopsense(
    dataset: Dataset, split: Split, model: str, overrides: dict, args: argparse.Namespace
) -> dict:
    """Fit ShopSense's `model` with `overrides` (a `sasrec` under the same budget as RecBole),
    and test it."""
    if model == "sasrec":
        overrides = {
            **overrides,
            "max_epochs": args.max_epochs,
            "patience": args.patience,
            "max_fit_seconds": args.minutes * 60,
            "threads": args.threads,
            "seed": args.seed,
            "show_progress": True,
        }
    retriever = create(model, **overrides)
    cpu_started = time.process_time()
    _, usage = measure(lambda: retriever.fit(split.train, split.validation))
    cpu_seconds = time.process_time() - cpu_started
    entry = summarize(
        rank_cases(retriever, split.test, dataset, show_progress=True), retriever.n_items
    )
    entry.update(
        {
            "fit_seconds": round(usage.seconds, 3),
            "fit_cpu_seconds": round(cpu_seconds, 3),
            "peak_memory_mb": round(usage.peak_memory_mb, 1),
        }
    )
    if model != "sasrec":
        return entry
    log = retriever.training_log
    budget_hit = log.epochs < args.max_epochs and log.epochs - log.best_epoch < args.patience
    entry.update(
        {
            "training_seconds": round(log.seconds, 3),
            "epochs": log.epochs,
            "best_epoch": log.best_epoch,
            "stopped_by": "time budget"
            if budget_hit
            else ("epoch cap" if log.epochs == args.max_epochs else "early stopping"),
            "validation_history": log.history,
            "config": retriever.config.model_dump(mode="json", exclude={"encoder", "text_recipe"}),
        }
    )
    return entry


# ---- the BENCHMARKS.md section -------------------------------------------------------------
def render(report: dict, args: argparse.Namespace) -> str:
    """The `recbole` section: command, machine, protocol checks, table and settings."""
    models = report["models"]
    peer_name = "RecBole SASRec" if "RecBole SASRec" in models else STAND_IN
    peer = models[peer_name]
    load = report["load_average"]
    parts = [
        "## Peer side by side: RecBole SASRec vs ShopSense sasrec (Amazon Beauty 2014 5-core)",
        "",
        "```",
        command_line(),
        "```",
        "",
        machine_line(),
        f"The CPUs are shared with other work: 1-minute load average {load['start']:.1f} at the "
        f"start, {load['end']:.1f} at the end, so wall-clock seconds depend on that load; "
        "`fit CPU s` (the process's CPU time) depends on it much less.",
        "",
        f"Split: ShopSense `leave_one_out` — {report['split']['test_cases']:,} test cases, "
        f"{report['split']['train_interactions']:,} training interactions. Every model is "
        "ranked over the whole catalogue with the user's history excluded (DESIGN.md §3) and "
        "scored by ShopSense's metric code. Fit budget per model: "
        f"{args.minutes:g} min wall (training stops before an epoch would end past it; the "
        f"first epoch always runs), at most {args.max_epochs} epochs, early stopping after "
        f"{args.patience} epochs without a better validation NDCG@10; {args.threads} threads. "
        f"Ratios are model / {peer_name}; fit s includes every epoch's validation.",
        "",
    ]
    headers = [
        "model",
        *METRICS,
        "fit s",
        "fit CPU s",
        "s / epoch",
        "epochs (best)",
        "stopped by",
        "NDCG@10 ratio",
        "fit-time ratio",
    ]
    rows = []
    for name, entry in models.items():
        rows.append(
            [
                name,
                *(f"{entry[m]:.4f}" for m in METRICS),
                f"{entry['fit_seconds']:.0f}",
                f"{entry['fit_cpu_seconds']:.0f}",
                f"{entry['fit_seconds'] / entry['epochs']:.0f}" if "epochs" in entry else "-",
                f"{entry['epochs']} ({entry['best_epoch']})" if "epochs" in entry else "-",
                entry.get("stopped_by", "-"),
                f"{entry['ndcg@10'] / peer['ndcg@10']:.2f}",
                f"{entry['fit_seconds'] / peer['fit_seconds']:.2f}",
            ]
        )
    parts += [markdown_table(headers, rows), ""]
    if "recbole" in report:
        parts += _recbole_notes(report["recbole"], models)
    else:
        parts += [
            f"**RecBole could not run here**, so {STAND_IN} stands in as the peer. The error:",
            "",
            "```",
            report["recbole_error"],
            "```",
        ]
    parts += [
        "",
        f"ShopSense sasrec config: `{json.dumps(models[STAND_IN]['config'])}` "
        "(the ID + text row uses `item_representation: id+text`).",
    ]
    return "\n".join(parts)


def _recbole_notes(result: dict, models: dict) -> list[str]:
    checks = result["checks"]
    native = result["native_test"]
    recbole = models["RecBole SASRec"]
    from_ranks = recbole["native_metrics_from_ranks"]
    curve = ", ".join(f"{row['validation_ndcg10']:.4f}" for row in result["validation_history"])
    config = {k: v for k, v in result["config"].items() if k not in ("data_path", "checkpoint_dir")}
    notes = [
        f"RecBole {result['recbole']} (torch {result['torch']}, {result['threads']} threads) in "
        "its own environment `.venv-recbole/` (`benchmarks/recbole_runner.py`); RecBole "
        f"remapped {result['users']:,} users and {result['items']:,} items and built "
        f"{result['train_samples']:,} training prefixes, each padded to "
        f"{config['MAX_ITEM_LIST_LENGTH']} items ({result['prepare_seconds']:.0f} s of data "
        "preparation, not counted in fit s). RecBole's validation NDCG@10 (its evaluator) by "
        f"epoch: {curve}.",
        "",
    ]
    if recbole["stopped_by"] == "time budget":
        stand_in = models[STAND_IN]
        ratios = "; ".join(
            f"{name}: NDCG@10 {entry['ndcg@10'] / stand_in['ndcg@10']:.2f}, "
            f"fit time {entry['fit_seconds'] / stand_in['fit_seconds']:.2f}"
            for name, entry in models.items()
            if name != STAND_IN
        )
        notes += [
            "**RecBole's SASRec was stopped by the fit budget, before early stopping**: after "
            f"{recbole['epochs']} epoch(s) of "
            f"{recbole['fit_seconds'] / recbole['epochs']:.0f} s wall "
            f"({recbole['fit_cpu_seconds'] / recbole['epochs']:.0f} CPU s) each, so its "
            "row shows what RecBole trains within the same budget on this machine, not its "
            f"converged quality. {STAND_IN} is therefore also the stand-in peer for a trained "
            f"ID-only SASRec; ratios to it: {ratios}.",
            "",
        ]
    notes += [
        "Same split, checked: RecBole's time-ordered leave-one-out produced "
        f"{checks['recbole_test_cases']:,} test cases for ShopSense's "
        f"{checks['shopsense_test_cases']:,}, with {checks['mismatched_targets']} different "
        f"targets and {checks['mismatched_input_sequences']} different input sequences.",
        "",
        "History exclusion: RecBole 1.2.1's full-ranking evaluator excludes the user's history "
        "for general models only; for sequential models (`FullSortEvalDataLoader` returns no "
        "history index) it masks just the padding item, so its own figures rank already-seen "
        "items too. The table therefore uses RecBole's scores ranked here with each case's "
        "history excluded. RecBole's own evaluator on the same model: "
        f"NDCG@10 {native['ndcg@10']:.4f}, Recall@10 {native['recall@10']:.4f}, "
        f"NDCG@20 {native['ndcg@20']:.4f} (ShopSense's metric code on the same unexcluded "
        f"ranks: NDCG@10 {from_ranks['ndcg@10']:.4f}, Recall@10 {from_ranks['recall@10']:.4f}).",
        "",
        f"RecBole config: `{json.dumps(config)}`; other settings are RecBole's defaults "
        "(Adam, batch 2048, no gradient clipping).",
    ]
    return notes


def describe_error(error: BaseException) -> str:
    """The error as text for BENCHMARKS.md."""
    return "".join(traceback.format_exception_only(error)).strip()


def _summary(entry: dict) -> str:
    return (
        f"NDCG@10 {entry['ndcg@10']:.4f}  Recall@10 {entry['recall@10']:.4f}  "
        f"fit {entry['fit_seconds']:.0f}s  epochs {entry.get('epochs', '-')}"
    )


if __name__ == "__main__":
    main()
