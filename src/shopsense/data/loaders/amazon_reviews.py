"""Amazon review data 2014 and 2018 (McAuley lab): a reviews file (JSON lines, `reviewerID`, `asin`,
`overall`, `unixReviewTime`, `summary`, `reviewText`) and an optional `meta_<Category>` file.

2018 metadata is JSON; 2014 metadata is Python dict literals, read with `ast.literal_eval`.
Items: title; description (list joined, HTML removed) followed by the feature bullets that are
prose; brand; categories (2018 `category` list, 2014 `categories` paths flattened, duplicates
dropped); price ("$25.00", ranges -> low end, else null); attributes from `details` and
`key: value` feature bullets plus `main_cat`; `created_at` from `date` when it is a date.
Interactions are kind "rating" with value = `overall`; reviews text = summary + review text.
By default the catalogue holds the reviewed items only (the 5-core definition);
`all_metadata_items=True` keeps every metadata item as well.
"""

from __future__ import annotations

from pathlib import Path

from shopsense.data.dataset import Dataset
from shopsense.data.loaders._amazon import (
    ItemRow,
    ReviewFields,
    load_amazon,
    parse_date,
    parse_price,
    simple_facts,
    sniff_reviews,
)
from shopsense.data.loaders._common import clean_text

FIELDS = ReviewFields(
    user="reviewerID",
    item="asin",
    rating="overall",
    time="unixReviewTime",
    time_unit="s",
    texts=("summary", "reviewText"),
    meta_item="asin",
)


def sniff(path: Path) -> bool:
    """True if the path is or holds a JSON-lines file of reviews with `reviewerID`."""
    return sniff_reviews(path, (FIELDS.user, FIELDS.item))


def load_amazon_reviews(path: str | Path, all_metadata_items: bool = False) -> Dataset:
    """Load a 2014/2018 Amazon reviews file (or a folder with it and its metadata)."""
    return load_amazon(
        Path(path), FIELDS, _item, all_metadata_items=all_metadata_items, literal_metadata=True
    )


def _item(record: dict) -> ItemRow:
    facts, prose = simple_facts(record.get("details"), record.get("feature"))
    facts["main_category"] = record.get("main_cat")
    return ItemRow(
        title=clean_text(record.get("title")),
        description=" ".join(filter(None, [clean_text(record.get("description")), *prose])),
        brand=clean_text(record.get("brand")) or None,
        categories=_categories(record),
        price=parse_price(record.get("price")),
        attributes=facts,
        created_at=parse_date(record.get("date")),
    )


def _categories(record: dict) -> list[str]:
    raw = record.get("category") or record.get("categories") or []
    # 2014 holds several category paths ([[...], [...]]); 2018 one flat list.
    flat = [c for path in raw for c in path] if raw and isinstance(raw[0], list) else raw
    return list(dict.fromkeys(clean_text(c) for c in flat if clean_text(c)))
