"""A small hand-written outdoor-and-home shop whose right answers are obvious to a reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from shopsense.data import Dataset

#: item id -> (title, brand, category path, description)
CATALOGUE: dict[str, tuple[str, str, list[str], str]] = {
    "run1": (
        "Men's cushioned road running shoes",
        "Stride",
        ["Sports", "Running", "Running Shoes"],
        "Lightweight running shoe with a cushioned midsole for daily road runs and marathons.",
    ),
    "run2": (
        "Women's lightweight racing running shoes",
        "Stride",
        ["Sports", "Running", "Running Shoes"],
        "Breathable mesh racing flats for 5k to marathon race day.",
    ),
    "run3": (
        "Trail running shoes with grippy lugs",
        "Peakline",
        ["Sports", "Running", "Trail Running Shoes"],
        "Rock plate and aggressive outsole for muddy mountain trail runs.",
    ),
    "run4": (
        "Running socks, moisture wicking, 3 pairs",
        "Stride",
        ["Sports", "Running", "Running Apparel"],
        "Blister-free cushioned socks for long distance runners.",
    ),
    "camp1": (
        "Ultralight one-person backpacking tent",
        "Peakline",
        ["Sports", "Camping", "Tents"],
        "A 900 g tent for thru-hiking and ultralight camping trips.",
    ),
    "camp2": (
        "Down sleeping bag rated to -5 C",
        "Peakline",
        ["Sports", "Camping", "Sleeping Bags"],
        "Compressible goose down mummy bag for cold nights in the backcountry.",
    ),
    "camp3": (
        "Titanium camping stove and pot set",
        "Ember",
        ["Sports", "Camping", "Camp Kitchen"],
        "Boil water in three minutes at the campsite; weighs 120 g.",
    ),
    "kit1": (
        "Stainless steel chef's knife, 8 inch",
        "Forge",
        ["Home", "Kitchen", "Knives"],
        "Full-tang kitchen knife for chopping vegetables and slicing meat.",
    ),
    "kit2": (
        "High speed countertop blender",
        "Whirl",
        ["Home", "Kitchen", "Blenders"],
        "1200 W blender for smoothies, soups and crushed ice.",
    ),
    "kit3": (
        "Non-stick frying pan, 28 cm",
        "Forge",
        ["Home", "Kitchen", "Cookware"],
        "Induction-ready skillet for eggs, pancakes and stir fries.",
    ),
    "nail1": (
        "Nail polish, glossy cherry red",
        "Lacquera",
        ["Beauty", "Nails", "Nail Polish"],
        "Long-lasting chip-resistant nail lacquer.",
    ),
    "pen1": (
        "Ballpoint pens, black ink, 12 pack",
        "Scribe",
        ["Office", "Writing", "Pens"],
        "Smooth writing fine point pens for the office and school.",
    ),
}
RUNNING = {"run1", "run2", "run3", "run4"}
CAMPING = {"camp1", "camp2", "camp3"}
KITCHEN = {"kit1", "kit2", "kit3"}


def shop_items() -> pl.DataFrame:
    """The catalogue as an items table."""
    ids = list(CATALOGUE)
    return pl.DataFrame(
        {
            "item_id": ids,
            "title": [CATALOGUE[i][0] for i in ids],
            "brand": [CATALOGUE[i][1] for i in ids],
            "categories": [CATALOGUE[i][2] for i in ids],
            "description": [CATALOGUE[i][3] for i in ids],
        }
    )


def day(number: int) -> datetime:
    """Midnight UTC, `number` days after 1 January 2024."""
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=number)


def shop_dataset() -> Dataset:
    """The catalogue with a few users: a runner, a cook who turned runner, a camper.

    `kit3`, `nail1` and `pen1` have no interactions at all (new products).
    """
    rows = [
        ("runner", "run1", "purchase", day(1)),
        ("runner", "run4", "purchase", day(2)),
        ("cook", "kit1", "purchase", day(1)),
        ("cook", "kit2", "purchase", day(2)),
        ("cook", "run2", "purchase", day(29)),
        ("cook", "run3", "view", day(30)),
        ("camper", "camp1", "purchase", day(3)),
        ("camper", "camp2", "cart", day(4)),
        ("camper", "camp3", "view", day(5)),
        ("camper", "run1", "view", day(6)),
    ]
    interactions = pl.DataFrame(
        rows, schema=["user_id", "item_id", "kind", "timestamp"], orient="row"
    )
    reviews = pl.DataFrame(
        {
            "user_id": ["camper"],
            "item_id": ["camp1"],
            "rating": [5.0],
            "text": ["Perfect tent for ultralight thru-hiking, it survived a storm"],
            "timestamp": [day(5)],
        }
    )
    queries = pl.DataFrame(
        {"user_id": ["camper"], "text": ["backpacking water filter"], "timestamp": [day(6)]}
    )
    return Dataset(
        items=shop_items(),
        interactions=interactions,
        reviews=reviews,
        queries=queries,
        name="outdoor-shop",
    )
