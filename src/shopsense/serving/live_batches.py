"""Live recommendation lists scored in batches that form while the compute threads are busy.

A list scored live costs several milliseconds, part of it per call rather than per shopper
(Python and NumPy call overhead, the item tables read for each product). When requests arrive
faster than they are scored, the ones that come in while every compute lane is busy wait for the
next free lane and are scored there together (one `Recommender.recommend_many` call), so a burst
drains faster than it would one request at a time (BENCHMARKS.md, section `serving`, measures
it against `--live-batch 1`). An idle server scores a request at once: batching adds no wait
of its own.

Only requests that differ in nothing but the shopper and the list length take this path:
shoppers with a history, no sentence to encode (text work has its own thread) and no review
floor (each floor is its own item mask). A batch gives each shopper the list a single call
would, up to the last bit of float32 scores (a matrix product of several rows may round
differently from one of a single row). Lists of the same length share a batch. A batch that
fails is scored again one request at a time, so that a request's own error reaches only that
request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from shopsense.ranking.cascade import History, Recommender, Scored

#: Most shoppers scored in one batch (a batch's rows are scored at once: memory grows with it).
MAX_BATCH = 32

#: Runs a scoring call on a compute thread (`Served.in_compute_thread`).
Run = Callable[..., Awaitable[list[list[Scored]]]]


@dataclass
class _Request:
    history: History
    user: str
    answer: asyncio.Future[list[Scored]] = field(repr=False)


class LiveBatches:
    """Scores live lists of shoppers with a history on at most `lanes` compute threads at once,
    requests that wait for a lane batched together (at most `max_batch` a batch)."""

    def __init__(
        self,
        recommender: Recommender,
        run: Run,
        lanes: int,
        max_batch: int = MAX_BATCH,
        observe: Callable[[int], None] | None = None,
    ) -> None:
        """`run` runs a scoring call on a compute thread; `observe` is told each batch's
        size once it is scored."""
        if lanes < 1 or max_batch < 1:
            raise ValueError(f"lanes and max_batch must be >= 1, got {lanes} and {max_batch}")
        self._recommender = recommender
        self._run = run
        self._lanes = lanes
        self._max_batch = max_batch
        self._waiting: dict[int, list[_Request]] = {}
        self._busy = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._observe = observe

    async def recommend(self, history: History, k: int, user: str) -> list[Scored]:
        """The shopper's top-`k` scored now (`Recommender.recommend` for a shopper with a
        history, no sentence and every item allowed)."""
        answer: asyncio.Future[list[Scored]] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(k, []).append(_Request(history, user, answer))
        self._start_batches()
        return await answer

    def _start_batches(self) -> None:
        while self._busy < self._lanes and self._waiting:
            k = next(iter(self._waiting))
            waiting = self._waiting.pop(k)
            batch, rest = waiting[: self._max_batch], waiting[self._max_batch :]
            if rest:
                self._waiting[k] = rest
            self._busy += 1
            task = asyncio.create_task(self._score(k, batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _score(self, k: int, batch: list[_Request]) -> None:
        try:
            live = [request for request in batch if not request.answer.done()]  # not cancelled
            if live:
                await self._answer(k, live)
        finally:
            self._busy -= 1
            self._start_batches()

    async def _answer(self, k: int, batch: list[_Request]) -> None:
        try:
            lists = await self._score_many(k, batch)
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0], error)
            else:
                for request in batch:  # only the request at fault gets the error
                    await self._answer(k, [request])
            return
        if self._observe is not None:
            self._observe(len(batch))
        for request, picks in zip(batch, lists, strict=True):
            _reply(request, picks)

    async def _score_many(self, k: int, batch: list[_Request]) -> list[list[Scored]]:
        return await self._run(
            self._recommender.recommend_many,
            [request.history for request in batch],
            k,
            [request.user for request in batch],
            [None] * len(batch),
        )


def _reply(request: _Request, picks: list[Scored]) -> None:
    """Answer a request unless its caller has gone (its future cancelled)."""
    if not request.answer.done():
        request.answer.set_result(picks)


def _fail(request: _Request, error: Exception) -> None:
    """Fail a request with `error` unless its caller has gone."""
    if not request.answer.done():
        request.answer.set_exception(error)
