"""The conversation store behaves the same in a DuckDB file and in a shared PostgreSQL database:
durable, filterable, erasable, the shop's answers in order; on PostgreSQL several stores (as
several server processes) see each other's writes, and a password never reaches an error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from shopsense.assistant.conversations import ConversationStore, Role, Turn
from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.data.errors import StorageError
from shopsense.data.postgres import redact_url, to_psycopg

CITED = Evidence(EvidenceSource.POLICY, "returns.md#1", "Return within 30 days.", "Returns")


@pytest.fixture(params=["duckdb", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store keeps its tables: a new DuckDB file, or a new PostgreSQL database."""
    if request.param == "duckdb":
        return str(tmp_path / "conversations.duckdb")
    return str(request.getfixturevalue("postgres_url"))


def test_conversations_are_durable_with_citations_and_handover(target: str) -> None:
    now = datetime.now(UTC)
    with ConversationStore(target) as store:
        mine = store.start("u1")
        store.append(mine, [Turn(Role.SHOPPER, "can I return it? 100% unused", now, "policy")])
        store.append(
            mine,
            [Turn(Role.ASSISTANT, "Return within 30 days.", now, "policy", "p1", 0.9, (CITED,))],
            handover_summary="policy; the shopper said: can I return it?",
        )
    with ConversationStore(target) as store:  # reopened: as after a restart
        found = store.conversation(mine)
    assert found is not None and found.conversation_id == mine and found.user_id == "u1"
    assert found.handover and found.handover_summary == "policy; the shopper said: can I return it?"
    assert found.started_at <= datetime.now(UTC) and found.last_item == "p1"
    shopper, assistant = found.turns
    assert (shopper.role, shopper.text, shopper.at) == (
        Role.SHOPPER,
        "can I return it? 100% unused",
        now,
    )
    assert (shopper.intent, shopper.item_id, shopper.confidence) == ("policy", None, None)
    assert shopper.citations == ()
    assert (assistant.role, assistant.item_id, assistant.confidence) == (Role.ASSISTANT, "p1", 0.9)
    assert assistant.citations == (CITED,)


def test_unknown_conversation_is_none(target: str) -> None:
    with ConversationStore(target) as store:
        assert store.conversation("nope") is None


def test_conversations_filter_by_shopper_and_handover_newest_first(target: str) -> None:
    now = datetime.now(UTC)
    with ConversationStore(target) as store:
        first, second, other = store.start("u1"), store.start("u1"), store.start("u2")
        anonymous = store.start(None)
        store.append(second, [Turn(Role.SHOPPER, "a person please", now)], handover_summary="help")
        assert [c.conversation_id for c in store.conversations(user_id="u1")] == [second, first]
        assert [c.conversation_id for c in store.conversations(handover=True)] == [second]
        assert [c.conversation_id for c in store.conversations(handover=False)] == [
            anonymous,
            other,
            first,
        ]
        assert [c.conversation_id for c in store.conversations("u1", handover=False)] == [first]
        assert [c.conversation_id for c in store.conversations(limit=2)] == [anonymous, other]
        assert all(c.turns == () for c in store.conversations())
        assert store.conversations(user_id="u3") == []


def test_recorded_answers_are_qa_evidence_newest_first(target: str) -> None:
    with ConversationStore(target) as store:
        first = store.add_answer("p1", "Is it waterproof?", "Yes, to 10 m.")
        second = store.add_answer("p1", "Does it float?", "No.")
        store.add_answer("p2", "Is it red?", "Blue.")
        assert second.answer_id > first.answer_id
        assert store.answers("p1") == [second, first]
        assert store.answers("p3") == []
    evidence = first.evidence()
    assert evidence.source is EvidenceSource.QA and evidence.id == f"p1:qa:{first.answer_id}"
    assert evidence.text == "Yes, to 10 m." and evidence.topic == "Is it waterproof?"


