"""Policies as passages, orders read from purchase events and a product page as evidence (the
conversation store: test_conversation_store.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shopsense.assistant.evidence import EvidenceSource
from shopsense.assistant.orders import OrderStatus, PurchaseOrders
from shopsense.assistant.policies import demo_policies, load_policies, policy_passages
from shopsense.assistant.product_evidence import product_evidence
from shopsense.data.errors import DataError
from shopsense.data.shoppers import UserEvent


def test_policy_passages_carry_their_headings_as_topic() -> None:
    text = "# Returns\n\n## Window\nReturn within 30 days.\nUnused items only.\n\nKeep the box.\n"
    passages = policy_passages("returns.md", text)
    assert [p.id for p in passages] == ["returns.md#1", "returns.md#2"]
    assert passages[0].text == "Return within 30 days. Unused items only."
    assert passages[0].topic == "Returns > Window"
    assert passages[0].searchable.startswith("Returns > Window. Return")
    assert all(p.source is EvidenceSource.POLICY for p in passages)


def test_policy_folder_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_policies(tmp_path / "missing")
    with pytest.raises(DataError, match="no policy files"):
        load_policies(tmp_path)
    (tmp_path / "shipping.md").write_text("# Shipping\nFree over $50.\n")
    assert [p.text for p in load_policies(tmp_path)] == ["Free over $50."]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_demo_policies_ship_in_both_languages(language: str) -> None:
    passages = demo_policies(language)
    assert len(passages) >= 10
    assert {p.id.split("#")[0] for p in passages} >= {"returns.md", "shipping.md", "payment.md"}


def test_orders_are_grouped_aged_and_kept_to_their_shopper() -> None:
    now = datetime(2024, 6, 10, tzinfo=UTC)
    moments = [now - timedelta(days=days) for days in (10, 3, 0.2)]
    events = {
        "u1": [UserEvent("a", "purchase", moments[0].timestamp())]
        + [UserEvent(item, "purchase", moments[1].timestamp()) for item in ("b", "c")]
        + [UserEvent("d", "purchase", moments[2].timestamp()), UserEvent("e", "view", 0.0)]
    }
    orders = PurchaseOrders(lambda user: events.get(user, []), now=lambda: now)
    recent = orders.recent_orders("u1", limit=5)
    assert [o.item_ids for o in recent] == [("d",), ("b", "c"), ("a",)]
    assert [o.status for o in recent] == [
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ]
    assert recent[1].expected_by == moments[1] + timedelta(days=5)
    assert orders.order("u1", recent[1].order_id.lower()) == recent[1]
    assert orders.order("u2", recent[1].order_id) is None
    assert orders.recent_orders("u2") == []


def test_product_page_becomes_citable_evidence() -> None:
    record = {
        "item_id": "p1",
        "title": "Trail Shoe",
        "brand": "Northpeak",
        "price": 89.5,
        "categories": ["Sports", "Running"],
        "attributes": {"colour": "red", "sizes": [8, 9]},
        "description": "Light. It grips on wet rock and dries fast after a stream crossing.",
    }
    found = product_evidence(record, ["Great grip.", "Runs small."], max_reviews=1)
    by_id = {e.id: e for e in found}
    assert by_id["p1:brand"].text == "brand: Northpeak"
    assert by_id["p1:price"].text == "price: 89.50"
    assert by_id["p1:attribute:sizes"].text == "sizes: 8, 9"
    assert by_id["p1:description:1"].text.startswith("Light. It grips")
    assert [e.id for e in found if e.source is EvidenceSource.REVIEW] == ["p1:review:1"]
