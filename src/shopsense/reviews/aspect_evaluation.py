"""Aspect polarity evaluation on the ABSA sets: majority class, TF-IDF window + LR and ours.

Per set the baselines learn from that set's training split. Ours is one model per language,
fine-tuned on the pooled training splits of that language's sets, less every training example
whose sentence also occurs in a test split (SemEval-2016's training data holds SemEval-2015's
test sentences) and less exact repeats. Each set's test split is scored once, by accuracy and
macro-F1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from shopsense.reviews.absa_corpora import AspectExamples, absa_set_names, load_absa_set
from shopsense.reviews.baselines import aspect_window, tfidf_regression
from shopsense.reviews.evaluation import scores
from shopsense.reviews.polarity import AspectPolarityModel, PolarityConfig

__all__ = ["evaluate_aspects", "pooled_training"]

MAJORITY = "majority class"
WINDOW = "TF-IDF window + LR"
OURS = "ours"


def pooled_training(trains: list[AspectExamples], tests: list[AspectExamples]) -> AspectExamples:
    """The training splits as one set, without examples whose sentence is in a test split and
    without repeats of the same (sentence, span, label)."""
    held_out = {text for test in tests for text in test.texts}
    pooled = AspectExamples.concatenate(trains)
    seen: set[tuple[str, tuple[int, int], str]] = set()
    keep = []
    for row, key in enumerate(zip(pooled.texts, pooled.spans, pooled.labels.tolist(), strict=True)):
        if key[0] not in held_out and key not in seen:
            seen.add(key)
            keep.append(row)
    return AspectExamples(
        pooled.name,
        [pooled.texts[i] for i in keep],
        [pooled.spans[i] for i in keep],
        pooled.labels[keep],
    )


def _baselines(train: AspectExamples, test: AspectExamples, language: str) -> dict[str, Any]:
    values, counts = np.unique(train.labels, return_counts=True)
    majority = np.full(len(test), values[counts.argmax()])
    windows = [aspect_window(t, s, language) for t, s in zip(train.texts, train.spans, strict=True)]
    regression = tfidf_regression(language).fit(windows, train.labels)
    test_windows = [
        aspect_window(t, s, language) for t, s in zip(test.texts, test.spans, strict=True)
    ]
    return {
        MAJORITY: scores(test.labels, majority),
        WINDOW: scores(test.labels, regression.predict(test_windows)),
    }


def evaluate_aspects(root: Path, config: PolarityConfig | None = None) -> dict[str, Any]:
    """Every method's test scores on every set under `root`, with one model of ours per
    language: its training size, time and stopping step, and its prediction throughput."""
    names = absa_set_names(root)
    if not names:
        raise FileNotFoundError(f"{root}: no set folders holding train.txt and test.txt")
    splits = {name: load_absa_set(root / name) for name in names}
    languages = {name: test.language for name, (_, test) in splits.items()}
    tests = [test for _, test in splits.values()]
    sets: dict[str, dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
    for language in sorted(set(languages.values())):
        members = [name for name in names if languages[name] == language]
        training = pooled_training([splits[name][0] for name in members], tests)
        started = time.perf_counter()
        model = AspectPolarityModel.fit(training.texts, training.spans, training.labels, config)
        log = model.classifier.log
        models[language] = {
            "sets": members,
            "train_examples": len(training),
            "fit_seconds": time.perf_counter() - started,
            "steps": log.steps,
            "best_step": log.best_step,
            "validation_accuracy": log.best_validation_accuracy,
        }
        for name in members:
            train, test = splits[name]
            methods = _baselines(train, test, language)
            started = time.perf_counter()
            predicted = np.array([label for label, _ in model.predict(test.texts, test.spans)])
            seconds = time.perf_counter() - started
            methods[OURS] = scores(test.labels, predicted) | {
                "examples_per_second": len(test) / seconds
            }
            sets[name] = {
                "set": name,
                "language": language,
                "train": len(train),
                "test": len(test),
                "methods": methods,
            }
    return {
        "protocol": "baselines learn from each set's training split; ours is one fine-tuned "
        "model per language on the pooled training splits (less sentences found in any test "
        "split and exact repeats), stopping on a seeded stratified "
        f"{(config or PolarityConfig()).validation_share:.0%} validation split of them; "
        "accuracy and macro-F1 on each test split, once",
        "models": models,
        "sets": [sets[name] for name in names],
    }
