"""Search queries of the demo shop, composed from the product a shopper is looking for.

A query names the product kind the way shoppers do ("trail shoes", "跑鞋") and at most one
constraint taken from the wanted item itself (a feature, a colour, a brand, a price ceiling), so
the items the shopper clicks always satisfy the query they typed. The same constraint is the
truth of the demo's judged queries (`judged_queries`): a query's relevant products are exactly
the catalogue's items that satisfy it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopsense.data.demo.catalogue import Catalogue
from shopsense.data.judgments import JudgedQuery

#: Query shapes and how often shoppers use them (shapes that do not apply to an item are skipped).
SHAPES: dict[str, float] = {
    "plain": 0.25,
    "feature": 0.2,
    "colour": 0.15,
    "brand": 0.1,
    "under": 0.15,
    "cheap": 0.05,
    "feature_under": 0.1,
}


@dataclass(frozen=True)
class QuerySpec:
    """A query's text and the constraints it states."""

    text: str
    type_index: int
    feature: str | None = None
    colour: str | None = None
    brand: int | None = None
    max_price: float | None = None
    """Prices strictly below this match."""

    def matches(self, catalogue: Catalogue, items: np.ndarray) -> np.ndarray:
        """Which of `items` (indices) satisfy every constraint of the query."""
        ok = catalogue.item_type[items] == self.type_index
        if self.feature is not None:
            ok &= np.array(
                [any(f.query == self.feature for f in catalogue.features[i]) for i in items],
                dtype=bool,
            )
        if self.colour is not None:
            ok &= catalogue.colour[items] == self.colour
        if self.brand is not None:
            ok &= catalogue.item_brand[items] == self.brand
        if self.max_price is not None:
            ok &= catalogue.price[items] < self.max_price
        return ok


def compose_query(item: int, catalogue: Catalogue, rng: np.random.Generator) -> QuerySpec:
    """A query a shopper who wants `item` might type, in the catalogue's language."""
    type_index = int(catalogue.item_type[item])
    kind = catalogue.types[type_index]
    name = kind.searches[rng.integers(len(kind.searches))]
    price = float(catalogue.price[item])
    feature = catalogue.features[item][rng.integers(len(catalogue.features[item]))].query
    colour = str(catalogue.colour[item])
    shapes = [
        s for s in SHAPES if (s != "colour" or colour) and (s != "cheap" or price < kind.price)
    ]
    shape = shapes[
        int(
            np.searchsorted(
                np.cumsum([SHAPES[s] for s in shapes]),
                rng.random() * sum(SHAPES[s] for s in shapes),
            )
        )
    ]
    language = catalogue.language
    ceiling = language.budget(price)
    patterns = language.queries[shape]
    # Only a language with several ways to say a shape draws one (English has one of each).
    pattern = patterns[rng.integers(len(patterns))] if len(patterns) > 1 else patterns[0]
    brand = int(catalogue.item_brand[item])
    text = pattern.format(
        name=name,
        feature=feature,
        colour=colour,
        brand=catalogue.brands[brand].lower(),
        ceiling=ceiling,
    )
    if shape == "feature":
        return QuerySpec(text, type_index, feature=feature)
    if shape == "colour":
        return QuerySpec(text, type_index, colour=colour)
    if shape == "brand":
        return QuerySpec(text, type_index, brand=brand)
    if shape == "under":
        return QuerySpec(text, type_index, max_price=ceiling)
    if shape == "cheap":
        return QuerySpec(text, type_index, max_price=kind.price)
    if shape == "feature_under":
        return QuerySpec(text, type_index, feature=feature, max_price=ceiling)
    return QuerySpec(text, type_index)


def judged_queries(specs: list[QuerySpec], catalogue: Catalogue) -> list[JudgedQuery]:
    """Each distinct query of `specs` (in order of first use) judged by the generator's own
    truth: relevance 1 for every catalogue item that satisfies it (its product kind and its
    constraint), cold items included; every other item unjudged (not relevant)."""
    item_ids = catalogue.items["item_id"].to_list()
    of_type = catalogue.items_of_type()
    relevant: dict[str, set[int]] = {}
    for spec in specs:
        if spec.text in relevant:
            continue
        candidates = of_type[spec.type_index]
        relevant[spec.text] = set(candidates[spec.matches(catalogue, candidates)].tolist())
    return [
        JudgedQuery(text, {item_ids[item]: 1.0 for item in sorted(items)})
        for text, items in relevant.items()
    ]
