"""The conversation store: every assistant conversation and its turns, in DuckDB or PostgreSQL.

A DuckDB file of its own (beside the shop's store), like the placement store; or, for several
server processes sharing it, a PostgreSQL database given by URL (`shopsense.data.sql_file`).
Texts arrive PII-masked (the assistant masks a message before anything else reads it); a
conversation records its shopper (None: an anonymous visitor), so erasing a shopper deletes their
conversations whole.
Staff read conversations by shopper, or the ones handed over to a person, and record answers to
product questions (the shop's own Q&A), which the assistant then cites as `qa` evidence.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.data.sql_file import SqlFile

__all__ = ["AnsweredQuestion", "Conversation", "ConversationStore", "Role", "Turn"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id VARCHAR PRIMARY KEY, user_id VARCHAR, started_at TIMESTAMPTZ NOT NULL,
    handover BOOLEAN NOT NULL DEFAULT false, handover_summary VARCHAR);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id VARCHAR NOT NULL, turn INTEGER NOT NULL, role VARCHAR NOT NULL,
    text VARCHAR NOT NULL, said_at TIMESTAMPTZ NOT NULL, intent VARCHAR, item_id VARCHAR,
    confidence DOUBLE PRECISION, citations VARCHAR NOT NULL, PRIMARY KEY (conversation_id, turn));
CREATE SEQUENCE IF NOT EXISTS answer_ids START 1;
CREATE TABLE IF NOT EXISTS answered_questions (
    answer_id BIGINT PRIMARY KEY, item_id VARCHAR NOT NULL, question VARCHAR NOT NULL,
    answer VARCHAR NOT NULL, answered_at TIMESTAMPTZ NOT NULL);
"""


class Role(StrEnum):
    """Who said a turn."""

    SHOPPER = "shopper"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: Role
    text: str
    at: datetime
    intent: str | None = None
    item_id: str | None = None
    """The product the turn is about, where there is one."""
    confidence: float | None = None
    citations: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Conversation:
    """A conversation with its turns in order."""

    conversation_id: str
    user_id: str | None
    started_at: datetime
    handover: bool = False
    handover_summary: str | None = None
    turns: tuple[Turn, ...] = field(default=())

    @property
    def last_item(self) -> str | None:
        """The product the conversation was last about (None: none yet)."""
        return next((t.item_id for t in reversed(self.turns) if t.item_id), None)


@dataclass(frozen=True)
class AnsweredQuestion:
    """A product question the shop answered (texts PII-masked)."""

    answer_id: int
    item_id: str
    question: str
    answer: str
    answered_at: datetime

    def evidence(self) -> Evidence:
        """The answer as `qa` evidence: its question is its topic."""
        return Evidence(
            EvidenceSource.QA, f"{self.item_id}:qa:{self.answer_id}", self.answer, self.question
        )


class ConversationStore(SqlFile):
    """Conversations in one DuckDB file (`":memory:"` for a throw-away), or in the PostgreSQL
    database named by a `postgresql://` URL, shared by several server processes."""

    def __init__(self, path_or_url: str | Path = ":memory:") -> None:
        super().__init__(path_or_url, _SCHEMA, "the conversation store")

    def start(self, user_id: str | None) -> str:
        """A new conversation of `user_id` (None: anonymous); returns its id."""
        conversation_id = uuid.uuid4().hex
        self.execute(
            "INSERT INTO conversations (conversation_id, user_id, started_at) VALUES (?, ?, ?)",
            [conversation_id, user_id, datetime.now(UTC)],
        )
        return conversation_id

    def append(
        self, conversation_id: str, turns: list[Turn], handover_summary: str | None = None
    ) -> None:
        """Add turns to a conversation in one transaction; a summary marks it handed over."""
        rows = [
            (
                t.role.value,
                t.text,
                t.at,
                t.intent,
                t.item_id,
                t.confidence,
                json.dumps([[c.source.value, c.id, c.text, c.topic] for c in t.citations]),
            )
            for t in turns
        ]
        with self.transaction():
            # Updating the conversation's row first makes appends to it from several processes
            # take turns (PostgreSQL holds the row's lock until the commit).
            self.execute(
                "UPDATE conversations SET handover = handover OR ?, "
                "handover_summary = coalesce(?, handover_summary) WHERE conversation_id = ?",
                [handover_summary is not None, handover_summary, conversation_id],
            )
            ((count,),) = self.execute(
                "SELECT count(*) FROM turns WHERE conversation_id = ?", [conversation_id]
            )
            for offset, row in enumerate(rows):
                self.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [conversation_id, count + offset + 1, *row],
                )

    def conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation with its turns; None when unknown (or erased)."""
        with self._lock:
            head = self.execute(
                "SELECT conversation_id, user_id, started_at, handover, handover_summary "
                "FROM conversations WHERE conversation_id = ?",
                [conversation_id],
            )
            if not head:
                return None
            rows = self.execute(
                "SELECT role, text, said_at, intent, item_id, confidence, citations FROM turns "
                "WHERE conversation_id = ? ORDER BY turn",
                [conversation_id],
            )
        turns = tuple(
            Turn(
                Role(role),
                text,
                at,
                intent,
                item,
                confidence,
                tuple(
                    Evidence(EvidenceSource(s), i, t, topic) for s, i, t, topic in json.loads(cited)
                ),
            )
            for role, text, at, intent, item, confidence, cited in rows
        )
        return Conversation(*head[0], turns=turns)

    def conversations(
        self, user_id: str | None = None, handover: bool | None = None, limit: int = 50
    ) -> list[Conversation]:
        """The latest conversations (without their turns), newest first: of one shopper
        and/or only those handed over (or not), where asked."""
        query = (
            "SELECT conversation_id, user_id, started_at, handover, handover_summary "
            "FROM conversations WHERE true"
        )
        values: list[object] = []
        if user_id is not None:
            query += " AND user_id = ?"
            values.append(user_id)
        if handover is not None:
            query += " AND handover = ?"
            values.append(handover)
        rows = self.execute(query + " ORDER BY started_at DESC LIMIT ?", [*values, limit])
        return [Conversation(*row) for row in rows]

    def add_answer(self, item_id: str, question: str, answer: str) -> AnsweredQuestion:
        """Record the shop's answer to a question about a product."""
        ((answer_id, at),) = self.execute(
            "INSERT INTO answered_questions VALUES (nextval('answer_ids'), ?, ?, ?, ?) "
            "RETURNING answer_id, answered_at",
            [item_id, question, answer, datetime.now(UTC)],
        )
        return AnsweredQuestion(int(answer_id), item_id, question, answer, at)

    def answers(self, item_id: str) -> list[AnsweredQuestion]:
        """The shop's answers about a product, newest first."""
        rows = self.execute(
            "SELECT answer_id, item_id, question, answer, answered_at FROM answered_questions "
            "WHERE item_id = ? ORDER BY answer_id DESC",
            [item_id],
        )
        return [AnsweredQuestion(int(i), *rest) for i, *rest in rows]

    def erase_user(self, user_id: str) -> int:
        """Delete every conversation of a shopper; return how many there were."""
        with self.transaction():
            self.execute(
                "DELETE FROM turns WHERE conversation_id IN "
                "(SELECT conversation_id FROM conversations WHERE user_id = ?)",
                [user_id],
            )
            erased = self.execute(
                "DELETE FROM conversations WHERE user_id = ? RETURNING conversation_id", [user_id]
            )
        return len(erased)
