"""Review sentiment on the three public corpora: what `shopsense reviews evaluate` runs.

    python benchmarks/bench_reviews.py

Per corpus (online-shopping-10-cats-zh, waimai-10k-zh, womens-ecommerce-clothing-reviews with
positive = rating >= 4 and negative <= 2, and the same clothing reviews by their "recommended"
flag): a seeded stratified 80/20 split (seed 0); the lexicon baseline (SnowNLP for Chinese,
VADER for English), TF-IDF + logistic regression (character 1-3-grams for Chinese, word 1-2-grams
for English) and ours (NB-weighted word + character n-grams stacked with frozen
multilingual-e5-small vectors in one logistic regression, settings chosen on a validation split
of the training part), accuracy and macro-F1 on the test part. Ours' throughput is
`SentimentModel.analyze` on the test part with the encoder cache off (features, encoder and
regression: reviews per second on this machine). Prints each corpus's JSON report and writes the
`reviews-sentiment` section of BENCHMARKS.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.reviews.corpora import load_corpus
from shopsense.reviews.evaluation import evaluate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CLOTHING = DATA / "womens-ecommerce-clothing-reviews"


def main() -> None:
    started = time.perf_counter()
    corpora = [
        load_corpus(DATA / "online-shopping-10-cats-zh"),
        load_corpus(DATA / "waimai-10k-zh"),
        load_corpus(CLOTHING),
        load_corpus(CLOTHING, "recommend"),
    ]
    report = evaluate(corpora)
    rows = []
    for corpus in report["corpora"]:
        for method, row in corpus["methods"].items():
            rows.append(
                [
                    corpus["corpus"],
                    f"{corpus['train']:,} / {corpus['test']:,}",
                    method,
                    f"{row['accuracy']:.2%}",
                    f"{row['macro_f1']:.3f}",
                    f"{row['reviews_per_second']:,.0f}" if "reviews_per_second" in row else "",
                    f"{row['calibration_error']:.3f}" if "calibration_error" in row else "",
                ]
            )
        print(json.dumps(corpus, ensure_ascii=False))
    headers = [
        "corpus",
        "train / test",
        "method",
        "accuracy",
        "macro-F1",
        "analyze reviews/s",
        "ECE",
    ]
    settings = "; ".join(
        f"{c['corpus']}: C={c['ours_settings']['c']:g}, "
        f"embedding weight {c['ours_settings']['embedding_scale']:g}"
        for c in report["corpora"]
    )
    body = "\n\n".join(
        [
            "## Review sentiment (`shopsense reviews evaluate`)",
            f"`{command_line()}` ({time.perf_counter() - started:,.0f} s). {machine_line()}",
            f"Protocol: {report['protocol']}. ECE: expected calibration error of ours' score "
            "(10 bins). Throughput: `analyze` with the encoder cache off, one process.",
            markdown_table(headers, rows),
            f"Settings ours chose on validation: {settings}.",
        ]
    )
    write_section("reviews-sentiment", body)


if __name__ == "__main__":
    main()
