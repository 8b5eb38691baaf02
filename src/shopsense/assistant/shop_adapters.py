"""The assistant's view of a shop: product pages over its catalogue and reviews, and
product advice through the shop's search (personalised with the shopper's interests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from shopsense.assistant.advice_query import search_terms
from shopsense.assistant.assistant import Suggestion
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.product_evidence import product_evidence
from shopsense.search.personalize import User
from shopsense.search.searcher import Searcher

__all__ = ["CataloguePages", "SearchAdvisor", "reviews_by_item"]


class CataloguePages:
    """Product pages over the shop's catalogue: `record(item_id)` gives a product's fields
    (`schema.ITEMS`, attributes as a dict; None for an unknown product, as
    `shopsense.bundle.Catalogue.record`), `reviews_of(item_id)` its review texts, newest first."""

    def __init__(
        self,
        record: Callable[[str], Mapping[str, Any] | None],
        reviews_of: Callable[[str], Sequence[str]],
    ) -> None:
        self._record = record
        self._reviews_of = reviews_of

    def evidence(self, item_id: str, max_reviews: int) -> Sequence[Evidence] | None:
        """The product's evidence; None for an unknown product."""
        record = self._record(item_id)
        if record is None:
            return None
        return product_evidence(record, list(self._reviews_of(item_id)), max_reviews)

    def title(self, item_id: str) -> str | None:
        """The product's title; None for an unknown product."""
        record = self._record(item_id)
        return None if record is None else str(record["title"] or item_id)


def reviews_by_item(reviews: pl.DataFrame) -> Callable[[str], Sequence[str]]:
    """`reviews_of` over a reviews table (`schema.REVIEWS`), newest first."""
    grouped: dict[str, list[str]] = {}
    for item, text in (
        reviews.filter(pl.col("text").str.strip_chars().str.len_chars() > 0)
        .sort("timestamp", descending=True, nulls_last=True)
        .select("item_id", "text")
        .iter_rows()
    ):
        grouped.setdefault(item, []).append(text)
    return lambda item_id: grouped.get(item_id, ())


class SearchAdvisor:
    """Suggests products by searching the shopper's words (without the request's own wording:
    `search_terms`), personalised with their interests;
    each product's reason is the search's own (what matched, the constraints it meets, what
    reviews praise, the shopper's interests)."""

    def __init__(
        self,
        searcher: Searcher,
        shopper: Callable[[str], User] | None = None,
        language: str = "en",
    ) -> None:
        """`shopper(user_id)` gives what personalises a search for that shopper (an id the
        searcher knows, or a context of their latest events)."""
        self.searcher = searcher
        self.shopper = shopper
        self.language = language

    def suggest(self, text: str, user_id: str | None, k: int) -> Sequence[Suggestion]:
        """Up to `k` products for the shopper's words, best first."""
        user = self.shopper(user_id) if (self.shopper and user_id) else None
        results = self.searcher.search(search_terms(text), user, k)
        return [
            Suggestion(hit.item_id, hit.title, hit.signals.reason(self.language))
            for hit in results.hits
        ]
