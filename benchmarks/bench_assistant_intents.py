"""Intent classification of shoppers' messages (`shopsense.assistant.IntentClassifier`).

    python benchmarks/bench_assistant_intents.py

Scores the classifier, with its defaults and nothing learnt from the messages, on the labelled
English and Chinese messages of `tests/assistant/data/intent_messages.jsonl` (written apart
from the seed phrases, never used to fit or tune), side by side with a keyword baseline: the
classifier's own cue patterns alone, the intent with the most matching patterns (ties to the
first of handover, order status, policy, product question, product search, greeting); no cue at
all: a product question on a product page, a product search elsewhere. Accuracy and macro-F1
overall and per language, precision and recall per intent, the confusion matrix, and the
latency of `classify`, one message per call, after a warm-up that loads the encoder and fits
the regression. Writes the `assistant-intents` section of BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.metrics import precision_recall_fscore_support as per_class

from shopsense.assistant.intent_cues import cue_counts
from shopsense.assistant.intents import INTENTS, Intent, IntentClassifier

MESSAGES = Path(__file__).resolve().parents[1] / "tests/assistant/data/intent_messages.jsonl"
#: Tie order of the keyword baseline.
PRIORITY = (
    Intent.HANDOVER,
    Intent.ORDER_STATUS,
    Intent.POLICY,
    Intent.PRODUCT_QUESTION,
    Intent.PRODUCT_SEARCH,
    Intent.GREETING,
)
SHORT = {
    Intent.PRODUCT_QUESTION: "question",
    Intent.PRODUCT_SEARCH: "search",
    Intent.POLICY: "policy",
    Intent.ORDER_STATUS: "order",
    Intent.HANDOVER: "handover",
    Intent.GREETING: "greeting",
}


def keyword_intent(text: str, has_item: bool) -> Intent:
    """The keyword baseline: the intent with the most matching cue patterns."""
    counts = cue_counts(text)
    best = max(counts.values())
    if best == 0:
        return Intent.PRODUCT_QUESTION if has_item else Intent.PRODUCT_SEARCH
    return next(intent for intent in PRIORITY if counts[intent.value] == best)


def _scores(truth: list[Intent], predicted: list[Intent]) -> tuple[float, float]:
    labels = list(INTENTS)
    accuracy = accuracy_score(truth, predicted)
    macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    return float(accuracy), float(macro)


def _timed(classify: Callable[[str, bool], Intent], rows: list[dict]) -> tuple[list, np.ndarray]:
    predicted, seconds = [], []
    for row in rows:
        started = time.perf_counter()
        predicted.append(classify(row["text"], row["has_item"]))
        seconds.append(time.perf_counter() - started)
    return predicted, np.array(seconds)


def _summary(rows: list[dict], results: dict[str, tuple[list, np.ndarray]]) -> str:
    truth = [Intent(row["intent"]) for row in rows]
    table = []
    for name, (predicted, seconds) in results.items():
        line = [name]
        for language in (None, "en", "zh"):
            keep = [i for i, row in enumerate(rows) if language in (None, row["language"])]
            accuracy, macro = _scores([truth[i] for i in keep], [predicted[i] for i in keep])
            line += [f"{accuracy:.1%}", f"{macro:.3f}"]
        p50, p95 = np.percentile(seconds * 1000, [50, 95])
        table.append([*line, f"{p50:.2f}", f"{p95:.2f}"])
    headers = ["method", "accuracy", "macro-F1", "en accuracy", "en macro-F1"]
    return markdown_table([*headers, "zh accuracy", "zh macro-F1", "p50 ms", "p95 ms"], table)


def _per_intent(truth: list[Intent], results: dict[str, tuple[list, np.ndarray]]) -> str:
    headers, columns = ["intent", "messages"], []
    for name, (predicted, _) in results.items():
        precision, recall, _, _ = per_class(truth, predicted, labels=list(INTENTS), zero_division=0)
        headers += [f"{name} precision", f"{name} recall"]
        columns += [precision, recall]
    table = [
        [intent.value, str(truth.count(intent)), *(f"{column[i]:.2f}" for column in columns)]
        for i, intent in enumerate(INTENTS)
    ]
    return markdown_table(headers, table)


def _confusion(truth: list[Intent], predicted: list[Intent]) -> str:
    matrix = confusion_matrix(truth, predicted, labels=list(INTENTS))
    table = [
        [f"**{SHORT[intent]}**", *(str(n) for n in matrix[i])] for i, intent in enumerate(INTENTS)
    ]
    return markdown_table(["true \\ predicted", *(SHORT[intent] for intent in INTENTS)], table)


def main() -> None:
    rows = [json.loads(line) for line in MESSAGES.read_text(encoding="utf-8").splitlines()]
    truth = [Intent(row["intent"]) for row in rows]
    load_at_start = os.getloadavg()
    classifier = IntentClassifier()
    started = time.perf_counter()
    classifier.classify("hello")
    warm_up = time.perf_counter() - started
    methods = {
        "keywords only": keyword_intent,
        "IntentClassifier": lambda text, has_item: classifier.classify(text, has_item).intent,
    }
    results = {name: _timed(method, rows) for name, method in methods.items()}
    load_at_end = os.getloadavg()
    languages = Counter(row["language"] for row in rows)
    on_page = sum(row["has_item"] for row in rows)
    body = "\n\n".join(
        [
            "## Assistant: intent classification (`IntentClassifier`)",
            f"`{command_line()}`. {machine_line()}",
            f"Load average (1, 5, 15 min) at start {', '.join(f'{x:.1f}' for x in load_at_start)}, "
            f"at end {', '.join(f'{x:.1f}' for x in load_at_end)}: shared CPUs, so the latencies "
            "are upper bounds.",
            f"{len(rows)} hand-written messages of `tests/assistant/data/intent_messages.jsonl` "
            f"({languages['en']} English, {languages['zh']} Chinese, {on_page} sent from a "
            "product page), written apart from the seed phrases and never used to fit or tune "
            "anything; the classifier with its defaults (multilingual-e5-small ONNX int8, "
            "regression fitted on the package's seed phrases only). Keywords only: the "
            "classifier's cue patterns alone (see the script). Latency: one `classify` call per "
            f"message, after a warm-up of {warm_up:.1f} s (model load, seed phrases encoded or "
            "read from the vector cache, regression fitted).",
            _summary(rows, results),
            "Per intent:",
            _per_intent(truth, results),
            "Confusion matrix of `IntentClassifier` (rows: true intent):",
            _confusion(truth, results["IntentClassifier"][0]),
        ]
    )
    print(body)
    write_section("assistant-intents", body)


if __name__ == "__main__":
    main()
