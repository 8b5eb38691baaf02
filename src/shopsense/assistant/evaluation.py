"""`shopsense assistant evaluate`: every figure of the assistant in one report (DESIGN.md §3,
product questions).

- Evidence ranking on hetPQA `evidence_ranking/dev` (cross-fitted: each fold ranked by a stacker
  trained on the other folds; a relevance model must not have seen those products) and on
  semiPQA `attribute_ranking/testunseen` (attributes never seen in training): P@1, MRR,
  answerability AUC, beside BM25 and the plain encoder cosine; the precision of the questions
  answered at the ranker's operating point.
- Answers on hetPQA `answer_generation/test`: ROUGE-L F1 against the human answers beside
  copying the evidence, the share the faithfulness checker flags, the share quoted, and the
  time per answer.
- Intents on a labelled JSON-lines file of messages, where given.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score import rouge_scorer

from shopsense.assistant.compose import compose_answer
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.evidence_ranker import (
    EvidenceQuestion,
    EvidenceRanker,
    EvidenceRankerConfig,
    RankedEvidence,
)
from shopsense.assistant.faithfulness import check_faithfulness
from shopsense.assistant.intents import Intent, IntentClassifier
from shopsense.assistant.qa_corpora import AnswerExample, RankingQuestion
from shopsense.assistant.ranking_evaluation import (
    answered_precision,
    bm25_verdicts,
    cosine_verdicts,
    cross_fitted,
    ranking_scores,
)
from shopsense.assistant.ranking_features import source_of
from shopsense.data.errors import DataError
from shopsense.text.encoder import Encoder

__all__ = [
    "as_is_ours",
    "crossfit_ours",
    "evaluate_answers",
    "evaluate_intents",
    "evaluate_ranking",
    "percentile",
    "read_intent_messages",
    "write_report",
]


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def evaluate_ranking(
    name: str,
    questions: Sequence[RankingQuestion],
    ours: Callable[[], list[RankedEvidence]],
    encoder: Encoder,
) -> dict[str, Any]:
    """BM25, the encoder cosine and ours (`ours()` gives our verdicts) on one ranking file."""
    started = time.perf_counter()
    verdicts = ours()
    seconds = time.perf_counter() - started
    methods = {
        "bm25": ranking_scores(questions, bm25_verdicts(questions)),
        "cosine": ranking_scores(questions, cosine_verdicts(questions, encoder)),
        "ours": ranking_scores(questions, verdicts),
    }
    best = max(methods["bm25"]["p_at_1"], methods["cosine"]["p_at_1"])
    return {
        "file": name,
        "methods": methods,
        "p_at_1_vs_best_baseline": methods["ours"]["p_at_1"] / best,
        "operating_point": answered_precision(questions, verdicts),
        "seconds": seconds,
    }


def crossfit_ours(
    questions: Sequence[RankingQuestion], ranker: EvidenceRanker
) -> Callable[[], list[RankedEvidence]]:
    """Our verdicts on a file the ranker's stacker may have trained on: cross-fitted with the
    ranker's settings and relevance model."""
    config: EvidenceRankerConfig = ranker.config
    return lambda: cross_fitted(questions, config, ranker.relevance)


def as_is_ours(
    questions: Sequence[RankingQuestion], ranker: EvidenceRanker
) -> Callable[[], list[RankedEvidence]]:
    """Our verdicts on a file the ranker never trained on."""
    return lambda: ranker.rank([EvidenceQuestion.from_ranking(q) for q in questions], "en")


def evaluate_answers(examples: Sequence[AnswerExample]) -> dict[str, Any]:
    """ROUGE-L F1 of composed answers and of copying the evidence, the checker's flags, the
    share quoted, and milliseconds per answer (composition and check), overall and per
    source."""
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    rows: list[tuple[str, float, float, bool, bool, float]] = []
    for number, example in enumerate(examples):
        evidence = Evidence(source_of(example.source), f"row-{number}", example.evidence)
        started = time.perf_counter()
        answer = compose_answer(example.question, [evidence])
        millis = 1000 * (time.perf_counter() - started)
        flagged = not check_faithfulness(answer.text, [evidence.text], example.question).faithful
        copy = scorer.score(example.answer, example.evidence)["rougeL"].fmeasure
        ours = scorer.score(example.answer, answer.text)["rougeL"].fmeasure
        rows.append((example.source, copy, ours, flagged, answer.method == "quoted", millis))

    def summary(chosen: list[tuple[str, float, float, bool, bool, float]]) -> dict[str, Any]:
        return {
            "rows": len(chosen),
            "rouge_l_copy": statistics.mean(r[1] for r in chosen),
            "rouge_l_ours": statistics.mean(r[2] for r in chosen),
            "flagged_share": sum(r[3] for r in chosen) / len(chosen),
            "quoted_share": sum(r[4] for r in chosen) / len(chosen),
        }

    if not rows:
        raise DataError("no answer examples to evaluate")
    millis = [r[5] for r in rows]
    return {
        **summary(rows),
        "ms_p50": percentile(millis, 0.5),
        "ms_p95": percentile(millis, 0.95),
        "by_source": {
            source: summary([r for r in rows if r[0] == source])
            for source in sorted({r[0] for r in rows})
        },
    }


def read_intent_messages(path: Path) -> list[dict[str, Any]]:
    """Labelled messages: JSON lines of {"text", "intent", "language"?, "has_item"?}."""
    from shopsense.reviews.jsonl import read_jsonl

    known = {i.value for i in Intent}
    messages = []
    for line, record in read_jsonl(path, ("text", "intent")):
        if record["intent"] not in known:
            raise DataError(
                f"unknown intent (one of {', '.join(sorted(known))})",
                source=str(path),
                record=line,
                field="intent",
            )
        messages.append(record)
    return messages


def evaluate_intents(
    messages: Sequence[dict[str, Any]], classifier: IntentClassifier
) -> dict[str, Any]:
    """Accuracy overall and per language, per-intent recall, and milliseconds per message."""
    predicted, millis = [], []
    for message in messages:
        started = time.perf_counter()
        predicted.append(
            classifier.classify(message["text"], bool(message.get("has_item", False))).intent
        )
        millis.append(1000 * (time.perf_counter() - started))
    right = np.asarray([p.value == m["intent"] for p, m in zip(predicted, messages, strict=True)])
    languages = [m.get("language", "") for m in messages]
    return {
        "messages": len(messages),
        "accuracy": float(right.mean()),
        "by_language": {
            lang: float(right[[x == lang for x in languages]].mean())
            for lang in sorted(set(languages))
        },
        "recall": {
            intent.value: float(right[[m["intent"] == intent.value for m in messages]].mean())
            for intent in Intent
            if any(m["intent"] == intent.value for m in messages)
        },
        "ms_p50": percentile(millis, 0.5),
        "ms_p95": percentile(millis, 0.95),
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """The report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
