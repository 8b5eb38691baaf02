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
    """A citable passage: its source, a stable id within the shop and its text."""

    source: EvidenceSource
    id: str
    text: str
