"""The assistant over the REST API: answers with citations, follow-ups, orders for the signed-in
shopper only, hand-over with a summary for staff, streaming, masking and erasure."""

from __future__ import annotations

import json

import polars as pl
import pytest
from fastapi.testclient import TestClient

from shopsense.data import Dataset
from tests.serving.conftest import ADMIN, CATALOG, shopper

ITEM = "run-trail-shoe-0"
pytestmark = pytest.mark.slow


def ask(client: TestClient, headers: dict[str, str], **body: object) -> dict:
    response = client.post("/v1/assistant/messages", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_product_question_is_answered_from_the_product_with_citations(
    text_client: TestClient,
) -> None:
    reply = ask(text_client, CATALOG, text="which brand makes this?", item=ITEM)
    assert reply["intent"] == "product_question"
    assert reply["item"] == ITEM
    assert reply["citations"], reply
    assert all(c["id"].startswith(f"{ITEM}:") for c in reply["citations"])
    assert not reply["handover"]
    # A follow-up without the item is about the product the conversation was about.
    follow = ask(
        text_client, CATALOG, text="how much does it cost?", conversation=reply["conversation"]
    )
    assert follow["conversation"] == reply["conversation"]
    assert follow["item"] == ITEM


def test_policy_question_cites_the_shop_policy(text_client: TestClient) -> None:
    reply = ask(text_client, CATALOG, text="How many days do I have to return an item?")
    assert reply["intent"] == "policy"
    assert [c["source"] for c in reply["citations"]] == ["policy"]
    assert "30 days" in reply["answer"]


def test_orders_are_read_for_the_signed_in_shopper_only(
    text_client: TestClient, shop: Dataset
) -> None:
    buyers = shop.interactions.filter(pl.col("kind") == "purchase")["user_id"].unique().sort()
    buyer, other_shopper = buyers[0], buyers[1]
    anonymous = ask(text_client, CATALOG, text="where is my order?")
    assert anonymous["intent"] == "order_status"
    assert not anonymous["citations"]
    mine = ask(text_client, shopper(buyer), text="where is my order?")
    assert mine["intent"] == "order_status"
    assert [c["source"] for c in mine["citations"]] == ["order"]
    order_id = mine["citations"][0]["id"]
    other = ask(text_client, shopper(other_shopper), text=f"where is my order {order_id}?")
    assert not other["citations"] and other["handover"]
    refused = text_client.post(
        "/v1/assistant/messages",
        json={"text": "where is my order?", "user": buyer},
        headers=shopper(other_shopper),
    )
    assert refused.status_code == 403


def test_handover_is_listed_for_staff_with_a_summary_and_masked_text(
    text_client: TestClient,
) -> None:
    reply = ask(
        text_client,
        shopper("u2"),
        text="This is the third time it broke, I want to talk to a real person. Mail me at "
        "jane.doe@example.com",
    )
    assert reply["handover"] and reply["intent"] == "handover"
    listed = text_client.get(
        "/v1/assistant/conversations", params={"handover": True}, headers=ADMIN
    )
    assert listed.status_code == 200
    found = [c for c in listed.json() if c["conversation"] == reply["conversation"]]
    assert found and found[0]["user"] == "u2" and found[0]["handover_summary"]
    full = text_client.get(f"/v1/assistant/conversations/{reply['conversation']}", headers=ADMIN)
    text = json.dumps(full.json())
    assert "jane.doe@example.com" not in text
    assert [t["role"] for t in full.json()["turns"]] == ["shopper", "assistant"]
    # Neither another shopper nor a catalog key may read or continue it.
    path = f"/v1/assistant/conversations/{reply['conversation']}"
    assert text_client.get(path, headers=shopper("u3")).status_code == 403
    assert text_client.get(path + "x", headers=shopper("u2")).status_code == 403
    assert text_client.get(path + "x", headers=ADMIN).status_code == 404
    assert text_client.get(path, headers=shopper("u2")).status_code == 200
    assert text_client.get("/v1/assistant/conversations", headers=CATALOG).status_code == 403
    stolen = text_client.post(
        "/v1/assistant/messages",
        json={"text": "hello", "conversation": reply["conversation"]},
        headers=shopper("u3"),
    )
    assert stolen.status_code == 404


def test_bad_input_is_named(text_client: TestClient) -> None:
    unknown = text_client.post(
        "/v1/assistant/messages", json={"text": "is it red?", "item": "nope"}, headers=CATALOG
    )
    assert unknown.status_code == 422 and "item" in unknown.text
    empty = text_client.post("/v1/assistant/messages", json={"text": "  "}, headers=CATALOG)
    assert empty.status_code == 422 and "text" in empty.text


def test_streamed_reply_sends_meta_pieces_and_the_whole_reply(text_client: TestClient) -> None:
    with text_client.stream(
        "POST",
        "/v1/assistant/messages",
        params={"stream": True},
        json={"text": "how long does delivery take?"},
        headers=CATALOG,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block.split("\n") for block in body.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names[0] == "meta" and names[-1] == "done" and "delta" in names
    done = json.loads(events[-1][1].removeprefix("data: "))
    pieces = "".join(json.loads(e[1].removeprefix("data: "))["text"] for e in events[1:-1])
    assert pieces == done["answer"]


def test_erasure_deletes_the_shoppers_conversations(text_client: TestClient) -> None:
    reply = ask(text_client, shopper("u4"), text="hi there")
    path = f"/v1/assistant/conversations/{reply['conversation']}"
    assert text_client.get(path, headers=ADMIN).status_code == 200
    assert text_client.delete("/v1/users/u4", headers=ADMIN).status_code == 204
    assert text_client.get(path, headers=ADMIN).status_code == 404


def test_the_shops_answers_become_cited_evidence(text_client: TestClient) -> None:
    question = "Can I wash it at 60 degrees?"
    recorded = text_client.post(
        "/v1/assistant/answers",
        json={"item": ITEM, "question": question, "answer": "Yes, it is washable at 60 degrees."},
        headers=ADMIN,
    )
    assert recorded.status_code == 201, recorded.text
    answer_id = recorded.json()["id"]
    listed = text_client.get("/v1/assistant/answers", params={"item": ITEM}, headers=CATALOG)
    assert [a["id"] for a in listed.json()] == [answer_id]
    reply = ask(text_client, CATALOG, text="can I wash it at 60 degrees?", item=ITEM)
    assert f"{ITEM}:qa:{answer_id}" in [c["id"] for c in reply["citations"]], reply
    refused = text_client.post(
        "/v1/assistant/answers",
        json={"item": ITEM, "question": question, "answer": "No."},
        headers=CATALOG,
    )
    assert refused.status_code == 403
    unknown = text_client.post(
        "/v1/assistant/answers",
        json={"item": "nope", "question": question, "answer": "No."},
        headers=ADMIN,
    )
    assert unknown.status_code == 422 and "item" in unknown.text
