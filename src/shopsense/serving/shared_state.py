"""What several server processes of one shop share beyond the store's tables, through the same
PostgreSQL database (`shopsense serve --shared-store`).

Every process keeps its own in-memory view of shoppers (fast to read), and the database is the
truth: before a request that personalises, the process reads that shopper's events and profile
sentence as committed now (one indexed query), so an event accepted by any process is reflected
by the next answer of every process. Changes that are not a shopper's events travel as notices
on one channel (LISTEN/NOTIFY): an erasure, reviews posted, campaigns changed, a new bundle
swapped in; each process
acts on those of the others. A notice missed while the listening connection was down is made up
for when it is back (`Notice.RECONNECTED`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import psycopg

from shopsense.data.errors import StorageError
from shopsense.data.postgres import redact_url
from shopsense.data.shoppers import PROFILE_KEY, UserEvent

__all__ = ["CHANNEL", "Notice", "NoticeKind", "SharedState", "StoredShopper"]

log = logging.getLogger("shopsense.serving")

#: The notification channel of one shop's processes.
CHANNEL = "shopsense"
#: Seconds between attempts to listen again after the connection was lost.
RETRY_S = 1.0

#: Several shoppers at once: per shopper, the profile sentence and the events in order.
_SHOPPERS = f"""
SELECT
    asked.user_id,
    (SELECT attributes::json ->> '{PROFILE_KEY}' FROM users WHERE users.user_id = asked.user_id),
    array_remove(array_agg(i.item_id ORDER BY i.event_id), NULL),
    array_remove(array_agg(i.kind ORDER BY i.event_id), NULL),
    array_agg(extract(epoch FROM i.timestamp)::float8 ORDER BY i.event_id)
        FILTER (WHERE i.event_id IS NOT NULL)
FROM unnest(%s::text[]) AS asked(user_id)
LEFT JOIN interactions i ON i.user_id = asked.user_id
GROUP BY asked.user_id
"""


class NoticeKind(StrEnum):
    """What another process tells the others."""

    ERASED = "erased"
    """A shopper was erased (`user`): drop everything held about them."""
    REVIEWS = "reviews"
    """Reviews were posted: read the stored ones not read yet."""
    CAMPAIGNS = "campaigns"
    """Sponsored or promotion campaigns were saved or erased: read them again."""
    SWAPPED = "swapped"
    """A new bundle version was swapped in: follow the bundle root's pointer now."""
    RECONNECTED = "reconnected"
    """(Local) Listening resumed after a loss: notices may have been missed."""


@dataclass(frozen=True)
class Notice:
    """One notice: its kind and, for an erasure, the shopper."""

    kind: NoticeKind
    user: str | None = None


@dataclass(frozen=True)
class StoredShopper:
    """A shopper as the database holds them now."""

    events: list[UserEvent]
    text: str | None

    @property
    def known(self) -> bool:
        """Whether anything is stored about them."""
        return bool(self.events) or self.text is not None


class SharedState:
    """Reads shoppers from, and sends and receives notices through, the shared database."""

    def __init__(self, url: str, on_notice: Callable[[Notice], Awaitable[None]]) -> None:
        self._url = url
        self._on_notice = on_notice
        #: Tells this process's own notices from the others'.
        self._sender = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._reads: psycopg.AsyncConnection | None = None
        self._listening: asyncio.Task[None] | None = None
        self._listener_ready = asyncio.Event()
        #: Shoppers asked for while a read is under way, with the callers waiting on them.
        self._waiting: dict[str, list[asyncio.Future[StoredShopper]]] = {}
        self._reading = False

    async def open(self) -> None:
        """Connect and start listening (returns once notices are being received)."""
        self._reads = await self._connect()
        self._listening = asyncio.get_running_loop().create_task(self._listen())
        await self._listener_ready.wait()

    async def close(self) -> None:
        """Stop listening and disconnect."""
        if self._listening is not None:
            self._listening.cancel()
            await asyncio.gather(self._listening, return_exceptions=True)
        if self._reads is not None:
            await self._reads.close()

    async def shopper(self, user: str) -> StoredShopper:
        """`user`'s events (oldest first) and profile sentence as committed now: by a read
        that starts after this call. Calls made while a read is under way share the next one
        (one query for many shoppers), like the event writer's group commit."""
        answer: asyncio.Future[StoredShopper] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(user, []).append(answer)
        if not self._reading:
            self._reading = True
            asyncio.get_running_loop().create_task(self._read_waiting())
        return await answer

    async def _read_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    found = await self._read(list(batch))
                except StorageError as error:
                    for answers in batch.values():
                        for answer in answers:
                            if not answer.done():
                                answer.set_exception(error)
                    continue
                for user, answers in batch.items():
                    for answer in answers:
                        if not answer.done():
                            answer.set_result(found[user])
        finally:
            self._reading = False

    async def _read(self, users: list[str]) -> dict[str, StoredShopper]:
        try:
            cursor = await (await self._reader()).execute(_SHOPPERS, [users])
            rows = await cursor.fetchall()
        except psycopg.Error as error:
            problem = _cannot("read shoppers", error)
            raise StorageError(problem, source=redact_url(self._url)) from error
        found = {}
        for user, text, items, kinds, seconds in rows:
            events = [
                UserEvent(item, kind, float("nan") if moment is None else moment)
                for item, kind, moment in zip(items, kinds, seconds or [], strict=True)
            ]
            found[user] = StoredShopper(events, text)
        return found

    async def notify(self, notice: Notice) -> None:
        """Tell the other processes (committed at once; best effort: a failure is logged,
        and the others catch up from the database when they next read)."""
        payload = json.dumps({"kind": notice.kind.value, "user": notice.user, "from": self._sender})
        try:
            await (await self._reader()).execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
        except psycopg.Error as error:
            log.warning("%s", _cannot(f"send a {notice.kind.value} notice", error))

    async def _reader(self) -> psycopg.AsyncConnection:
        """The connection for reads and notices, opened again when it was lost."""
        if self._reads is None or self._reads.closed or self._reads.broken:
            self._reads = await self._connect()
        return self._reads

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(self._url, autocommit=True)

    async def _listen(self) -> None:
        first = True
        while True:
            try:
                async with await self._connect() as con:
                    await con.execute(f"LISTEN {CHANNEL}")
                    self._listener_ready.set()
                    if not first:
                        await self._on_notice(Notice(NoticeKind.RECONNECTED))
                    first = False
                    async for message in con.notifies():
                        notice = self._parse(message.payload)
                        if notice is not None:
                            await self._deliver(notice)
            except psycopg.Error as error:
                log.warning("%s; listening again in %.0f s", _cannot("listen", error), RETRY_S)
                self._listener_ready.set()  # start-up goes on; reads still reach the database
                await asyncio.sleep(RETRY_S)

    def _parse(self, payload: str) -> Notice | None:
        try:
            fields = json.loads(payload)
            if fields.get("from") == self._sender:
                return None
            return Notice(NoticeKind(fields["kind"]), fields.get("user"))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notice on channel %s", CHANNEL)
            return None

    async def _deliver(self, notice: Notice) -> None:
        try:
            await self._on_notice(notice)
        except Exception:  # noqa: BLE001 - one failed notice must not stop the listening
            log.exception("acting on a %s notice failed", notice.kind.value)


def _cannot(what: str, error: psycopg.Error) -> str:
    return f"cannot {what} in the shared store: " + " ".join(str(error).split())
