"""The assistant: one shopper message in, one reply out, with its citations.

A message is PII-masked before anything reads it, then classified (`IntentClassifier`) and
routed: a product question is answered from the product's own evidence (the product the message
names, else the one the conversation was last about) and the shop's recorded answers about it, a
policy question from the shop's policy passages, an order question through the shop's
`OrderLookup` for the signed-in shopper only, a search or advice request through a
`ProductAdvisor` (search and recommendations), a complaint or a request for a person is handed
over. An answer is composed only when the evidence ranker finds its evidence likely enough to
answer (`EvidenceRanker.decline_below`); otherwise the assistant says it does not know and hands
over, with a short summary for the person who takes it. Every
turn is stored in the `ConversationStore`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from shopsense.assistant.compose import compose_answer
from shopsense.assistant.conversations import Conversation, ConversationStore, Role, Turn
from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.assistant.evidence_ranker import EvidenceQuestion, EvidenceRanker
from shopsense.assistant.intents import Intent, IntentClassifier
from shopsense.assistant.orders import Order, OrderLookup
from shopsense.assistant.replies import order_line, phrase
from shopsense.data.language import detect_language
from shopsense.text.pii import mask_pii

__all__ = [
    "Assistant",
    "AssistantConfig",
    "Message",
    "ProductAdvisor",
    "ProductPages",
    "Reply",
    "Suggestion",
    "UnknownConversation",
]

_ORDER_ID = re.compile(r"\b[A-Z]{1,4}-?[0-9A-F]{4,}\b|\b\d{5,}\b", re.IGNORECASE)


class AssistantConfig(BaseModel):
    """How the assistant answers."""

    model_config = ConfigDict(extra="forbid")

    shortlist: int = Field(
        12,
        ge=1,
        description="A product's evidence passages (by encoder cosine) that the full ranker "
        "then orders: the ranker was trained on 5-14 candidates per question.",
    )
    max_reviews: int = Field(50, ge=0, description="Latest reviews read as evidence per product.")
    suggestions: int = Field(3, ge=1, description="Products suggested for a search or advice.")
    summary_messages: int = Field(
        3, ge=1, description="The shopper's latest messages quoted in a hand-over summary."
    )


@dataclass(frozen=True)
class Suggestion:
    """A product the assistant suggests, and why."""

    item_id: str
    title: str
    reason: str


class ProductPages(Protocol):
    """What the assistant reads about products."""

    def evidence(self, item_id: str, max_reviews: int) -> Sequence[Evidence] | None:
        """The product's evidence (`product_evidence`); None for an unknown product."""
        ...

    def title(self, item_id: str) -> str | None:
        """The product's title; None for an unknown product."""
        ...


class ProductAdvisor(Protocol):
    """Finds products for a request in the shopper's words (search plus recommendations)."""

    def suggest(self, text: str, user_id: str | None, k: int) -> Sequence[Suggestion]:
        """Up to `k` products for `text`, best first, each with its reason."""
        ...


@dataclass(frozen=True)
class Message:
    """A shopper's message: its text, the conversation it continues (None: a new one), the
    signed-in shopper (None: anonymous) and the product page it was sent from."""

    text: str
    conversation: str | None = None
    user: str | None = None
    item: str | None = None


@dataclass(frozen=True)
class Reply:
    """The assistant's reply."""

    conversation: str
    answer: str
    citations: tuple[Evidence, ...]
    intent: Intent
    confidence: float
    """How sure the assistant is of the answer (for an evidence answer: the probability that
    the evidence answers the question; otherwise the intent's probability)."""
    handover: bool
    """Whether a person takes over the conversation."""
    language: str
    item: str | None = None
    """The product the reply is about."""
    products: tuple[Suggestion, ...] = field(default=())


class UnknownConversation(KeyError):
    """A conversation id that does not exist, or is not the caller's."""


@dataclass(frozen=True)
class _Draft:
    answer: str
    citations: tuple[Evidence, ...] = ()
    confidence: float | None = None
    handover: bool = False
    products: tuple[Suggestion, ...] = ()


