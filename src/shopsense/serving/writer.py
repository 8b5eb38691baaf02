"""Durable event writes with group commit: one store transaction for many concurrent requests.

Each request awaits its own events being committed (the 2xx is sent only after), but requests
that arrive while a commit is in progress share the next one, so throughput grows with
concurrency instead of being bounded by one commit per request. All store calls run on one
worker thread, so the store sees one writer at a time.

A `StorageError` (disk full, read-only file) marks the store as failing until a write, or a
`probe` from the health check, succeeds again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from shopsense.data.errors import DataError, StorageError
from shopsense.data.records import Interaction
from shopsense.data.shop_store import ShopStore

T = TypeVar("T")
#: Least seconds between two probes of a failing store.
PROBE_INTERVAL = 1.0
#: A request's events and the future it awaits.
_Waiting = tuple[Sequence[Interaction], "asyncio.Future[None]"]


class EventWriter:
    """Appends events to a store (`ShopStore`), batching concurrent requests into one
    transaction, and calls `on_commit` (on the event loop) with each committed batch before
    acknowledging it."""

    def __init__(self, store: ShopStore, on_commit: Callable[[list[Interaction]], None]) -> None:
        self.store = store
        self._on_commit = on_commit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopsense-store")
        self._pending: list[_Waiting] = []
        self._flushing = False
        #: Whether the last write (or probe) reached the store.
        self.writable = True
        self._probed = 0.0

    async def append(self, events: Sequence[Interaction]) -> None:
        """Return once `events` are committed; raise `DataError` if the store rejects them."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((events, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def run(self, work: Callable[[ShopStore], T]) -> T:
        """Run `work(store)` on the store's thread (reads, erasure, catalogue updates)."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, work, self.store)
        except StorageError:
            self.writable = False
            raise
        self.writable = True
        return result

    async def probe(self) -> bool:
        """Whether the store can be written now; a failing store is tried again at most once
        per `PROBE_INTERVAL`, so health checks cannot hammer a broken disk."""
        if self.writable or time.monotonic() - self._probed < PROBE_INTERVAL:
            return self.writable
        self._probed = time.monotonic()
        try:
            await self.run(lambda store: store.probe())
        except StorageError:
            pass
        return self.writable

    def close(self) -> None:
        """Finish the store thread and close the store."""
        self._executor.shutdown(wait=True)
        self.store.close()

    async def _flush(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending, []
                await self._commit(group)
        finally:
            self._flushing = False

    async def _commit(self, group: list[_Waiting]) -> None:
        events = [event for batch, _ in group for event in batch]
        try:
            await self.run(lambda store: store.append_events(events))
        except DataError as error:
            if len(group) == 1:
                _fail(group, error)
                return
            # One bad batch must not fail the others: commit them one by one.
            for member in group:
                await self._commit([member])
            return
        except Exception as error:  # noqa: BLE001 - every waiting request must hear of it
            _fail(group, error)
            return
        # Applied here, not in the request, so a client that hangs up after the commit cannot
        # leave the live state behind the store.
        self._on_commit(events)
        for _, future in group:
            if not future.done():
                future.set_result(None)


def _fail(group: list[_Waiting], error: Exception) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)
