"""Search facets: categories, brands and price bands counted over a search's results, and the
results a shopper's choice of them keeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from shopsense.serving.schemas import ItemOut, RecommendationList

#: Price bands, as `low-high` (an empty bound is open).
PRICE_BANDS = ("-25", "25-50", "50-100", "100-200", "200-")
#: Most values a facet lists.
MAX_VALUES = 12


@dataclass(frozen=True)
class Option:
    """One value of a facet: how many results have it, and whether it is chosen."""

    value: str
    count: int
    chosen: bool


@dataclass
class Facets:
    """The facets of a result list and the product ids the chosen values keep."""

    kept: set[str] = field(default_factory=set)
    groups: dict[str, list[Option]] = field(default_factory=dict)


def in_band(price: float | None, band: str) -> bool:
    """Whether `price` lies in `band` (`low-high`, bounds optional; low inclusive)."""
    if price is None:
        return False
    low, _, high = band.partition("-")
    return (not low or price >= float(low)) and (not high or price < float(high))


def facet_pool(
    found: RecommendationList, products: Mapping[str, ItemOut], chosen: Mapping[str, str]
) -> Facets:
    """Count each facet over the results (`products`: their catalogue records) that match the
    other facets' choices (so a choice never hides its siblings), and keep the results that
    match every choice."""
    values: dict[str, dict[str, list[str]]] = {}
    for pick in found.items:
        product = products.get(pick.item)
        category = product.categories[-1] if product is not None and product.categories else None
        brand = None if product is None else product.brand
        price = None if product is None else product.price
        values[pick.item] = {
            "category": [category] if category else [],
            "brand": [brand] if brand else [],
            "price": [band for band in PRICE_BANDS if in_band(price, band)],
        }
    facets = Facets()
    for item, own in values.items():
        if all(not want or want in own[name] for name, want in chosen.items()):
            facets.kept.add(item)
    for name in ("category", "brand", "price"):
        counts: Counter[str] = Counter()
        for own in values.values():
            others = all(
                not want or want in own[other] for other, want in chosen.items() if other != name
            )
            if others:
                counts.update(own[name])
        ordered = (
            [band for band in PRICE_BANDS if band in counts]
            if name == "price"
            else [value for value, _ in counts.most_common(MAX_VALUES)]
        )
        if ordered:
            facets.groups[name] = [
                Option(value, counts[value], value == chosen.get(name)) for value in ordered
            ]
    return facets
