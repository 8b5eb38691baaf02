"""Aspect-polarity corpora in the SemEval / LCF-ATEPC "$T$" format, read in place.

Each example is three lines: the sentence with its aspect term replaced by `$T$` (where the term
occurs twice, both are replaced; the first is the labelled one), the term, and
the polarity (`Positive` / `Negative` / `Neutral`, or `1` / `0` / `-1`). The Chinese sets write
every character apart ("价 格 偏 高"); such sentences are joined back into ordinary text. A set is
a folder holding `train.txt` and `test.txt` (see the data folder's PROVENANCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopsense.data.errors import DataError
from shopsense.data.language import CHINESE, detect_language, dominant_language
from shopsense.reviews.corpora import NEGATIVE, NEUTRAL, POSITIVE

__all__ = ["AspectExamples", "absa_set_names", "load_absa_file", "load_absa_set"]

TARGET = "$T$"
SPLITS = ("train", "test")
_POLARITIES = {
    "positive": POSITIVE,
    "1": POSITIVE,
    "negative": NEGATIVE,
    "-1": NEGATIVE,
    "neutral": NEUTRAL,
    "0": NEUTRAL,
}


@dataclass(frozen=True)
class AspectExamples:
    """Sentences, one aspect span (start, end: characters, end exclusive) and label each."""

    name: str
    texts: list[str]
    spans: list[tuple[int, int]]
    labels: np.ndarray

    def __post_init__(self) -> None:
        if not len(self.texts) == len(self.spans) == len(self.labels):
            raise ValueError(
                f"{self.name}: {len(self.texts)} texts, {len(self.spans)} spans and "
                f"{len(self.labels)} labels"
            )

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def terms(self) -> list[str]:
        """The aspect term of each example."""
        return [text[start:end] for text, (start, end) in zip(self.texts, self.spans, strict=True)]

    @property
    def language(self) -> str:
        """The language most sentences are written in."""
        return dominant_language(self.texts)

    @staticmethod
    def concatenate(parts: list[AspectExamples]) -> AspectExamples:
        """Several sets as one, named after all of them."""
        return AspectExamples(
            "+".join(part.name for part in parts),
            [text for part in parts for text in part.texts],
            [span for part in parts for span in part.spans],
            np.concatenate([part.labels for part in parts]),
        )


def absa_set_names(root: Path) -> list[str]:
    """The sets under `root`: folders holding both a train and a test file, sorted."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    return sorted(
        folder.name
        for folder in root.iterdir()
        if all((folder / f"{split}.txt").is_file() for split in SPLITS)
    )


def load_absa_set(folder: Path) -> tuple[AspectExamples, AspectExamples]:
    """(train, test) of the set in `folder`."""
    train, test = (load_absa_file(folder / f"{split}.txt", folder.name) for split in SPLITS)
    return train, test


def load_absa_file(path: Path, name: str | None = None) -> AspectExamples:
    """The examples of one file in the three-line `$T$` format."""
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) % 3:
        raise DataError(f"{len(lines)} lines, not a multiple of three", source=str(path))
    texts, spans, labels = [], [], []
    for first in range(0, len(lines), 3):
        sentence, term, polarity = (line.strip() for line in lines[first : first + 3])
        record = first + 1
        if TARGET not in sentence:
            raise DataError(
                f"must hold {TARGET}", source=str(path), record=record, field="sentence"
            )
        if not term:
            raise DataError("empty aspect term", source=str(path), record=record + 1, field="term")
        label = _POLARITIES.get(polarity.lower())
        if label is None:
            raise DataError(
                f"polarity must be one of {', '.join(_POLARITIES)}, not {polarity!r}",
                source=str(path),
                record=record + 2,
                field="polarity",
            )
        # A term written twice ("屏 不 比 $T$ 差" with $T$ twice) is labelled at its first place.
        left, right = sentence.split(TARGET, 1)
        right = right.replace(TARGET, term)
        if _spaced_characters(f"{left} {term} {right}"):
            left, term, right = (part.replace(" ", "") for part in (left, term, right))
        texts.append(f"{left}{term}{right}")
        spans.append((len(left), len(left) + len(term)))
        labels.append(label)
    if not texts:
        raise DataError("no examples", source=str(path))
    return AspectExamples(name or path.stem, texts, spans, np.array(labels))


def _spaced_characters(text: str) -> bool:
    """Whether the text is Chinese written one character per token ("价 格 偏 高")."""
    tokens = text.split()
    return detect_language(text) == CHINESE and all(len(token) == 1 for token in tokens)
