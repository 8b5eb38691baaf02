"""One user's top-10 from the sequential transformer ("sasrec") on Amazon Beauty (12,101 items).

    python benchmarks/bench_sequential_latency.py [--model DIR] [--epochs 1]

Times `recommend(user, k=10, exclude=history)` for single users (batch of one, the serving
path): left-padding the history, the transformer forward pass, the dot products with the cached
item table, exclusion and top-k. Latency does not depend on how well the weights are trained, so
without `--model` (a directory written by `SASRecRetriever.save`) the model is fitted for
`--epochs` epochs only; the architecture is the default config. Test-case histories of the
leave-one-out split are the requests. Writes `runs/sequential_latency.json` and the
`sequential-latency` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.data.loaders import load
from shopsense.data.splits import leave_one_out
from shopsense.retrieval.base import Retriever, UserContext
from shopsense.retrieval.sequential import SASRecRetriever

FOLDER = "amazon-beauty-2014-5core"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--model", type=Path, help="A saved sasrec model directory to time.")
    parser.add_argument("--epochs", type=int, default=1, help="Epochs when fitting here.")
    parser.add_argument("--requests", type=int, default=2000, help="Single-user requests timed.")
    parser.add_argument("--threads", type=int, default=1, help="torch threads while serving.")
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()

    split = leave_one_out(load(args.data_root / FOLDER))
    if args.model is not None:
        model = Retriever.load(args.model)
    else:
        model = SASRecRetriever(max_epochs=args.epochs).fit(split.train, split.validation)
    assert isinstance(model, SASRecRetriever)
    model.config.threads = args.threads
    rng = np.random.default_rng(0)
    rows = rng.choice(len(split.test), size=min(args.requests, len(split.test)), replace=False)
    histories = [split.test.histories[r] for r in rows]
    for history in histories[:50]:  # warm-up: first calls allocate and pick kernels
        model.recommend(UserContext.of(history), k=10, exclude=history)
    timings = []
    for history in histories:
        started = time.perf_counter()
        model.recommend(UserContext.of(history), k=10, exclude=history)
        timings.append((time.perf_counter() - started) * 1000.0)
    ms = np.asarray(timings)
    report = {
        "dataset": FOLDER,
        "items": split.train.n_items,
        "requests": len(ms),
        "threads": args.threads,
        "config": model.config.model_dump(mode="json", exclude={"encoder", "text_recipe"}),
        "latency_ms": {
            "mean": float(ms.mean()),
            "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sequential_latency.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report["latency_ms"], indent=2))
    if not args.no_markdown:
        write_section("sequential-latency", render(report))


def render(report: dict) -> str:
    """The BENCHMARKS.md section."""
    latency = report["latency_ms"]
    config = report["config"]
    return "\n".join(
        [
            "## Sequential transformer: one user's top-10 (Amazon Beauty)",
            "",
            f"`{command_line()}`",
            "",
            machine_line(),
            "",
            f"{report['requests']:,} single-user requests (test histories, history excluded) "
            f"over all {report['items']:,} items; {report['threads']} torch thread(s); "
            f"model: {config['item_representation']}, hidden {config['hidden']}, "
            f"{config['blocks']} blocks, max_len {config['max_len']}. Target: <= 5 ms.",
            "",
            markdown_table(
                ["mean ms", "p50 ms", "p95 ms", "p99 ms"],
                [[f"{latency[k]:.2f}" for k in ("mean", "p50", "p95", "p99")]],
            ),
            "",
        ]
    )


if __name__ == "__main__":
    main()