def test_erasing_a_shopper_deletes_their_conversations_whole(target: str) -> None:
    now = datetime.now(UTC)
    with ConversationStore(target) as store:
        mine = [store.start("u1"), store.start("u1")]
        theirs, anonymous = store.start("u2"), store.start(None)
        for conversation in [*mine, theirs, anonymous]:
            store.append(conversation, [Turn(Role.SHOPPER, "hello", now)])
        assert store.erase_user("u1") == 2
        assert store.erase_user("u1") == 0
        assert all(store.conversation(c) is None for c in mine)
        assert store.conversations(user_id="u1") == []
        assert store.conversation(theirs) is not None and store.conversation(anonymous) is not None
        turns = store.execute("SELECT count(*) FROM turns WHERE conversation_id IN (?, ?)", mine)
        assert turns == [(0,)]


def test_writes_return_no_rows(target: str) -> None:
    with ConversationStore(target) as store:
        store.start("u1")
        assert store.execute("UPDATE conversations SET handover = true") == []
        assert store.execute("SELECT count(*) FROM conversations WHERE handover") == [(1,)]


def test_stores_on_one_database_see_each_others_writes(postgres_url: str) -> None:
    now = datetime.now(UTC)
    with ConversationStore(postgres_url) as one, ConversationStore(postgres_url) as two:
        started = one.start("u1")
        two.append(started, [Turn(Role.SHOPPER, "hi", now)], handover_summary="hi")
        one.append(started, [Turn(Role.ASSISTANT, "hello", now)])
        found = two.conversation(started)
        assert found is not None and found.handover
        assert [t.text for t in found.turns] == ["hi", "hello"]
        answer = two.add_answer("p1", "Is it red?", "Blue.")
        assert one.answers("p1") == [answer]
        assert two.erase_user("u1") == 1 and one.conversation(started) is None


def test_a_lost_connection_is_a_storage_error_then_reopened(postgres_url: str) -> None:
    with ConversationStore(postgres_url) as store:
        ((pid,),) = store.execute("SELECT pg_backend_pid()")
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(StorageError):
            store.start("u1")
        assert store.conversation(store.start("u1")) is not None


def test_a_password_never_reaches_an_error(postgres_server_url: str) -> None:
    port = postgres_server_url.rpartition(":")[2].partition("/")[0]
    url = f"postgresql://nobody:s3cret@127.0.0.1:{port}/shopsense?password=s3cret&sslmode=disable"
    with pytest.raises(StorageError) as raised:
        ConversationStore(url)
    assert "s3cret" not in str(raised.value) and raised.value.__cause__ is None
    assert raised.value.source == f"postgresql://nobody@127.0.0.1:{port}/shopsense?sslmode=disable"


def test_placeholders_become_psycopg_ones_outside_literals() -> None:
    assert to_psycopg("SELECT '?', '50%' WHERE a LIKE ? AND b = ?") == (
        "SELECT '?', '50%%' WHERE a LIKE %s AND b = %s"
    )
    assert redact_url("postgres://u:p@h:5/db?password=p&x=1") == "postgres://u@h:5/db?x=1"


def test_stores_opening_together_create_the_tables_once(postgres_url: str) -> None:
    ready = threading.Barrier(8)

    def open_store(_: int) -> str:
        ready.wait()
        with ConversationStore(postgres_url) as store:
            return store.start(None)

    with ThreadPoolExecutor(8) as pool:
        started = list(pool.map(open_store, range(8)))
    with ConversationStore(postgres_url) as store:
        assert {c.conversation_id for c in store.conversations()} == set(started)


def test_appends_from_several_stores_take_turns(postgres_url: str) -> None:
    now = datetime.now(UTC)
    with ConversationStore(postgres_url) as store:
        started = store.start("u1")

    def append_ten(name: str) -> None:
        with ConversationStore(postgres_url) as mine:
            for _ in range(10):
                mine.append(
                    started, [Turn(Role.SHOPPER, name, now), Turn(Role.ASSISTANT, "ok", now)]
                )

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(append_ten, "abcd"))
    with ConversationStore(postgres_url) as store:
        found = store.conversation(started)
    assert found is not None and len(found.turns) == 80
    assert all(t.role is Role.ASSISTANT for t in found.turns[1::2])
