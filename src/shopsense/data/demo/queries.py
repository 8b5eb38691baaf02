"""Search queries of the demo shop, composed from the product a shopper is looking for.

A query names the product kind the way shoppers do ("trail shoes") and at most one constraint
taken from the wanted item itself (a feature, a colour, a brand, a price ceiling), so the items
the shopper clicks always satisfy the query they typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopsense.data.demo.catalogue import Catalogue

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


def price_ceiling(price: float) -> int:
    """The round figure a shopper would type as a budget just above `price`."""
    step = 10 if price < 100 else 25 if price < 300 else 50
    return int(price // step + 1) * step


def compose_query(item: int, catalogue: Catalogue, rng: np.random.Generator) -> QuerySpec:
    """A query a shopper who wants `item` might type."""
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
    ceiling = price_ceiling(price)
    if shape == "feature":
        return QuerySpec(f"{feature} {name}", type_index, feature=feature)
    if shape == "colour":
        return QuerySpec(f"{colour} {name}", type_index, colour=colour)
    if shape == "brand":
        brand = int(catalogue.item_brand[item])
        return QuerySpec(f"{catalogue.brands[brand].lower()} {name}", type_index, brand=brand)
    if shape == "under":
        return QuerySpec(f"{name} under ${ceiling}", type_index, max_price=ceiling)
    if shape == "cheap":
        return QuerySpec(f"cheap {name}", type_index, max_price=kind.price)
    if shape == "feature_under":
        return QuerySpec(
            f"{feature} {name} under ${ceiling}", type_index, feature=feature, max_price=ceiling
        )
    return QuerySpec(name, type_index)
