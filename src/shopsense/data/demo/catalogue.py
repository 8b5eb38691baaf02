"""The demo catalogue: items composed from the vocabulary, plus the latent facts behind them.

Every item is built from one product type: a brand of its category, attribute values, one or
two features and a log-normal price. Its title and description are written from exactly those
parts, so the text always agrees with the category path and the attributes. Hidden from the
`Dataset` (but used by the shopper simulation and reviews) are each item's quality, its
Zipf-like appeal, and the review aspects it is best and worst at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shopsense.data.demo.languages import DemoLanguage, Draft
from shopsense.data.demo.vocabulary import Category, Feature, ProductType

#: Days before the event window over which established products were listed.
LISTING_HISTORY_DAYS = 900


@dataclass(frozen=True)
class Catalogue:
    """The items frame and, per item index, the latent facts the simulation reads."""

    items: pl.DataFrame
    language: DemoLanguage
    """The language the items are written in, whose vocabulary they are composed from."""
    types: tuple[ProductType, ...]
    type_category: np.ndarray
    """Category index (into `categories`) per type index."""
    brands: tuple[str, ...]
    item_type: np.ndarray
    item_brand: np.ndarray
    """Index into `brands`."""
    price: np.ndarray
    price_level: np.ndarray
    """log(price / the type's median price): < 0 is cheap for its kind."""
    quality: np.ndarray
    appeal: np.ndarray
    """Log of the Zipf-like base popularity."""
    listed_day: np.ndarray
    """Listing day relative to the start of the event window (may be negative)."""
    features: tuple[tuple[Feature, ...], ...]
    colour: np.ndarray
    """Colour per item ("" where the type has none)."""
    strength: tuple[str, ...]
    """The review aspect each item is best at (praised first)."""
    flaw: tuple[str, ...]
    """The review aspect each item is worst at (complained about first)."""

    @property
    def n_items(self) -> int:
        return self.items.height

    @property
    def categories(self) -> tuple[Category, ...]:
        return self.language.categories

    def items_of_type(self) -> list[np.ndarray]:
        """Item indices per type index."""
        order = np.argsort(self.item_type, kind="stable")
        bounds = np.searchsorted(self.item_type[order], np.arange(len(self.types) + 1))
        return [order[bounds[t] : bounds[t + 1]] for t in range(len(self.types))]


def build_catalogue(
    n_items: int,
    rng: np.random.Generator,
    *,
    language: DemoLanguage,
    window_days: int,
    new_item_fraction: float,
    cold_item_fraction: float,
    zipf_exponent: float,
) -> Catalogue:
    """Compose `n_items` items in shuffled catalogue order; the cold share is listed after the
    event window ends, so nobody can have interacted with it."""
    categories = language.categories
    types = tuple(t for c in categories for t in c.types)
    type_category = np.array([ci for ci, c in enumerate(categories) for _ in c.types])
    brands = tuple(b for c in categories for b in c.brands)
    brand_offset = np.cumsum([0] + [len(c.brands) for c in categories])
    brand_weight, brand_tier = _brand_market(rng, len(brands), brand_offset)

    # Every category gets an equal slice of the catalogue, split among its types by share.
    shares = [t.share / sum(u.share for u in c.types) for c in categories for t in c.types]
    counts = _allocate(n_items, np.array(shares))
    item_type = np.repeat(np.arange(len(types)), counts)[rng.permutation(n_items)]
    drafts = []
    for type_index in item_type:
        category = int(type_category[type_index])
        lo, hi = brand_offset[category], brand_offset[category + 1]
        weights = brand_weight[lo:hi] / brand_weight[lo:hi].sum()
        brand = int(lo + rng.choice(hi - lo, p=weights))
        drafts.append(
            _draft(types[type_index], int(type_index), brand, brand_tier[brand], language, rng)
        )

    quality = rng.normal(size=n_items)
    # Better products tend to be the popular ones, but only loosely.
    rank = np.argsort(np.argsort(-(0.7 * quality + rng.normal(size=n_items))))
    appeal = -zipf_exponent * np.log1p(rank)
    listed_day = _listing_days(n_items, rng, window_days, new_item_fraction, cold_item_fraction)
    strength, flaw = zip(*(_best_and_worst(types[d.type_index], rng) for d in drafts), strict=True)

    price = np.array([d.price for d in drafts])
    median = np.array([types[d.type_index].price for d in drafts])
    return Catalogue(
        items=_items_frame(drafts, language, types, brands, listed_day),
        language=language,
        types=types,
        type_category=type_category,
        brands=brands,
        item_type=item_type,
        item_brand=np.array([d.brand for d in drafts]),
        price=price,
        price_level=np.log(price / median),
        quality=quality,
        appeal=appeal,
        listed_day=listed_day,
        features=tuple(d.features for d in drafts),
        colour=np.array([d.options.get(language.colour, "") for d in drafts]),
        strength=strength,
        flaw=flaw,
    )


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` by `weights` (largest remainder), at least one per weight."""
    if total < len(weights):
        raise ValueError(f"the demo shop needs at least {len(weights)} items, got {total}")
    exact = (total - len(weights)) * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - len(weights) - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts + 1


def _brand_market(
    rng: np.random.Generator, n_brands: int, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per brand a market share (a few big brands per category) and a price tier."""
    weight = np.empty(n_brands)
    for lo, hi in zip(offsets[:-1], offsets[1:], strict=True):
        weight[lo:hi] = 1.0 / (1.0 + rng.permutation(hi - lo)) ** 0.8
    return weight, np.exp(rng.normal(0.0, 0.18, size=n_brands))


def _draft(
    kind: ProductType,
    type_index: int,
    brand: int,
    tier: float,
    language: DemoLanguage,
    rng: np.random.Generator,
) -> Draft:
    n_features = min(len(kind.features), 1 + int(rng.random() < 0.55))
    picks = rng.choice(len(kind.features), size=n_features, replace=False)
    # Clipped at two spreads: a catalogue has no socks at ten times the usual price.
    price = kind.price * tier * np.exp(kind.spread * np.clip(rng.normal(), -2.0, 2.0))
    return Draft(
        type_index=type_index,
        brand=brand,
        price=language.price(price),
        features=tuple(kind.features[i] for i in picks),
        options={key: values[rng.integers(len(values))] for key, values in kind.options.items()},
        material=kind.materials[rng.integers(len(kind.materials))] if kind.materials else None,
        audience=kind.audiences[rng.integers(len(kind.audiences))] if kind.audiences else None,
    )


def _listing_days(
    n_items: int, rng: np.random.Generator, window_days: int, new: float, cold: float
) -> np.ndarray:
    """Established items before the window, a `new` share during it, a `cold` share after."""
    stage = rng.choice(3, size=n_items, p=[1.0 - new - cold, new, cold])
    bounds = np.array(
        [[-LISTING_HISTORY_DAYS, 0], [0, 0.9 * window_days], [window_days, window_days + 30]]
    )
    low, high = bounds[stage, 0], bounds[stage, 1]
    return low + rng.random(n_items) * (high - low)


def _best_and_worst(kind: ProductType, rng: np.random.Generator) -> tuple[str, str]:
    if len(kind.aspects) == 1:
        return kind.aspects[0], "value"
    best, worst = rng.choice(len(kind.aspects), size=2, replace=False)
    return kind.aspects[best], kind.aspects[worst]


def _items_frame(
    drafts: list[Draft],
    language: DemoLanguage,
    types: tuple[ProductType, ...],
    brands: tuple[str, ...],
    listed_day: np.ndarray,
) -> pl.DataFrame:
    paths = {t.key: [c.department, c.name, t.leaf] for c in language.categories for t in c.types}
    rows = []
    for draft in drafts:
        kind, brand = types[draft.type_index], brands[draft.brand]
        rows.append(
            (
                language.title(draft, kind, brand),
                language.description(draft, kind, brand),
                brand,
                paths[kind.key],
                draft.price,
                language.attributes(draft),
            )
        )
    titles, descriptions, brand_names, categories, prices, attributes = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "item_id": [f"P{i:05d}" for i in range(len(drafts))],
            "title": titles,
            "description": descriptions,
            "brand": brand_names,
            "categories": categories,
            "price": prices,
            "attributes": attributes,
            "created_at": window_datetimes(listed_day * 86_400.0),
        }
    )


#: Start of the event window; all timestamps are seconds after it.
WINDOW_START = np.datetime64("2024-01-01T00:00:00", "us")


def window_datetimes(seconds: np.ndarray) -> pl.Series:
    """UTC datetimes `seconds` after the start of the event window."""
    micros = np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
    return pl.Series(WINDOW_START + micros.astype("timedelta64[us]")).dt.replace_time_zone("UTC")
