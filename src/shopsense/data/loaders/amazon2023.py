"""Amazon Reviews 2023 (McAuley lab) JSON lines: a reviews file (`user_id`, `parent_asin`,
`rating`, `timestamp` in ms, `title`, `text`, ...) and an optional `meta_<Category>.jsonl`
(`parent_asin`, `title`, `description`, `features`, `store`, `categories`, `price`, `details`,
`main_category`, `average_rating`, `rating_number`, ...).

Items are keyed by `parent_asin` (reviews of colour/size variants count for the parent product).
Brand is `details["Brand"]`, else `store`; `created_at` comes from `details["Date First
Available"]`; other simple details, `key: value` features, `main_category`, `average_rating`
and `rating_number` become attributes; prose features follow the description.
By default the catalogue holds the reviewed items only; `all_metadata_items=True` keeps all.
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
    user="user_id",
    item="parent_asin",
    rating="rating",
    time="timestamp",
    time_unit="ms",
    texts=("title", "text"),
    meta_item="parent_asin",
)


def sniff(path: Path) -> bool:
    """True if the path is or holds JSON-lines reviews with `user_id` and `parent_asin`."""
    return sniff_reviews(path, (FIELDS.user, FIELDS.item))


def load_amazon2023(path: str | Path, all_metadata_items: bool = False) -> Dataset:
    """Load an Amazon Reviews 2023 reviews file (or a folder with it and its metadata)."""
    return load_amazon(Path(path), FIELDS, _item, all_metadata_items=all_metadata_items)


def _item(record: dict) -> ItemRow:
    details = record.get("details") if isinstance(record.get("details"), dict) else {}
    facts, prose = simple_facts(details, record.get("features"))
    brand = clean_text(facts.pop("Brand", "")) or clean_text(record.get("store")) or None
    listed = parse_date(facts.pop("Date First Available", None))
    for key in ("main_category", "average_rating", "rating_number"):
        facts[key] = record.get(key)
    categories = record.get("categories") or []
    return ItemRow(
        title=clean_text(record.get("title")),
        description=" ".join(filter(None, [clean_text(record.get("description")), *prose])),
        brand=brand,
        categories=list(dict.fromkeys(clean_text(c) for c in categories if clean_text(c))),
        price=parse_price(record.get("price")),
        attributes=facts,
        created_at=listed,
    )
