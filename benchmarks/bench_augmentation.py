"""Data augmentation for sparse shoppers: the sequential model with and without random crops
of the training sequences, measured on short histories (at most 5 items) and on the rest.

    python benchmarks/bench_augmentation.py --datasets toys

The model is the sequential generator exactly as the fusion configures it with
`sequential=True` (`best-seq`); only `crop_ratio` differs. Leave-one-out, full ranking, history
excluded; the choice is read from the validation cases (early stopping already reads them, so
they pick the epoch, not the augmentation) and reported on test.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench_rec_quality import DATASETS, load_line, slice_cell
from benchmarks_md import markdown_table, section_head, write_section

from shopsense.data.loaders import load
from shopsense.data.splits import leave_one_out
from shopsense.evaluation.report import SHORT_HISTORY, history_breakdown
from shopsense.evaluation.runner import rank_cases, summarize
from shopsense.ranking.fusion import SEQUENTIAL_GENERATOR
from shopsense.ranking.registry import create


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="toys")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--crop-ratio", type=float, default=0.6)
    parser.add_argument("--section", default="augmentation")
    args = parser.parse_args()

    sequential = SEQUENTIAL_GENERATOR.config
    rows, verdicts = [], []
    load_start = os.getloadavg()
    for key in args.datasets.split(","):
        dataset = load(args.data_root / DATASETS[key][0])
        split = leave_one_out(dataset)
        slices = {}
        for crop in (0.0, args.crop_ratio):
            started = time.perf_counter()
            model = create("sasrec", **{**sequential, "crop_ratio": crop})
            model.fit(split.train, split.validation)
            seconds = time.perf_counter() - started
            test = rank_cases(model, split.test, dataset)
            validation = summarize(rank_cases(model, split.validation, dataset), model.n_items)
            slices[crop] = history_breakdown(test, split.test.histories, model.n_items)
            overall = summarize(test, model.n_items)
            rows.append(
                [
                    dataset.name,
                    f"{crop:g}",
                    f"{validation['ndcg@10']:.4f}",
                    f"{overall['ndcg@10']:.4f}",
                    slice_cell(slices[crop]["short"]),
                    slice_cell(slices[crop]["long"]),
                    f"{model.training_log.epochs} ({model.training_log.best_epoch})",
                    f"{seconds:.0f}",
                ]
            )
            print(rows[-1], flush=True)
        verdicts.append(_verdict(dataset.name, slices[0.0], slices[args.crop_ratio]))
    load_end = os.getloadavg()
    headers = [
        "dataset",
        "crop ratio",
        "validation NDCG@10",
        "test NDCG@10",
        f"short (≤ {SHORT_HISTORY}) NDCG@10 (cases)",
        "long NDCG@10 (cases)",
        "epochs (best)",
        "fit s",
    ]
    parts = [
        *section_head("Augmentation for sparse shoppers (sequence crops)"),
        f"The fusion's sequential generator (`sasrec`, {sequential}) without and with "
        "one random crop per training sequence and epoch. The validation cases also pick the "
        "epoch (early stopping), so the validation column is optimistic for both rows alike.",
        "",
        markdown_table(headers, rows),
        "",
        *verdicts,
        "",
        load_line(load_start, load_end),
    ]
    write_section(args.section, "\n".join(parts))


def _verdict(name: str, without: dict, crops: dict) -> str:
    """The keep rule of the augmentation: it must lift the short-history slice without
    lowering the rest."""
    lift = crops["short"]["ndcg@10"] - without["short"]["ndcg@10"]
    rest = crops["long"]["ndcg@10"] - without["long"]["ndcg@10"]
    keep = lift > 0 and rest >= 0
    return (
        f"{name}: crops change short-history NDCG@10 by {lift:+.4f} and the rest by "
        f"{rest:+.4f}: {'kept' if keep else 'not kept (the default stays crop_ratio 0)'}."
    )


if __name__ == "__main__":
    main()
