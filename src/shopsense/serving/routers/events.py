"""`POST /v1/events`: one event or a batch, stored durably before the reply."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError
from pydantic import Discriminator, Field, Tag

from shopsense.data.records import Interaction
from shopsense.serving.deps import (
    BODY_ERRORS,
    SHOPPER_ERRORS,
    WRITE_ERRORS,
    CallerDep,
    RuntimeDep,
    require_shopper,
)
from shopsense.serving.schemas import MAX_BATCH, EventIn, EventsAccepted

router = APIRouter(
    prefix="/v1",
    tags=["events"],
    responses={**SHOPPER_ERRORS, **BODY_ERRORS, **WRITE_ERRORS},
)


def _shape(body: object) -> str:
    return "events" if isinstance(body, list) else "event"


Events = Annotated[
    Annotated[EventIn, Tag("event")]
    | Annotated[list[EventIn], Field(min_length=1, max_length=MAX_BATCH), Tag("events")],
    Discriminator(_shape),
]


@router.post("/events")
async def add_events(
    events: Annotated[Events, Body(description=f"One event or a list of up to {MAX_BATCH}.")],
    runtime: RuntimeDep,
    caller: CallerDep,
) -> EventsAccepted:
    """Store shopper events. The reply comes after they are committed to the store, and the
    shoppers' next recommendations already reflect them. Events on products outside the served
    catalogue are refused (422) so that nothing is silently dropped. An admin key may send
    anyone's events; a shopper token only its shopper's."""
    batch = events if isinstance(events, list) else [events]
    for user in dict.fromkeys(event.user for event in batch):
        require_shopper(caller, user)
    known = runtime.served.recommender.item_index
    unknown = [i for i, event in enumerate(batch) if event.item not in known]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "unknown_item",
                    "loc": ("body", "events", i, "item")
                    if isinstance(events, list)
                    else ("body", "event", "item"),
                    "msg": "unknown item id: not in the served catalogue",
                }
                for i in unknown
            ]
        )
    received = datetime.now(UTC)
    records = [
        Interaction(
            user_id=event.user,
            item_id=event.item,
            kind=event.kind,
            value=1.0 if event.value is None else event.value,
            timestamp=event.timestamp or received,
        )
        for event in batch
    ]
    await runtime.writer.append(records)
    return EventsAccepted(accepted=len(records))
