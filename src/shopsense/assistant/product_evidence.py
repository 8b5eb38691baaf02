"""A product page as citable evidence: title, brand, price, categories and attributes (each one
passage), the description cut into sentences, and the product's reviews."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from shopsense.assistant.evidence import Evidence, EvidenceSource

__all__ = ["product_evidence"]

_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")
#: Description sentences shorter than this (characters) are joined to the next one.
_SHORT = 40


def product_evidence(
    record: Mapping[str, Any], reviews: Sequence[str] = (), max_reviews: int = 50
) -> list[Evidence]:
    """The evidence of one product from its catalogue record (`schema.ITEMS` fields,
    `attributes` as a dict) and its review texts (newest first; the first `max_reviews` kept).
    Ids are `<item>:<part>` (`title`, `brand`, `price`, `category`, `attribute:<key>`,
    `description:<n>`, `review:<n>`)."""
    item = str(record["item_id"])
    found: list[Evidence] = []

    def add(source: EvidenceSource, part: str, text: str) -> None:
        if text.strip():
            found.append(Evidence(source, f"{item}:{part}", text.strip()))

    add(EvidenceSource.DESCRIPTION, "title", record.get("title") or "")
    if record.get("brand"):
        add(EvidenceSource.ATTRIBUTE, "brand", f"brand: {record['brand']}")
    if record.get("price") is not None:
        add(EvidenceSource.ATTRIBUTE, "price", f"price: {record['price']:.2f}")
    if record.get("categories"):
        add(EvidenceSource.ATTRIBUTE, "category", f"category: {' > '.join(record['categories'])}")
    for key, value in (record.get("attributes") or {}).items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        add(EvidenceSource.ATTRIBUTE, f"attribute:{key}", f"{key}: {shown}")
    for n, sentence in enumerate(_sentences(record.get("description") or ""), start=1):
        add(EvidenceSource.DESCRIPTION, f"description:{n}", sentence)
    for n, review in enumerate(reviews[:max_reviews], start=1):
        add(EvidenceSource.REVIEW, f"review:{n}", review)
    return found


def _sentences(text: str) -> list[str]:
    """Sentences of a description, short ones joined to the next."""
    out: list[str] = []
    pending = ""
    for piece in _SENTENCE_END.split(text):
        pending = f"{pending} {piece}".strip() if pending else piece.strip()
        if len(pending) >= _SHORT:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out
