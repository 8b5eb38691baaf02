"""Evidence: one citable piece of what the shop knows (an attribute, the description, a review,
an answered question, a policy passage, an order record)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EvidenceSource(StrEnum):
    """Where a piece of evidence comes from (the `source` of a citation)."""

    ATTRIBUTE = "attribute"
    DESCRIPTION = "description"
    REVIEW = "review"
    QA = "qa"
    POLICY = "policy"
    ORDER = "order"


@dataclass(frozen=True)
class Evidence:
    """A citable passage: its source, a stable id within the shop and its text; `topic` says
    what it is about where the text alone may not (a policy passage's headings): the ranker
    reads it, answers quote only `text`."""

    source: EvidenceSource
    id: str
    text: str
    topic: str = ""

    @property
    def searchable(self) -> str:
        """The text the ranker reads: the topic, then the text."""
        return f"{self.topic}. {self.text}" if self.topic else self.text
