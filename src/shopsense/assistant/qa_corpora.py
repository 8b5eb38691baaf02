"""Readers for the public product-question corpora (hetPQA, semiPQA): tab-separated files with
a header, quoted with doubled quotes (the files of amazon-science/contextual-product-qa)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shopsense.data.errors import DataError

__all__ = ["AnswerExample", "RankingQuestion", "load_answer_examples", "load_ranking_questions"]


@dataclass(frozen=True)
class RankingQuestion:
    """One question with its candidate evidence and a 0/1 label per candidate."""

    qid: str
    question: str
    product: str
    candidates: tuple[str, ...]
    sources: tuple[str, ...]
    labels: tuple[int, ...]

    @property
    def answerable(self) -> bool:
        """Whether some candidate answers the question."""
        return any(self.labels)


@dataclass(frozen=True)
class AnswerExample:
    """A question, one evidence passage and the answer a person wrote from it."""

    product: str
    question: str
    evidence: str
    answer: str
    source: str


def load_ranking_questions(path: Path) -> list[RankingQuestion]:
    """The questions of an evidence-ranking file (hetPQA `evidence_ranking`, semiPQA
    `attribute_ranking`: columns qid, question, candidate, label; ASIN and source where the
    file has them), in file order."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in _rows(path, ("qid", "question", "candidate", "label")):
        if row["label"] not in ("0", "1"):
            raise DataError(f"{path}: label must be 0 or 1, got {row['label']!r}")
        grouped.setdefault(row["qid"], []).append(row)
    return [
        RankingQuestion(
            qid=qid,
            question=rows[0]["question"],
            product=rows[0].get("ASIN", ""),
            candidates=tuple(row["candidate"] for row in rows),
            sources=tuple(row.get("source", "attribute") for row in rows),
            labels=tuple(int(row["label"]) for row in rows),
        )
        for qid, rows in grouped.items()
    ]


def load_answer_examples(path: Path) -> list[AnswerExample]:
    """The rows of a hetPQA `answer_generation` file (ASIN, question, candidate, answer,
    source), in file order."""
    return [
        AnswerExample(
            product=row["ASIN"],
            question=row["question"],
            evidence=row["candidate"],
            answer=row["answer"],
            source=row["source"],
        )
        for row in _rows(path, ("ASIN", "question", "candidate", "answer", "source"))
    ]


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = [name for name in required if name not in (reader.fieldnames or ())]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            empty = [name for name in required if not (row.get(name) or "").strip()]
            if empty and empty != ["answer"]:
                raise DataError(f"{path}, line {line}: empty {', '.join(empty)}")
            yield row
