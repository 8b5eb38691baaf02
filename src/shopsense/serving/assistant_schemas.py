"""Request and response bodies of the assistant routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shopsense.assistant.assistant import Reply
from shopsense.assistant.conversations import AnsweredQuestion, Conversation
from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.assistant.intents import Intent
from shopsense.serving.schemas import MAX_TEXT_LENGTH, Id


class MessageIn(BaseModel):
    """A shopper's message to the assistant."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_TEXT_LENGTH, pattern=r"\S", description="What they wrote."
    )
    conversation: Id | None = Field(
        None,
        description="The conversation it continues (as a reply returned it); omitted: a new one.",
    )
    user: Id | None = Field(
        None,
        description="The signed-in shopper (their token or an admin key); omitted: the token's "
        "shopper, else an anonymous visitor.",
    )
    item: Id | None = Field(
        None, description="The product page it was sent from; omitted: the conversation's last."
    )


class CitationOut(BaseModel):
    """A piece of evidence an answer rests on."""

    source: EvidenceSource = Field(
        description="attribute, description, review, qa, policy or order."
    )
    id: str = Field(
        description="Its id within the shop (`<item>:<part>`, `<file>#<n>`, an order id)."
    )
    text: str

    @classmethod
    def of(cls, evidence: Evidence) -> CitationOut:
        return cls(source=evidence.source, id=evidence.id, text=evidence.text)


class SuggestionOut(BaseModel):
    """A product the assistant suggests, and why."""

    item: str
    title: str
    reason: str


class ReplyOut(BaseModel):
    """The assistant's reply."""

    conversation: str = Field(description="Send it back with the next message to continue.")
    answer: str
    citations: list[CitationOut] = Field(description="What the answer rests on.")
    intent: Intent
    confidence: float = Field(
        description="For an answer from evidence, the probability that its evidence answers "
        "the question; otherwise how sure the assistant is of the intent."
    )
    handover: bool = Field(description="A person takes the conversation over.")
    language: str
    item: str | None = Field(description="The product the reply is about.")
    products: list[SuggestionOut] = Field(description="Products suggested (search or advice).")

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        return cls(
            conversation=reply.conversation,
            answer=reply.answer,
            citations=[CitationOut.of(c) for c in reply.citations],
            intent=reply.intent,
            confidence=round(reply.confidence, 4),
            handover=reply.handover,
            language=reply.language,
            item=reply.item,
            products=[
                SuggestionOut(item=s.item_id, title=s.title, reason=s.reason)
                for s in reply.products
            ],
        )


class TurnOut(BaseModel):
    """One message of a conversation (texts PII-masked)."""

    role: str = Field(description="shopper or assistant.")
    text: str
    at: datetime
    intent: str | None
    item: str | None
    confidence: float | None
    citations: list[CitationOut]


class ConversationOut(BaseModel):
    """A conversation; `turns` only when one conversation is asked for."""

    conversation: str
    user: str | None = Field(description="The shopper (None: an anonymous visitor).")
    started_at: datetime
    handover: bool
    handover_summary: str | None = Field(description="What the person taking over should know.")
    turns: list[TurnOut]

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        return cls(
            conversation=conversation.conversation_id,
            user=conversation.user_id,
            started_at=conversation.started_at,
            handover=conversation.handover,
            handover_summary=conversation.handover_summary,
            turns=[
                TurnOut(
                    role=t.role.value,
                    text=t.text,
                    at=t.at,
                    intent=t.intent,
                    item=t.item_id,
                    confidence=t.confidence,
                    citations=[CitationOut.of(c) for c in t.citations],
                )
                for t in conversation.turns
            ],
        )


class AnswerIn(BaseModel):
    """The shop's answer to a question about a product."""

    model_config = ConfigDict(extra="forbid")

    item: Id = Field(description="The product.")
    question: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=r"\S")
    answer: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=r"\S")


class AnswerOut(BaseModel):
    """A recorded answer; the assistant cites it as `qa` evidence (`<item>:qa:<id>`)."""

    id: int
    item: str
    question: str
    answer: str
    answered_at: datetime

    @classmethod
    def of(cls, answered: AnsweredQuestion) -> AnswerOut:
        return cls(
            id=answered.answer_id,
            item=answered.item_id,
            question=answered.question,
            answer=answered.answer,
            answered_at=answered.answered_at,
        )
