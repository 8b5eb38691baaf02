"""Live lists batched while the compute lanes are busy: same lists as one at a time, no wait
when idle, errors and cancellations kept to their own request."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from shopsense.cli import app
from shopsense.data.shoppers import UserEvent
from shopsense.ranking.cascade import History, Recommender, Scored
from shopsense.ranking.registry import create
from shopsense.serving.live_batches import LiveBatches
from shopsense.testing import conformance_dataset


@pytest.fixture(scope="module")
def recommender() -> Recommender:
    data = conformance_dataset()
    models = {
        "cooccurrence": create("cooccurrence").fit(data),
        "popularity": create("popularity").fit(data),
    }
    return Recommender(models, data.items)


def _history(recommender: Recommender, *items: str) -> History:
    return recommender.history([UserEvent(item, "purchase", float("nan")) for item in items])


class _Lanes:
    """Runs scoring calls on a thread pool; the first call waits until `release` is set, so
    that the requests made meanwhile queue up."""

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.release = threading.Event()
        self.calls: list[int] = []

    async def run(self, work: Any, histories: list[History], *args: Any) -> list[list[Scored]]:
        self.calls.append(len(histories))
        first = len(self.calls) == 1

        def call() -> list[list[Scored]]:
            if first:
                self.release.wait(10)
            return work(histories, *args)

        return await asyncio.get_running_loop().run_in_executor(self.pool, call)


def _items(picks: list[Scored]) -> list[tuple[int, str]]:
    return [(pick.item, pick.reason) for pick in picks]


def test_requests_that_wait_for_a_lane_are_scored_together(recommender: Recommender) -> None:
    ids = recommender.item_ids
    histories = [_history(recommender, ids[i], ids[i + 1]) for i in range(6)]
    lanes = _Lanes(1)
    sizes: list[int] = []
    batches = LiveBatches(recommender, lanes.run, lanes=1, observe=sizes.append)

    async def six() -> list[list[Scored]]:
        tasks = [
            asyncio.create_task(batches.recommend(history, 5, f"u{n}"))
            for n, history in enumerate(histories)
        ]
        await asyncio.sleep(0.05)  # the first is being scored, the other five wait
        lanes.release.set()
        return await asyncio.gather(*tasks)

    lists = asyncio.run(six())
    assert lanes.calls == [1, 5] and sizes == [1, 5]
    for n, (history, picks) in enumerate(zip(histories, lists, strict=True)):
        assert _items(picks) == _items(recommender.recommend(history, 5, f"u{n}"))


def test_lengths_batch_apart_and_an_idle_lane_scores_at_once(recommender: Recommender) -> None:
    ids = recommender.item_ids
    lanes = _Lanes(2)
    lanes.release.set()
    batches = LiveBatches(recommender, lanes.run, lanes=2)

    async def mixed() -> list[list[Scored]]:
        first = await batches.recommend(_history(recommender, ids[0]), 3, "a")
        rest = await asyncio.gather(
            batches.recommend(_history(recommender, ids[1]), 3, "b"),
            batches.recommend(_history(recommender, ids[2]), 4, "c"),
        )
        return [first, *rest]

    lists = asyncio.run(mixed())
    assert [len(picks) for picks in lists] == [3, 3, 4]
    assert lanes.calls == [1, 1, 1]  # two lanes free: nobody waited, nothing was batched


def test_a_failing_request_fails_alone(recommender: Recommender) -> None:
    ids = recommender.item_ids
    lanes = _Lanes(1)
    batches = LiveBatches(recommender, lanes.run, lanes=1)
    outside = History(
        np.array([recommender.n_items + 5]), np.array(["purchase"], dtype=object), np.zeros(1)
    )

    async def three() -> list[object]:
        first = asyncio.create_task(batches.recommend(_history(recommender, ids[0]), 3, "a"))
        await asyncio.sleep(0.05)
        bad = asyncio.create_task(batches.recommend(outside, 3, "bad"))
        good = asyncio.create_task(batches.recommend(_history(recommender, ids[1]), 3, "b"))
        await asyncio.sleep(0.01)
        lanes.release.set()
        return await asyncio.gather(first, bad, good, return_exceptions=True)

    first, bad, good = asyncio.run(three())
    assert isinstance(bad, IndexError | ValueError)
    assert isinstance(first, list) and isinstance(good, list) and len(good) == 3
    assert lanes.calls == [1, 2, 1, 1]  # the batch of two failed: each scored again alone


def test_a_cancelled_request_leaves_the_others_answered(recommender: Recommender) -> None:
    ids = recommender.item_ids
    lanes = _Lanes(1)
    batches = LiveBatches(recommender, lanes.run, lanes=1)

    async def cancel_one() -> list[Scored]:
        first = asyncio.create_task(batches.recommend(_history(recommender, ids[0]), 3, "a"))
        await asyncio.sleep(0.05)
        gone = asyncio.create_task(batches.recommend(_history(recommender, ids[1]), 3, "b"))
        kept = asyncio.create_task(batches.recommend(_history(recommender, ids[2]), 3, "c"))
        await asyncio.sleep(0.01)
        gone.cancel()
        lanes.release.set()
        await first
        return await kept

    assert len(asyncio.run(cancel_one())) == 3
    assert lanes.calls == [1, 1]  # the cancelled request was not scored


def test_lanes_and_batch_size_must_be_positive(recommender: Recommender) -> None:
    lanes = _Lanes(1)
    with pytest.raises(ValueError, match="lanes and max_batch"):
        LiveBatches(recommender, lanes.run, lanes=0)


def test_serve_refuses_a_live_batch_below_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--bundle", str(tmp_path), "--live-batch", "0"],
        env={"SHOPSENSE_API_KEYS": "k:admin"},
    )
    assert result.exit_code == 2
    assert "live_batch: Input should be greater than or equal to 1" in result.output
    assert "Traceback" not in result.output
