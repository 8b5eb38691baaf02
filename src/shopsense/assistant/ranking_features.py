"""Features of (question, candidate evidence) rows for the learned evidence ranker and of whole
questions for the answerable/decline decision.

Per candidate: each relevance signal (the encoder's cosine; the fine-tuned relevance model's
probability, where there is one) as it is, z-scored among the question's candidates, its rank and
its distance from the best; the share of the question's terms the candidate contains; the
candidate's length; its source; and what the question asks (yes/no, a quantity). Per question:
the best and the runner-up of each signal and of the ranker's score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from shopsense.assistant.evidence import EvidenceSource
from shopsense.search.analysis import analyze

__all__ = [
    "SOURCE_ORDER",
    "answerability_features",
    "answerability_feature_names",
    "candidate_features",
    "candidate_feature_names",
    "source_of",
]

SOURCE_ORDER: tuple[EvidenceSource, ...] = (
    EvidenceSource.ATTRIBUTE,
    EvidenceSource.DESCRIPTION,
    EvidenceSource.REVIEW,
    EvidenceSource.QA,
    EvidenceSource.POLICY,
)
#: Public corpora's source names -> ours (hetPQA: bullet points, descriptions and on-site
#: publications are all product copy; community answers are answered questions).
_SOURCE_NAMES = {
    "bullet": EvidenceSource.DESCRIPTION,
    "desc": EvidenceSource.DESCRIPTION,
    "osp": EvidenceSource.DESCRIPTION,
    "cqa": EvidenceSource.QA,
}
_YES_NO = re.compile(
    r"^\s*(is|are|does|do|did|will|would|can|could|should|has|have|was|were|am)\b|[吗嘛么]\s*[?？]?\s*$"
    r"|(能不能|可不可以|是不是|有没有|会不会)",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"how (many|much|long|big|tall|wide|heavy|large|small|thick)|\b(size|dimensions?|weight|"
    r"capacity|length|width|height)\b|多少|多大|多长|多重|多高|尺寸|几",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")


def source_of(name: str) -> EvidenceSource:
    """Our source for a source name (ours, or a public corpus's)."""
    lowered = name.strip().lower()
    return _SOURCE_NAMES.get(lowered) or EvidenceSource(lowered)


def _signal_columns(values: np.ndarray) -> list[np.ndarray]:
    spread = values.std()
    z = (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)
    rank = np.argsort(np.argsort(-values, kind="stable"), kind="stable").astype(np.float64)
    return [values, z, rank, values - values.max()]


#: Columns per relevance signal in `candidate_features` (value, z, rank, gap); `term_share` follows.
_SIGNAL_COLUMNS = 4


def candidate_feature_names(signals: Sequence[str]) -> list[str]:
    """Column names of `candidate_features` for these signals."""
    names = [f"{s}_{part}" for s in signals for part in ("value", "z", "rank", "gap")]
    names += ["term_share", "log_length", "has_digit", "yes_no", "quantity", "candidates"]
    return names + [f"source_{s.value}" for s in SOURCE_ORDER]


def candidate_features(
    question: str,
    candidates: Sequence[str],
    sources: Sequence[EvidenceSource],
    signals: Sequence[np.ndarray],
) -> np.ndarray:
    """One row per candidate, columns as `candidate_feature_names`; `signals` holds one score
    per candidate for each relevance signal."""
    count = len(candidates)
    columns: list[np.ndarray] = []
    for values in signals:
        columns += _signal_columns(np.asarray(values, dtype=np.float64))
    asked = set(analyze(question))
    share = [len(asked & set(analyze(c))) / len(asked) if asked else 0.0 for c in candidates]
    columns += [
        np.asarray(share),
        np.log1p([len(c) for c in candidates]),
        np.asarray([bool(_DIGIT.search(c)) for c in candidates], dtype=np.float64),
        np.full(count, float(bool(_YES_NO.search(question)))),
        np.full(count, float(bool(_QUANTITY.search(question)))),
        np.full(count, float(count)),
    ]
    columns += [
        np.asarray([s == source for s in sources], dtype=np.float64) for source in SOURCE_ORDER
    ]
    return np.column_stack(columns)


def answerability_feature_names(signals: Sequence[str]) -> list[str]:
    """Column names of `answerability_features`."""
    parts = ("best", "second")
    return [f"{s}_{part}" for s in (*signals, "ranker", "term_share") for part in parts] + [
        "yes_no",
        "quantity",
    ]


def answerability_features(
    question: str, signals: Sequence[np.ndarray], ranker_scores: np.ndarray, features: np.ndarray
) -> np.ndarray:
    """One row for a question: the best and second-best of each signal, of the ranker and of
    the share of the question's terms a candidate holds (`features`: the candidates' rows of
    `candidate_features`)."""
    term_share = features[:, _SIGNAL_COLUMNS * len(signals)]
    row: list[float] = []
    for values in (*signals, ranker_scores, term_share):
        ordered = np.sort(np.asarray(values, dtype=np.float64))[::-1]
        row += [ordered[0], ordered[1] if len(ordered) > 1 else ordered[0]]
    row += [float(bool(_YES_NO.search(question))), float(bool(_QUANTITY.search(question)))]
    return np.asarray(row)
