"""`/v1/assistant`: shoppers' messages to the customer-service assistant, and the conversations
for staff.

A message may come from an anonymous visitor (any key), or for a signed-in shopper (their token
or an admin key). `?stream=true` sends the reply as server-sent events: `meta` (conversation,
intent, handover), the answer in `delta` pieces (word by word), then `done` with the whole
reply."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from shopsense.assistant.assistant import Message, UnknownConversation
from shopsense.serving.assistant_schemas import (
    AnswerIn,
    AnswerOut,
    ConversationOut,
    MessageIn,
    ReplyOut,
)
from shopsense.serving.assistant_service import AssistantUnavailable
from shopsense.serving.deps import (
    ADMIN_ERRORS,
    BODY_ERRORS,
    CATALOG_ERRORS,
    SHOPPER_ERRORS,
    CallerDep,
    RuntimeDep,
    require_admin,
    require_catalog,
    require_shopper,
)
from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import ID_PATTERN, MAX_ID_LENGTH, PathId, Problem

router = APIRouter(prefix="/v1/assistant", tags=["assistant"])

_UNAVAILABLE = {503: {"model": Problem, "description": "The bundle has no assistant."}}
_PIECE = re.compile(r"\S+\s*")


@router.post(
    "/messages",
    responses={
        **SHOPPER_ERRORS,
        **BODY_ERRORS,
        **_UNAVAILABLE,
        404: {"model": Problem, "description": "Unknown conversation (or not the shopper's)."},
        200: {"content": {"text/event-stream": {}}, "description": "The reply (JSON or events)."},
    },
)
async def post_message(
    message: MessageIn,
    runtime: RuntimeDep,
    caller: CallerDep,
    stream: Annotated[
        bool, Query(description="Send the reply as server-sent events (meta, delta, done).")
    ] = False,
) -> ReplyOut:
    """Answer a shopper's message from the product page, reviews and the shop's policies, with
    the evidence cited; a complaint, a request for a person or a question nothing answers is
    handed over to a person. Personal data in the text is masked before anything reads it."""
    user = message.user or caller.shopper
    if user is not None:
        require_shopper(caller, user)
        await runtime.refresh_shopper(user)
    if message.item is not None:
        _require_known_item(runtime, message.item)
    asked = Message(message.text, message.conversation, user, message.item)
    try:
        reply = await runtime.assistant.reply(runtime.served, runtime.users, runtime.reviews, asked)
    except UnknownConversation:
        raise HTTPException(
            status_code=status.HTTP_404_NOT_FOUND, detail="unknown conversation"
        ) from None
    except AssistantUnavailable as problem:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(problem)
        ) from None
    body = ReplyOut.of(reply)
    if not stream:
        return body
    return StreamingResponse(_events(body), media_type="text/event-stream")  # type: ignore[return-value]


def _require_known_item(runtime: Runtime, item: str) -> None:
    """422 naming the body's `item` when the served catalogue does not hold it."""
    if runtime.served.bundle.catalogue.index_of(item) is None:
        raise RequestValidationError(
            [
                {
                    "type": "unknown_item",
                    "loc": ("body", "item"),
                    "msg": "unknown item id: not in the served catalogue",
                    "input": item,
                }
            ]
        )


@router.post(
    "/answers",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ERRORS, **BODY_ERRORS},
)
async def add_answer(answer: AnswerIn, runtime: RuntimeDep) -> AnswerOut:
    """Record the shop's answer to a question about a product (admin keys): from then on the
    assistant reads it with the product's evidence and cites it (source `qa`). Personal data in
    the texts is masked before they are stored."""
    _require_known_item(runtime, answer.item)
    recorded = await runtime.assistant.add_answer(answer.item, answer.question, answer.answer)
    return AnswerOut.of(recorded)


@router.get("/answers", dependencies=[Depends(require_catalog)], responses=CATALOG_ERRORS)
async def list_answers(
    runtime: RuntimeDep,
    item: Annotated[
        str,
        Query(
            min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN, description="The product."
        ),
    ],
) -> list[AnswerOut]:
    """The shop's answers about a product, newest first (any key: a product page shows them)."""
    return [AnswerOut.of(a) for a in await runtime.assistant.answers(item)]


async def _events(reply: ReplyOut) -> AsyncIterator[str]:
    meta = {"conversation": reply.conversation, "intent": reply.intent, "handover": reply.handover}
    yield f"event: meta\ndata: {json.dumps(meta)}\n\n"
    for piece in _PIECE.findall(reply.answer) or [reply.answer]:
        yield f"event: delta\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    yield f"event: done\ndata: {reply.model_dump_json()}\n\n"


@router.get("/conversations", dependencies=[Depends(require_admin)], responses=ADMIN_ERRORS)
async def list_conversations(
    runtime: RuntimeDep,
    user: Annotated[
        str | None,
        Query(
            min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN, description="One shopper's."
        ),
    ] = None,
    handover: Annotated[
        bool | None, Query(description="Only those handed over to a person (or only not).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first.")] = 50,
) -> list[ConversationOut]:
    """The latest conversations (without their turns), for staff (admin keys)."""
    found = await runtime.assistant.conversations_of(user, handover, limit)
    return [ConversationOut.of(c) for c in found]


@router.get(
    "/conversations/{conversation_id}",
    responses={
        **SHOPPER_ERRORS,
        404: {"model": Problem, "description": "Unknown conversation (admin keys)."},
    },
)
async def get_conversation(
    conversation_id: PathId, runtime: RuntimeDep, caller: CallerDep
) -> ConversationOut:
    """One conversation with every turn: for staff (admin keys; 404 if unknown) or its own
    shopper (403 otherwise, the same answer whether or not it exists)."""
    found = await runtime.assistant.conversation(conversation_id)
    if caller.admin:
        if found is None:
            raise HTTPException(
                status_code=status.HTTP_404_NOT_FOUND, detail="unknown conversation"
            )
        return ConversationOut.of(found)
    if found is None or found.user_id is None or caller.shopper != found.user_id:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="a conversation needs its shopper's token or an admin key",
        )
    return ConversationOut.of(found)
