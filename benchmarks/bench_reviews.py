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
regression: reviews per second on this machine). On waimai-10k, where the frozen embedding does
not beat TF-IDF + LR, "ours + fine-tuned e5" also fine-tunes multilingual-e5-small as a
classifier on CPU (64 tokens, up to two epochs, every layer trained, keeping the step best on
the validation split; served as ONNX int8) in place of the frozen embedding,
blended with the n-gram regression by a weight chosen on the validation split. Prints each
corpus's JSON report and writes the `reviews-sentiment` section of BENCHMARKS.md.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.reviews.corpora import load_corpus
from shopsense.reviews.evaluation import evaluate
from shopsense.reviews.finetune import ClassifierConfig
from shopsense.reviews.sentiment import SentimentConfig

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CLOTHING = DATA / "womens-ecommerce-clothing-reviews"
FINE_TUNED = "ours + fine-tuned e5"
#: The n-grams blended with multilingual-e5-small fine-tuned as a classifier.
FINE_TUNE = SentimentConfig(encoder=None, fine_tune=ClassifierConfig(max_length=64, epochs=2))


def _fine_tune_settings() -> str:
    assert FINE_TUNE.fine_tune is not None
    shown = ("max_length", "epochs", "frozen_layers", "batch_size", "learning_rate", "quantize")
    chosen = FINE_TUNE.fine_tune.model_dump()
    return ", ".join(f"{key} {chosen[key]}" for key in shown)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.perf_counter()
    corpora = [
        load_corpus(DATA / "online-shopping-10-cats-zh"),
        load_corpus(DATA / "waimai-10k-zh"),
        load_corpus(CLOTHING),
        load_corpus(CLOTHING, "recommend"),
    ]
    report = evaluate(corpora, variants={"waimai-10k": {FINE_TUNED: FINE_TUNE}})
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
        f"{c['corpus']} ({method}): "
        + ", ".join(f"{key} {value:.4g}" for key, value in chosen.items())
        for c in report["corpora"]
        for method, chosen in c["ours_settings"].items()
    )
    body = "\n\n".join(
        [
            "## Review sentiment (`shopsense reviews evaluate`)",
            f"`{command_line()}` ({time.perf_counter() - started:,.0f} s). {machine_line()}",
            f"Protocol: {report['protocol']}. ECE: expected calibration error of ours' score "
            "(10 bins). Throughput: `analyze` with the encoder cache off, one process.",
            f"{FINE_TUNED}: n-grams without the frozen embedding, blended with the classifier "
            f"fine-tuned with {_fine_tune_settings()}.",
            markdown_table(headers, rows),
            f"Settings ours chose on validation: {settings}.",
        ]
    )
    write_section("reviews-sentiment", body)


if __name__ == "__main__":
    main()
