"""Shoppers whose events changed their history are scored again in the background.

After an event a shopper's precomputed list no longer matches their history, so their next
request would be scored live. The refresher re-scores such shoppers in batches on a compute
thread, off every request's path, and keeps each new list for exactly the history it was scored
from: a request that comes first is scored live as before, and a list whose shopper changed
again (or was erased) meanwhile is dropped, so what is served is never older than the events
acknowledged before the request. Shoppers with a profile sentence are always scored live (their
sentence is encoded on the text thread).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from shopsense.data.shoppers import UserState
from shopsense.ranking.cascade import Recommender, Scored

log = logging.getLogger("shopsense.serving")

#: Shoppers scored together.
BATCH = 32
#: Most shoppers waiting; beyond it the oldest are left to be scored live when they ask.
PENDING_LIMIT = 10_000


class ServedRecommender(Protocol):
    """What the refresher needs of the bundle being served."""

    recommender: Recommender

    async def in_compute_thread(
        self, work: Callable[..., list[list[Scored]]], *args: object
    ) -> list[list[Scored]]:
        """`work(*args)` off the event loop."""
        ...


class Refresher:
    """Keeps the served recommender's lists in step with shoppers' events."""

    def __init__(
        self, served: Callable[[], ServedRecommender], users: Callable[[], UserState]
    ) -> None:
        self._served = served
        self._users = users
        self._pending: dict[str, None] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Shoppers waiting to be scored again."""
        return len(self._pending)

    def touch(self, users: Iterable[str]) -> None:
        """Shoppers whose history just changed (called on the event loop)."""
        for user in users:
            self._pending.pop(user, None)
            self._pending[user] = None
        while len(self._pending) > PENDING_LIMIT:
            del self._pending[next(iter(self._pending))]
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run())

    def forget(self, user: str) -> None:
        """Stop waiting to score a shopper (who is being erased)."""
        self._pending.pop(user, None)

    async def idle(self) -> None:
        """Wait until every touched shopper has been scored again."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Stop refreshing (shoppers still waiting are scored live when they ask)."""
        self._pending.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while self._pending:
            batch = list(self._pending)[:BATCH]
            for user in batch:
                del self._pending[user]
            try:
                await self._refresh(batch)
            except Exception:
                # A failed refresh only means these shoppers are scored live when they ask.
                log.exception("refreshing %d shoppers' lists failed", len(batch))

    async def _refresh(self, batch: list[str]) -> None:
        served, users = self._served(), self._users()
        recommender = served.recommender
        k = recommender.precomputed_k
        chosen = [user for user in batch if user not in users.texts and users.events.get(user)]
        if k is None or not chosen:
            return
        # Histories are read here, on the event loop: a consistent snapshot per shopper.
        histories = [recommender.history(users.history(user)) for user in chosen]
        lists = await served.in_compute_thread(
            recommender.recommend_many, histories, k, chosen, [None] * len(chosen)
        )
        for user, history, picks in zip(chosen, histories, lists, strict=True):
            now = recommender.history(users.history(user))
            if user not in users.texts and now.digest(None) == history.digest(None):
                recommender.remember(user, history, picks)
