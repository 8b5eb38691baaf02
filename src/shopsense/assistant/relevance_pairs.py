"""Training pairs for the evidence-relevance model: (question, evidence) with a 0/1 label.

Two kinds of public data give them: ranking files, whose every candidate is labelled, and
answer-generation files, whose evidence answers its question. For the latter the negatives are the
evidence of the same product's other questions (hard: same page, another question), topped up with
evidence from other products where a product has too few.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from shopsense.assistant.qa_corpora import AnswerExample, RankingQuestion
from shopsense.reviews.finetune import Examples

__all__ = ["relevance_pairs"]


def relevance_pairs(
    ranking: Sequence[RankingQuestion],
    answers: Sequence[AnswerExample],
    negatives: int = 4,
    exclude_products: Collection[str] = (),
    seed: int = 0,
) -> Examples:
    """Labelled (question, evidence) pairs: every positive, and up to `negatives` negatives
    per question. Products in `exclude_products` are left out (an evaluation file's products,
    so that nothing about them is learnt)."""
    rng = np.random.default_rng(seed)
    questions: list[str] = []
    evidence: list[str] = []
    labels: list[int] = []

    def add(question: str, text: str, label: int) -> None:
        questions.append(question)
        evidence.append(text)
        labels.append(label)

    for item in ranking:
        if item.product and item.product in exclude_products:
            continue
        wrong = [c for c, label in zip(item.candidates, item.labels, strict=True) if not label]
        for candidate, label in zip(item.candidates, item.labels, strict=True):
            if label:
                add(item.question, candidate, 1)
        for index in rng.permutation(len(wrong))[:negatives]:
            add(item.question, wrong[index], 0)

    kept = [a for a in answers if a.product not in exclude_products]
    by_product: dict[str, list[AnswerExample]] = {}
    for example in kept:
        by_product.setdefault(example.product, []).append(example)
    for example in kept:
        add(example.question, example.evidence, 1)
        same = [
            other.evidence
            for other in by_product[example.product]
            if other.question != example.question and other.evidence != example.evidence
        ]
        picked = [same[i] for i in rng.permutation(len(same))[:negatives]]
        while len(picked) < negatives and len(by_product) > 1:
            other = kept[int(rng.integers(len(kept)))]
            if other.product != example.product:
                picked.append(other.evidence)
        for text in picked:
            add(example.question, text, 0)
    return Examples(questions, np.asarray(labels), evidence)
