"""Sentiment evaluation: a seeded stratified 80/20 split per corpus, the lexicon baseline,
TF-IDF + LR and our model side by side, accuracy and macro-F1 on the test part (DESIGN.md §3).
Our model chooses its settings on a validation split carved from the 80% training part only."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from shopsense.data.language import dominant_language
from shopsense.reviews.baselines import lexicon_name, lexicon_predict, tfidf_regression
from shopsense.reviews.corpora import LabelledReviews
from shopsense.reviews.sentiment import SentimentConfig, SentimentModel

TEST_SHARE = 0.2
SEED = 0
OURS = "ours"


def stratified_split(
    reviews: LabelledReviews, test_share: float = TEST_SHARE, seed: int = SEED
) -> tuple[LabelledReviews, LabelledReviews]:
    """(train, test): a seeded split that keeps each label's share in both parts."""
    train, test = train_test_split(
        np.arange(len(reviews)), test_size=test_share, stratify=reviews.labels, random_state=seed
    )
    return reviews.subset(np.sort(train)), reviews.subset(np.sort(test))


def scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1."""
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro")),
    }


def calibration_error(truth: np.ndarray, predicted: np.ndarray, confidence: np.ndarray) -> float:
    """Expected calibration error over ten equal-width confidence bins."""
    correct = truth == predicted
    bins = np.minimum((confidence * 10).astype(int), 9)
    return float(
        sum(
            abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).mean()
            for b in np.unique(bins)
        )
    )


def evaluate_corpus(
    reviews: LabelledReviews,
    config: SentimentConfig | None = None,
    variants: Mapping[str, SentimentConfig] | None = None,
) -> dict[str, Any]:
    """Every method's test scores on one corpus, with sizes, timings and ours' settings;
    `variants` adds our model under other settings, each reported under its name."""
    train, test = stratified_split(reviews)
    language = dominant_language(test.texts)
    rows: dict[str, dict[str, float]] = {}

    started = time.perf_counter()
    rows[lexicon_name(language)] = scores(test.labels, lexicon_predict(test.texts, language))
    rows[lexicon_name(language)]["seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    baseline = tfidf_regression(language).fit(train.texts, train.labels)
    rows["TF-IDF + LR"] = scores(test.labels, baseline.predict(test.texts))
    rows["TF-IDF + LR"]["seconds"] = time.perf_counter() - started

    settings = {}
    for name, chosen in {OURS: config, **(variants or {})}.items():
        rows[name], settings[name] = _ours(train, test, chosen)
    labels, counts = np.unique(reviews.labels, return_counts=True)
    return {
        "corpus": reviews.name,
        "language": language,
        "reviews": len(reviews),
        "labels": dict(zip(labels.tolist(), counts.tolist(), strict=True)),
        "train": len(train),
        "test": len(test),
        "ours_settings": settings,
        "methods": rows,
    }


def _ours(
    train: LabelledReviews, test: LabelledReviews, config: SentimentConfig | None
) -> tuple[dict[str, float], dict[str, Any]]:
    """Our model's test scores, timings and calibration, and the settings it chose."""
    started = time.perf_counter()
    model = SentimentModel.fit(train, config)
    fitted = time.perf_counter()
    analyzed = model.analyze(test.texts, remember=False)
    analyze_seconds = time.perf_counter() - fitted
    predicted = np.array([review.sentiment for review in analyzed])
    confidence = np.array([review.score for review in analyzed])
    row = scores(test.labels, predicted)
    row.update(
        seconds=time.perf_counter() - started,
        fit_seconds=fitted - started,
        calibration_error=calibration_error(test.labels, predicted, confidence),
        reviews_per_second=len(test) / analyze_seconds,
    )
    settings: dict[str, Any] = {"c": model.c, "embedding_scale": model.embedding_scale}
    if model.classifier is not None:
        log = model.classifier.log
        settings.update(
            blend_weight=model.blend_weight,
            fine_tune_seconds=log.seconds,
            fine_tune_steps=log.steps,
            fine_tune_best_step=log.best_step,
        )
    return row, settings


def evaluate(
    corpora: Sequence[LabelledReviews],
    config: SentimentConfig | None = None,
    variants: Mapping[str, Mapping[str, SentimentConfig]] | None = None,
) -> dict[str, Any]:
    """The report of `evaluate_corpus` over several corpora, with the split protocol;
    `variants` maps a corpus name to the extra settings of ours to report on it."""
    return {
        "protocol": f"seeded stratified {1 - TEST_SHARE:.0%}/{TEST_SHARE:.0%} split per corpus, "
        f"seed {SEED}; ours chooses C and the embedding weight on a stratified "
        f"{(config or SentimentConfig()).validation_share:.0%} validation split of the training "
        "part; scores on the test part, once",
        "corpora": [
            evaluate_corpus(corpus, config, (variants or {}).get(corpus.name)) for corpus in corpora
        ],
    }
