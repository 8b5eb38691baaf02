"""Aspect polarity on the ABSA sets (SemEval-2014/15/16 English, four Chinese product sets).

    python benchmarks/bench_aspects.py

Per set: the majority class of its training split, TF-IDF + logistic regression over the aspect
with five words either side (word 1-2-grams for English, character 1-3-grams for Chinese),
trained on that set's training split, and ours: multilingual-e5-small fine-tuned on CPU as a
classifier of (sentence with the aspect marked, aspect) pairs, one model per language on the
pooled training splits (`reviews.aspect_evaluation`) with the package defaults
(`PolarityConfig()`: up to three epochs, word embeddings frozen, every layer trained, stopping
on the validation split), served as ONNX int8. Accuracy and macro-F1 on each test split.
Throughput: `AspectPolarityModel.predict` on the test split, one process. Prints the JSON
report and writes the `reviews-aspects` section of BENCHMARKS.md.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.reviews.aspect_evaluation import OURS, evaluate_aspects
from shopsense.reviews.polarity import PolarityConfig

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "absa-semeval-and-chinese"
CONFIG = PolarityConfig()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.perf_counter()
    report = evaluate_aspects(DATA, CONFIG)
    print(json.dumps(report, ensure_ascii=False))
    rows = []
    for found in report["sets"]:
        for method, row in found["methods"].items():
            rows.append(
                [
                    found["set"],
                    f"{found['train']:,} / {found['test']:,}",
                    method,
                    f"{row['accuracy']:.2%}",
                    f"{row['macro_f1']:.3f}",
                    f"{row['examples_per_second']:,.0f}" if "examples_per_second" in row else "",
                ]
            )
    chinese = [found for found in report["sets"] if found["language"] == "zh"]
    average = np.mean([found["methods"][OURS]["accuracy"] for found in chinese])
    models = "; ".join(
        f"{language}: {m['train_examples']:,} examples from {', '.join(m['sets'])}, "
        f"{m['fit_seconds'] / 60:.1f} min to fine-tune, kept step {m['best_step']} of "
        f"{m['steps']} (validation accuracy {m['validation_accuracy']:.2%})"
        for language, m in report["models"].items()
    )
    headers = ["set", "train / test", "method", "accuracy", "macro-F1", "predict examples/s"]
    body = "\n\n".join(
        [
            "## Aspect polarity (`evaluate_aspects`, ABSA sets)",
            f"`{command_line()}` ({time.perf_counter() - started:,.0f} s). {machine_line()}",
            f"Protocol: {report['protocol']}. Throughput: `AspectPolarityModel.predict` "
            "(ONNX int8) over the test split, one process.",
            markdown_table(headers, rows),
            f"Ours, average accuracy over the {len(chinese)} Chinese sets: {average:.2%}.",
            f"Models: {models}.",
        ]
    )
    write_section("reviews-aspects", body)


if __name__ == "__main__":
    main()
