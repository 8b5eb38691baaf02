"""Judged search queries: a query and how relevant human raters found products for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from shopsense.data.dataset import Dataset


@dataclass(frozen=True)
class JudgedQuery:
    """One search query with graded relevance judgments."""

    text: str
    """The query as the shopper typed it."""
    relevance: dict[str, float] = field(default_factory=dict)
    """Item id -> relevance (the gain of NDCG); products not listed count as not relevant."""


@dataclass(frozen=True)
class JudgedCatalogue:
    """A catalogue and queries judged against it."""

    dataset: Dataset
    queries: list[JudgedQuery]
