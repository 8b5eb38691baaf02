"""Aspect polarity: the sentiment a sentence expresses toward one aspect term in it.

A fine-tuned encoder classifier (`finetune.TextClassifier`) reads each example as a text pair:
the sentence with the aspect's span wrapped in markers, so that a term written twice is told
apart, and the aspect term itself. The validation split carved from the training examples
(stratified, seeded) picks the training step to keep.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shopsense.reviews.finetune import ClassifierConfig, Examples, TextClassifier, split_examples

__all__ = ["AspectPolarityModel", "PolarityConfig", "mark_aspect"]

#: Put around the aspect's span in the sentence the classifier reads.
OPEN, CLOSE = "[", "]"


class PolarityConfig(BaseModel):
    """How the aspect polarity model is trained."""

    model_config = ConfigDict(extra="forbid")

    classifier: ClassifierConfig = Field(
        default_factory=ClassifierConfig, description="The fine-tuned encoder classifier."
    )
    validation_share: float = Field(
        0.1, gt=0, lt=0.5, description="Share of the training examples held out for stopping."
    )
    seed: int = Field(0, description="Seed of the validation split.")


def mark_aspect(text: str, span: tuple[int, int]) -> str:
    """`text` with the characters of `span` (start, end exclusive) wrapped in the markers."""
    start, end = span
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {span} is not a non-empty part of a text of {len(text)} characters")
    return f"{text[:start]}{OPEN}{text[start:end]}{CLOSE}{text[end:]}"


def _examples(
    texts: Sequence[str], spans: Sequence[tuple[int, int]], labels: np.ndarray
) -> Examples:
    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} spans")
    marked = [mark_aspect(text, span) for text, span in zip(texts, spans, strict=True)]
    terms = [text[start:end] for text, (start, end) in zip(texts, spans, strict=True)]
    return Examples(marked, labels, terms)


class AspectPolarityModel:
    """Fit on (sentence, aspect span, polarity) examples; `predict` each aspect's sentiment."""

    def __init__(self, classifier: TextClassifier) -> None:
        self.classifier = classifier

    @property
    def classes(self) -> np.ndarray:
        """The sentiments the model tells apart."""
        return self.classifier.classes

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        spans: Sequence[tuple[int, int]],
        labels: Sequence[str],
        config: PolarityConfig | None = None,
    ) -> AspectPolarityModel:
        """Fine-tune on the examples, stopping on a validation split carved from them."""
        config = config or PolarityConfig()
        examples = _examples(texts, spans, np.asarray(labels))
        train, validation = split_examples(examples, config.validation_share, config.seed)
        return cls(TextClassifier.fit(train, validation, config.classifier))

    def probabilities(self, texts: Sequence[str], spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Class probabilities per (text, span), columns in the order of `classes`."""
        if not texts:
            return np.empty((0, len(self.classes)))
        examples = _examples(texts, spans, np.empty(len(texts), dtype=str))
        return self.classifier.probabilities(examples.texts, examples.pairs)

    def predict(
        self, texts: Sequence[str], spans: Sequence[tuple[int, int]]
    ) -> list[tuple[str, float]]:
        """(sentiment, its probability) for the aspect at each span of each text."""
        probabilities = self.probabilities(texts, spans)
        best = probabilities.argmax(axis=1)
        return [
            (str(self.classes[i]), float(row[i]))
            for i, row in zip(best, probabilities, strict=True)
        ]

    def save(self, directory: Path) -> None:
        """Write the model into `directory` (created if needed)."""
        self.classifier.save(directory)

    @classmethod
    def load(cls, directory: Path) -> AspectPolarityModel:
        """The model saved in `directory`."""
        return cls(TextClassifier.load(directory))
