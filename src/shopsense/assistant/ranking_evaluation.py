"""Evidence-ranking evaluation (DESIGN.md §3, product questions): P@1 and MRR over each
answerable question's candidates, the AUC of the answerable/decline decision, and the precision
of the questions answered at an operating point; BM25 and the plain encoder cosine side by side.

A file that must serve for training and for measuring is cross-fitted: its questions are split
into seeded folds, and each fold is scored by a ranker trained on the others only.
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
from sklearn.metrics import roc_auc_score

from shopsense.assistant.evidence_ranker import (
    EvidenceQuestion,
    EvidenceRanker,
    EvidenceRankerConfig,
    RankedEvidence,
    signal_values,
)
from shopsense.assistant.qa_corpora import RankingQuestion
from shopsense.reviews.finetune import TextClassifier
from shopsense.search.analysis import analyze
from shopsense.text.encoder import Encoder

__all__ = [
    "answered_precision",
    "bm25_verdicts",
    "cosine_verdicts",
    "cross_fitted",
    "ranking_scores",
]


def ranking_scores(
    questions: Sequence[RankingQuestion], verdicts: Sequence[RankedEvidence]
) -> dict[str, float]:
    """P@1 and MRR over the answerable questions (ties broken by candidate order), and the AUC
    of the answerable probability against "some candidate answers it"."""
    hits, reciprocal = [], []
    for question, verdict in zip(questions, verdicts, strict=True):
        if not question.answerable:
            continue
        labels = np.asarray(question.labels)[verdict.order]
        hits.append(float(labels[0]))
        reciprocal.append(1.0 / (1 + int(np.argmax(labels))))
    answerable = [int(q.answerable) for q in questions]
    return {
        "p_at_1": float(np.mean(hits)),
        "mrr": float(np.mean(reciprocal)),
        "answerability_auc": float(roc_auc_score(answerable, [v.answerable for v in verdicts])),
        "answerable_questions": len(hits),
        "questions": len(questions),
    }


def answered_precision(
    questions: Sequence[RankingQuestion], verdicts: Sequence[RankedEvidence]
) -> dict[str, float]:
    """At the ranker's operating point (each verdict's `answer`): the share of questions
    answered and the precision of those (right: the top candidate is labelled relevant)."""
    answered = [
        int(np.asarray(q.labels)[v.order[0]])
        for q, v in zip(questions, verdicts, strict=True)
        if v.answer and len(q.labels)
    ]
    return {
        "answered_share": len(answered) / len(questions),
        "precision": float(np.mean(answered)) if answered else float("nan"),
    }


def cross_fitted(
    questions: Sequence[RankingQuestion],
    config: EvidenceRankerConfig,
    relevance: TextClassifier | None = None,
    folds: int = 5,
    seed: int = 0,
) -> list[RankedEvidence]:
    """Each question's verdict from a ranker trained on the other folds only."""
    assignment = np.random.default_rng(seed).integers(0, folds, len(questions))
    verdicts: list[RankedEvidence | None] = [None] * len(questions)
    for fold in range(folds):
        held = np.flatnonzero(assignment == fold)
        ranker = EvidenceRanker.fit(
            [questions[i] for i in np.flatnonzero(assignment != fold)], config, relevance
        )
        scored = ranker.rank([EvidenceQuestion.from_ranking(questions[i]) for i in held])
        for i, verdict in zip(held, scored, strict=True):
            verdicts[i] = verdict
    return [v for v in verdicts if v is not None]


def cosine_verdicts(questions: Sequence[RankingQuestion], encoder: Encoder) -> list[RankedEvidence]:
    """The plain encoder baseline: cosine scores, the best cosine as the answerable score."""
    asked = [EvidenceQuestion.from_ranking(q) for q in questions]
    return [
        RankedEvidence(values[0], float(values[0].max()))
        for values in signal_values(asked, encoder, None)
    ]


def bm25_verdicts(questions: Sequence[RankingQuestion]) -> list[RankedEvidence]:
    """The lexical baseline: BM25 (bm25s, Lucene variant) with document frequencies over all
    the file's candidates; the best score as the answerable score."""
    corpus = list(dict.fromkeys(c for q in questions for c in q.candidates))
    position = {text: i for i, text in enumerate(corpus)}
    index = bm25s.BM25()
    index.index([analyze(text) for text in corpus], show_progress=False)
    verdicts = []
    for question in questions:
        everything = index.get_scores(analyze(question.question))
        scores = np.asarray([everything[position[c]] for c in question.candidates], dtype=float)
        verdicts.append(RankedEvidence(scores, float(scores.max())))
    return verdicts
