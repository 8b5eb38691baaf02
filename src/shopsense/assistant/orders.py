"""Order status: the interface a shop implements over its order system, and the one the demo
shop (or any shop without an order system) gets over its own purchase events."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import polars as pl

__all__ = ["Order", "OrderLookup", "OrderStatus", "PurchaseOrders"]


class OrderStatus(StrEnum):
    """Where an order is."""

    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class Order:
    """One order of one shopper."""

    order_id: str
    user_id: str
    item_ids: tuple[str, ...]
    placed_at: datetime
    status: OrderStatus
    expected_by: datetime | None = None
    """When a processing or shipped order is expected to arrive."""


class OrderLookup(Protocol):
    """What the assistant asks a shop's order system. Both calls answer for one shopper only:
    an order of someone else is None, as an unknown one is."""

    def order(self, user_id: str, order_id: str) -> Order | None:
        """The shopper's order with this id; None if it is unknown or not theirs."""
        ...

    def recent_orders(self, user_id: str, limit: int = 3) -> Sequence[Order]:
        """The shopper's latest orders, newest first."""
        ...


class PurchaseOrders:
    """Orders read from purchase events: the purchases of one shopper at one moment form one
    order, whose id is derived from the shopper and the moment ("SO-" and 8 hex digits).
    Status by age, as of the latest purchase in the data (or `as_of`): placed less than
    `processing_days` ago it is processing, less than `delivery_days` ago shipped, else
    delivered."""

    def __init__(
        self,
        interactions: pl.DataFrame,
        as_of: datetime | None = None,
        processing_days: float = 1.0,
        delivery_days: float = 5.0,
    ) -> None:
        purchases = interactions.filter(
            (pl.col("kind") == "purchase") & pl.col("timestamp").is_not_null()
        )
        grouped = (
            purchases.group_by("user_id", "timestamp", maintain_order=True)
            .agg(pl.col("item_id"))
            .sort("timestamp", descending=True)
        )
        latest = purchases["timestamp"].max() if purchases.height else None
        self.as_of = as_of or latest or datetime.now().astimezone()
        self._processing = timedelta(days=processing_days)
        self._delivery = timedelta(days=delivery_days)
        self._by_user: dict[str, list[Order]] = {}
        self._by_id: dict[str, Order] = {}
        for user, placed, items in grouped.iter_rows():
            order = self._order(user, placed, tuple(items))
            self._by_user.setdefault(user, []).append(order)
            self._by_id[order.order_id] = order

    def order(self, user_id: str, order_id: str) -> Order | None:
        """The shopper's order with this id (case-insensitive); None if unknown or not theirs."""
        found = self._by_id.get(order_id.strip().upper())
        return found if found is not None and found.user_id == user_id else None

    def recent_orders(self, user_id: str, limit: int = 3) -> Sequence[Order]:
        """The shopper's latest orders, newest first."""
        return self._by_user.get(user_id, [])[:limit]

    def forget(self, user_id: str) -> None:
        """Drop a shopper's orders (erasure)."""
        for order in self._by_user.pop(user_id, []):
            self._by_id.pop(order.order_id, None)

    def _order(self, user: str, placed: datetime, items: tuple[str, ...]) -> Order:
        digest = hashlib.sha256(f"{user}\x1f{placed.isoformat()}".encode()).hexdigest()
        age = self.as_of - placed
        if age < self._processing:
            status = OrderStatus.PROCESSING
        elif age < self._delivery:
            status = OrderStatus.SHIPPED
        else:
            status = OrderStatus.DELIVERED
        expected = placed + self._delivery if status != OrderStatus.DELIVERED else None
        return Order(f"SO-{digest[:8].upper()}", user, items, placed, status, expected)
