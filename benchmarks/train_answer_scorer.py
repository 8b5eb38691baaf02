"""Fit the draft scorer of `shopsense.assistant.drafts` on hetPQA answer generation (train only).

    python benchmarks/train_answer_scorer.py

Every train row's drafts (`drafts(question, [evidence])`) are scored by ROUGE-L F1 against the
human answer; a ridge regression on the features, with each row's targets centred on the row's
mean (what matters is the order of one question's drafts), gives the weights, written to
`src/shopsense/assistant/answer_scorer.json`. Dev is scored as a check against overfitting
train; test is never read here.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import numpy as np
from bench_assistant_answers import SOURCES, read_rows

from shopsense.assistant import drafts as drafts_module
from shopsense.assistant.drafts import Draft, drafts, score
from shopsense.assistant.evidence import Evidence

OUTPUT = Path(drafts_module.__file__).with_name("answer_scorer.json")
#: L2 penalty, Adam steps and step size.
L2 = 1e-5
STEPS = 1500
RATE = 0.1
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _tokens(text: str) -> list[str]:
    """`rouge-score`'s tokens (lower case, runs of letters and digits, no stemming)."""
    return _NON_ALNUM.sub(" ", text.lower()).split()


def rouge_l(reference: list[str], candidate: list[str]) -> float:
    """ROUGE-L F1 of two token lists (as `rouge-score` computes it)."""
    if not reference or not candidate:
        return 0.0
    previous = [0] * (len(candidate) + 1)
    for token in reference:
        current = [0]
        for j, other in enumerate(candidate):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    common = previous[-1]
    if not common:
        return 0.0
    precision, recall = common / len(candidate), common / len(reference)
    return 2 * precision * recall / (precision + recall)


def _row_drafts(split: str) -> list[tuple[list[Draft], list[float]]]:
    """Each row's drafts and their ROUGE-L against the human answer."""
    rows = []
    for number, row in enumerate(read_rows(split)):
        evidence = Evidence(SOURCES[row["source"]], f"row-{number}", row["candidate"])
        found = drafts(row["question"], [evidence])
        reference = _tokens(row["answer"])
        rows.append((found, [rouge_l(reference, _tokens(d.text)) for d in found]))
    return rows


def _matrix(
    rows: list[tuple[list[Draft], list[float]]], names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All drafts' features, their ROUGE-L and the offset where each row's drafts start."""
    index = {name: i for i, name in enumerate(names)}
    count = sum(len(found) for found, _ in rows)
    x, y = np.zeros((count, len(names))), np.zeros(count)
    starts, at = [], 0
    for found, rouge in rows:
        starts.append(at)
        for draft, value in zip(found, rouge, strict=True):
            for name, feature in draft.features.items():
                x[at, index[name]] = feature
            y[at] = value
            at += 1
    return x, y, np.asarray(starts)


def fit(rows: list[tuple[list[Draft], list[float]]]) -> dict[str, float]:
    """Weights that maximise the expected ROUGE-L of a softmax choice among each row's drafts
    (every row counts the same), with an L2 penalty; Adam steps on the full batch."""
    names = sorted({name for found, _ in rows for d in found for name in d.features})
    x, y, starts = _matrix(rows, names)
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(y))))
    weights, first, second = np.zeros(len(names)), np.zeros(len(names)), np.zeros(len(names))
    for step in range(1, STEPS + 1):
        scores = x @ weights
        scores -= np.maximum.reduceat(scores, starts)[owner]
        exp = np.exp(scores)
        share = exp / np.add.reduceat(exp, starts)[owner]
        expected = np.add.reduceat(share * y, starts)[owner]
        gradient = x.T @ (share * (y - expected)) / len(starts) - L2 * weights
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        weights += RATE * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return {name: round(float(w), 6) for name, w in zip(names, weights, strict=True)}


def evaluate(rows: list[tuple[list[Draft], list[float]]], weights: dict[str, float]) -> str:
    """Mean ROUGE-L of the best-scored draft, and of the best draft (the oracle)."""
    chosen = [
        rouge[max(range(len(found)), key=lambda i: score(found[i], weights))]
        for found, rouge in rows
    ]
    oracle = [max(rouge) for _, rouge in rows]
    return f"chosen {statistics.mean(chosen):.4f}, oracle {statistics.mean(oracle):.4f}"


def main() -> None:
    train, dev = _row_drafts("train"), _row_drafts("dev")
    weights = fit(train)
    print("train:", evaluate(train, weights))
    print("dev:  ", evaluate(dev, weights))
    OUTPUT.write_text(
        json.dumps(
            {"fitted_on": "hetPQA answer_generation train", "l2": L2, "weights": weights}, indent=1
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
