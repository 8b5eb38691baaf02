"""Order status: the interface a shop implements over its order system, and the one the demo
shop (or any shop without an order system) gets over its own purchase events."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from shopsense.data.shoppers import UserEvent

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
    """Orders read from a shopper's purchase events (a shop without an order system, the demo
    shop): the purchases of one shopper at one moment form one order, whose id is derived from
    the shopper and the moment ("SO-" and 8 hex digits). Status by age at `now()`: placed less
    than `processing_days` ago it is processing, less than `delivery_days` ago shipped, else
    delivered."""

    def __init__(
        self,
        events_of: Callable[[str], Sequence[UserEvent]],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        processing_days: float = 1.0,
        delivery_days: float = 5.0,
    ) -> None:
        """`events_of(user_id)`: the shopper's events as the shop holds them now."""
        self._events_of = events_of
        self._now = now
        self._processing = timedelta(days=processing_days)
        self._delivery = timedelta(days=delivery_days)

    def order(self, user_id: str, order_id: str) -> Order | None:
        """The shopper's order with this id (case-insensitive); None if unknown or not theirs."""
        wanted = order_id.strip().upper()
        return next((o for o in self._orders(user_id) if o.order_id == wanted), None)

    def recent_orders(self, user_id: str, limit: int = 3) -> Sequence[Order]:
        """The shopper's latest orders, newest first."""
        return self._orders(user_id)[:limit]

    def _orders(self, user_id: str) -> list[Order]:
        moments: dict[float, list[str]] = {}
        for event in self._events_of(user_id):
            if event.kind == "purchase" and math.isfinite(event.timestamp):
                moments.setdefault(event.timestamp, []).append(event.item)
        now = self._now()
        return [
            self._order(user_id, datetime.fromtimestamp(moment, UTC), tuple(items), now)
            for moment, items in sorted(moments.items(), reverse=True)
        ]

    def _order(self, user: str, placed: datetime, items: tuple[str, ...], now: datetime) -> Order:
        digest = hashlib.sha256(f"{user}\x1f{placed.isoformat()}".encode()).hexdigest()
        age = now - placed
        if age < self._processing:
            status = OrderStatus.PROCESSING
        elif age < self._delivery:
            status = OrderStatus.SHIPPED
        else:
            status = OrderStatus.DELIVERED
        expected = placed + self._delivery if status != OrderStatus.DELIVERED else None
        return Order(f"SO-{digest[:8].upper()}", user, items, placed, status, expected)
