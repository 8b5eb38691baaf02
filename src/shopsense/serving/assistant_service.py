"""The assistant as the server runs it: one conversation store and one intent classifier per
process, and an `Assistant` per served bundle over its catalogue, policies and evidence ranker,
the live reviews, the shop's search (personalised with the shopper's events) and orders read
from the shopper's purchase events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import polars as pl

from shopsense.assistant.assistant import Assistant, Message, Reply
from shopsense.assistant.conversations import AnsweredQuestion, Conversation, ConversationStore
from shopsense.assistant.intents import IntentClassifier
from shopsense.assistant.orders import PurchaseOrders
from shopsense.assistant.shop_adapters import CataloguePages, SearchAdvisor
from shopsense.data.shoppers import UserEvent, UserState
from shopsense.retrieval.base import UserContext
from shopsense.text.pii import mask_pii

if TYPE_CHECKING:
    from shopsense.bundle import Bundle
    from shopsense.reviews.insights import ShopReviews

__all__ = ["AssistantService", "AssistantUnavailable", "Served"]

T = TypeVar("T")


class Served(Protocol):
    """What the service needs of a served bundle (`shopsense.serving.runtime.Served`)."""

    bundle: Bundle

    def shopper_context(self, events: Sequence[UserEvent]) -> UserContext | None:
        """A shopper's events on this catalogue as what personalises a search (None: none)."""
        ...

    async def in_text_thread(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(*args, **kwargs)` on the text thread."""
        ...


class AssistantUnavailable(RuntimeError):
    """The served bundle has no assistant artifact (trained before it existed, or skipped)."""


class AssistantService:
    """Answers shoppers' messages for the server."""

    def __init__(self, conversations: str | Path) -> None:
        """`conversations`: the conversation store's DuckDB file or PostgreSQL URL."""
        self.conversations = ConversationStore(conversations)
        self.intents = IntentClassifier()
        self._built: tuple[Served, Assistant] | None = None
        self._building = asyncio.Lock()

    def close(self) -> None:
        self.conversations.close()

    async def reply(
        self, served: Served, users: UserState, reviews: ShopReviews, message: Message
    ) -> Reply:
        """The assistant's reply to `message` (on the text thread: it encodes)."""
        assistant = await self._assistant(served, users, reviews)
        return await served.in_text_thread(assistant.reply, message)

    async def conversations_of(
        self, user: str | None, handover: bool | None, limit: int
    ) -> list[Conversation]:
        """The latest conversations, as `ConversationStore.conversations`."""
        return await asyncio.to_thread(self.conversations.conversations, user, handover, limit)

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation with its turns."""
        return await asyncio.to_thread(self.conversations.conversation, conversation_id)

    async def add_answer(self, item_id: str, question: str, answer: str) -> AnsweredQuestion:
        """Record the shop's answer to a product question (texts PII-masked first)."""
        return await asyncio.to_thread(
            self.conversations.add_answer, item_id, mask_pii(question), mask_pii(answer)
        )

    async def answers(self, item_id: str) -> list[AnsweredQuestion]:
        """The shop's answers about a product, newest first."""
        return await asyncio.to_thread(self.conversations.answers, item_id)

    async def erase(self, user: str) -> int:
        """Delete a shopper's conversations; returns how many."""
        return await asyncio.to_thread(self.conversations.erase_user, user)

    async def _assistant(self, served: Served, users: UserState, reviews: ShopReviews) -> Assistant:
        async with self._building:
            if self._built is None or self._built[0] is not served:
                built = await served.in_text_thread(self._build, served, users, reviews)
                self._built = (served, built)
            return self._built[1]

    def _build(self, served: Served, users: UserState, reviews: ShopReviews) -> Assistant:
        bundle = served.bundle
        parts = bundle.assistant
        if parts is None:
            raise AssistantUnavailable(
                f"bundle {bundle.version} was trained without the assistant; retrain it"
            )

        def reviews_of(item_id: str) -> list[str]:
            rows = reviews.analyzed.filter(pl.col("item_id") == item_id)
            return rows.sort("timestamp", descending=True, nulls_last=True)["text"].to_list()

        searcher = bundle.searcher
        language = bundle.catalogue.language
        return Assistant(
            self.intents,
            parts.ranker,
            CataloguePages(bundle.catalogue.record, reviews_of),
            parts.policies,
            self.conversations,
            advisor=SearchAdvisor(
                searcher, lambda user_id: served.shopper_context(users.history(user_id)), language
            )
            if searcher
            else None,
            orders=PurchaseOrders(users.history, now=lambda: datetime.now(UTC)),
        )