class Assistant:
    """Answers shoppers' messages (see the module docstring)."""

    def __init__(
        self,
        intents: IntentClassifier,
        ranker: EvidenceRanker,
        products: ProductPages,
        policies: Sequence[Evidence],
        store: ConversationStore,
        advisor: ProductAdvisor | None = None,
        orders: OrderLookup | None = None,
        config: AssistantConfig | None = None,
    ) -> None:
        self.intents = intents
        self.ranker = ranker
        self.products = products
        self.policies = list(policies)
        self.store = store
        self.advisor = advisor
        self.orders = orders
        self.config = config or AssistantConfig()

    def reply(self, message: Message) -> Reply:
        """Answer one message and store both turns. Raises `UnknownConversation` for a
        conversation that does not exist or belongs to another shopper, `KeyError` for an
        unknown product."""
        text = mask_pii(message.text.strip())
        language = detect_language(text)
        conversation = self._conversation(message)
        if message.item is not None and self.products.title(message.item) is None:
            raise KeyError(message.item)
        item = message.item or (conversation.last_item if conversation else None)
        predicted = self.intents.classify(text, has_item=item is not None)
        intent = predicted.intent
        draft = self._draft(intent, text, language, item, message.user)
        now = datetime.now(UTC)
        conversation_id = (
            conversation.conversation_id if conversation else self.store.start(message.user)
        )
        turns = [
            Turn(Role.SHOPPER, text, now, intent.value, item, predicted.confidence),
            Turn(
                Role.ASSISTANT,
                draft.answer,
                now,
                intent.value,
                item,
                draft.confidence,
                draft.citations,
            ),
        ]
        summary = self._summary(conversation, text, intent, item) if draft.handover else None
        self.store.append(conversation_id, turns, handover_summary=summary)
        return Reply(
            conversation=conversation_id,
            answer=draft.answer,
            citations=draft.citations,
            intent=intent,
            confidence=draft.confidence if draft.confidence is not None else predicted.confidence,
            handover=draft.handover,
            language=language,
            item=item,
            products=draft.products,
        )

    # ---- routing -----------------------------------------------------------------------
    def _draft(
        self, intent: Intent, text: str, language: str, item: str | None, user: str | None
    ) -> _Draft:
        if intent is Intent.GREETING:
            return _Draft(phrase("greeting", language))
        if intent is Intent.HANDOVER:
            return _Draft(phrase("handover", language), handover=True)
        if intent is Intent.ORDER_STATUS:
            return self._order_status(text, language, user)
        if intent is Intent.POLICY:
            return self._from_evidence(text, language, self.policies, quote=True)
        if intent is Intent.PRODUCT_SEARCH:
            return self._advice(text, language, user)
        if item is None:
            return _Draft(phrase("which_product", language))
        evidence = list(self.products.evidence(item, self.config.max_reviews) or ())
        evidence += [answered.evidence() for answered in self.store.answers(item)]
        return self._from_evidence(text, language, self._shortlist(text, language, evidence))

    def _from_evidence(
        self, text: str, language: str, evidence: Sequence[Evidence], quote: bool = False
    ) -> _Draft:
        """An answer from the best of `evidence`, or a decline; `quote`: the best passage
        verbatim (a policy is the shop's own wording), else an answer composed from it."""
        if not evidence:
            return _Draft(phrase("decline", language), confidence=0.0, handover=True)
        question = EvidenceQuestion(
            text, tuple(e.searchable for e in evidence), tuple(e.source for e in evidence)
        )
        (verdict,) = self.ranker.rank([question], language)
        if not verdict.answer:
            return _Draft(phrase("decline", language), confidence=verdict.answerable, handover=True)
        best = [evidence[i] for i in verdict.order]
        if quote:
            return _Draft(best[0].text, (best[0],), verdict.answerable)
        composed = compose_answer(text, best, language)
        return _Draft(composed.text, composed.citations, verdict.answerable)

    def _shortlist(self, text: str, language: str, evidence: list[Evidence]) -> list[Evidence]:
        if len(evidence) <= self.config.shortlist:
            return evidence
        kept = self.ranker.shortlist(
            text, [e.searchable for e in evidence], self.config.shortlist, language
        )
        return [evidence[i] for i in kept]

    def _order_status(self, text: str, language: str, user: str | None) -> _Draft:
        if user is None or self.orders is None:
            return _Draft(phrase("sign_in", language))
        asked = _ORDER_ID.findall(text)
        if asked:
            found = [o for o in (self.orders.order(user, a) for a in asked) if o is not None]
            if not found:
                return _Draft(phrase("no_order", language), handover=True)
        else:
            found = list(self.orders.recent_orders(user, limit=1))
            if not found:
                return _Draft(phrase("no_orders", language), handover=True)
        cited = tuple(self._order_evidence(order, language) for order in found)
        return _Draft(" ".join(e.text for e in cited), cited, 1.0)

    def _order_evidence(self, order: Order, language: str) -> Evidence:
        titles = [self.products.title(i) or i for i in order.item_ids]
        return Evidence(EvidenceSource.ORDER, order.order_id, order_line(order, titles, language))

    def _advice(self, text: str, language: str, user: str | None) -> _Draft:
        found = (
            tuple(self.advisor.suggest(text, user, self.config.suggestions)) if self.advisor else ()
        )
        if not found:
            return _Draft(phrase("no_suggestions", language))
        lines = [f"- {s.title} ({s.reason})" for s in found]
        cited = tuple(
            Evidence(EvidenceSource.DESCRIPTION, f"{s.item_id}:title", s.title) for s in found
        )
        return _Draft("\n".join([phrase("suggestions", language), *lines]), cited, products=found)

    # ---- conversations -----------------------------------------------------------------
    def _conversation(self, message: Message) -> Conversation | None:
        if message.conversation is None:
            return None
        found = self.store.conversation(message.conversation)
        if found is None or found.user_id != message.user:
            raise UnknownConversation(message.conversation)
        return found

    def _summary(
        self, conversation: Conversation | None, text: str, intent: Intent, item: str | None
    ) -> str:
        said = (
            [t.text for t in conversation.turns if t.role is Role.SHOPPER] if conversation else []
        )
        said = [*said, text][-self.config.summary_messages :]
        about = f" about product {item}" if item else ""
        quoted = " | ".join(said)
        return f"{intent.value}{about}; the shopper said: {quoted}"
