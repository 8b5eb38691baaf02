"""What search reads from a product's reviews: the aspects they praise, matched against the
query, and the review floors a search may ask for.

A praised term ("quiet", "battery life", "安静") matches a query when every index term of it is
among the query's terms, so "quiet espresso machine" finds the machines whose reviews praise
"quiet" while "豆子新鲜" (fresh beans) does not match "磨豆机" on one shared character. A
product's praise score is the share of the query's idf its matched praised terms cover; the
searcher adds it, weighted low (`SearchConfig.review_weight`), to the fused score: reviews
reorder products that match the query, they do not make a product match.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shopsense.reviews.signals import ItemReviewSignals, ReviewFloor
from shopsense.search.index import CatalogueIndex


class ReviewSearch:
    """Review signals over the slots of a catalogue index."""

    def __init__(self, signals: ItemReviewSignals, index: CatalogueIndex) -> None:
        self.signals = signals
        self.index = index
        analyze = index.analyzer.analyze
        self._praised: dict[str, list[tuple[str, frozenset[str]]]] = {
            item: [(term, frozenset(analyze(term))) for term in terms]
            for item, terms in zip(signals.item_ids, signals.praised, strict=True)
            if terms
        }
        self._generation = -1
        self._rows = np.empty(0, dtype=np.int64)

    def rows(self) -> np.ndarray:
        """Per slot of the index, the item's row in the signals (-1: no reviews known)."""
        if self._generation != self.index.generation or len(self._rows) != self.index.n_slots:
            row_of = {item: row for row, item in enumerate(self.signals.item_ids)}
            self._rows = np.array(
                [-1 if p is None else row_of.get(p.item_id, -1) for p in self.index.products],
                dtype=np.int64,
            )
            self._generation = self.index.generation
        return self._rows

    def mask(self, floor: ReviewFloor) -> np.ndarray:
        """Per slot, whether the product meets `floor` (one without reviews is kept unless the
        floor requires reviews)."""
        rows = self.rows()
        passes = self.signals.passes(floor)
        return np.where(rows >= 0, passes[np.maximum(rows, 0)], not floor.require_reviews)

    def praise(
        self, query_terms: Sequence[str], slots: np.ndarray
    ) -> tuple[np.ndarray, list[list[str]]]:
        """Per candidate slot, the share of the query's idf covered by praised terms that
        match it, and those terms."""
        scores = np.zeros(len(slots))
        matched: list[list[str]] = [[] for _ in range(len(slots))]
        unique = list(dict.fromkeys(query_terms))
        if not unique or not self._praised:
            return scores, matched
        weight = dict(zip(unique, self.index.lexical.idf(unique).tolist(), strict=True))
        total = sum(weight.values())
        wanted = frozenset(unique)
        for position, slot in enumerate(slots.tolist()):
            product = self.index.products[slot]
            praised = self._praised.get(product.item_id) if product is not None else None
            if not praised:
                continue
            covered: set[str] = set()
            for term, terms in praised:
                if terms and terms <= wanted:
                    covered |= terms
                    matched[position].append(term)
            if covered and total > 0:
                scores[position] = sum(weight[term] for term in covered) / total
        return scores, matched
