"""Aspect term extraction checked against the ABSA sets' labelled terms.

An ABSA example is a sentence and one aspect term in it; a sentence with several aspects comes
once per aspect, so its examples together give every labelled term span of the sentence. Per
set, the vocabulary is mined from the training sentences alone (no labels: what a shop gets)
and, as the supervised variant, the same plus the training split's labelled terms. Each is
scored on the distinct test sentences: precision and recall of predicted spans against the
labelled spans, exact (same start and end) and overlapping (sharing a character). The sets
hold only sentences with at least one labelled term, so precision here says nothing about
sentences without aspects.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from shopsense.reviews.absa_corpora import AspectExamples, absa_set_names, load_absa_set
from shopsense.reviews.aspect_terms import AspectTermConfig, AspectVocabulary

__all__ = ["evaluate_extraction", "span_scores"]

MINED = "mined"
SUPERVISED = "mined + training terms"

Span = tuple[int, int]


def gold_spans(examples: AspectExamples) -> dict[str, set[Span]]:
    """Every labelled term span of each distinct sentence."""
    spans: dict[str, set[Span]] = defaultdict(set)
    for text, span in zip(examples.texts, examples.spans, strict=True):
        spans[text].add(span)
    return dict(spans)


def span_scores(gold: dict[str, set[Span]], predicted: dict[str, set[Span]]) -> dict[str, float]:
    """Exact and overlap precision, recall and F1 of predicted spans, summed over sentences."""
    exact = sum(len(gold[text] & predicted[text]) for text in gold)
    found = sum(any(_overlap(p, g) for g in gold[text]) for text in gold for p in predicted[text])
    covered = sum(any(_overlap(g, p) for p in predicted[text]) for text in gold for g in gold[text])
    n_gold = sum(len(spans) for spans in gold.values())
    n_predicted = sum(len(predicted[text]) for text in gold)
    precision, recall = exact / max(n_predicted, 1), exact / max(n_gold, 1)
    overlap_precision, overlap_recall = found / max(n_predicted, 1), covered / max(n_gold, 1)
    return {
        "gold_terms": n_gold,
        "predicted_terms": n_predicted,
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "overlap_precision": overlap_precision,
        "overlap_recall": overlap_recall,
        "overlap_f1": _f1(overlap_precision, overlap_recall),
    }


def evaluate_extraction(root: Path, config: AspectTermConfig | None = None) -> dict[str, Any]:
    """Extraction scores of the mined and the supervised vocabulary on every set under `root`."""
    names = absa_set_names(root)
    if not names:
        raise FileNotFoundError(f"{root}: no set folders holding train.txt and test.txt")
    sets = []
    for name in names:
        train, test = load_absa_set(root / name)
        sentences = list(gold_spans(train))
        mined = AspectVocabulary.mine(sentences, config)
        gold = gold_spans(test)
        for method, vocabulary in ((MINED, mined), (SUPERVISED, mined.with_terms(train.terms))):
            predicted = {
                text: {(t.start, t.end) for t in vocabulary.extract(text)} for text in gold
            }
            sets.append(
                {"set": name, "language": test.language, "method": method}
                | {"train_sentences": len(sentences), "test_sentences": len(gold)}
                | span_scores(gold, predicted)
            )
    return {
        "protocol": "per set: vocabulary mined from the training sentences (no labels), and "
        "the same plus the training split's labelled terms; precision and recall of term "
        "spans on the distinct test sentences, exact and overlapping",
        "sets": sets,
    }


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
