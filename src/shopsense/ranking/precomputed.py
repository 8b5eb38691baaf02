"""Every known shopper's recommendations, computed when the bundle is trained.

A shop's traffic mostly asks for shoppers who did nothing new since the last training, so
`shopsense train` scores them all in batches (one product per model for many shoppers, far
cheaper than one request at a time) and stores each list with the digest of the history it
came from. The server answers from that list while the shopper's history still has that
digest; the first accepted event or sentence changes the digest and the shopper is scored
live from then on, so nothing served is ever older than what the shop has told the server.
The table holds shopper ids: erasing a shopper removes their rows (`bundle.erase_user`).
Batches of shoppers are tasks of a `ScoreShoppers` job, so an engine (`shopsense.execution`)
may score them on other workers; the rows come back in the same order either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.shoppers import UserEvent, UserState
from shopsense.execution import Engine, Job, LocalEngine
from shopsense.ranking.cascade import Precomputed, Recommender, Scored

#: The API's default list length: the requests that are answered from the table.
PRECOMPUTED_K = 10
#: Shoppers scored together.
BATCH = 128
SCHEMA = {
    "user_id": pl.String,
    "digest": pl.String,
    "position": pl.Int32,
    "item": pl.Int64,
    "score": pl.Float64,
    "sources": pl.List(pl.String),
    "reason": pl.String,
    "because": pl.Int64,
}


@dataclass(frozen=True)
class ShopperBatch:
    """Shoppers scored together: ids, each one's events (oldest first) and sentence."""

    users: list[str]
    events: list[list[UserEvent]]
    texts: list[str | None]


def shopper_batches(dataset: Dataset, size: int = BATCH) -> list[ShopperBatch]:
    """Every shopper with events in `dataset`, by id, in batches of `size`."""
    state = UserState.from_frames(dataset.interactions, dataset.users)
    users = sorted(state.events)
    return [
        ShopperBatch(
            chunk, [state.history(user) for user in chunk], [state.texts.get(u) for u in chunk]
        )
        for chunk in (users[start : start + size] for start in range(0, len(users), size))
    ]


class ScoreShoppers(Job[Recommender, ShopperBatch, pl.DataFrame]):
    """Top-`k` picks of batches of shoppers; `open` builds the recommender where the job runs
    (from a bundle's files: `shopsense.bundle.precomputed.ScoreWithBundleFiles`)."""

    k: int

    def run(self, opened: Recommender, task: ShopperBatch) -> pl.DataFrame:
        return score_batch(opened, task, self.k)


def precompute(
    job: ScoreShoppers,
    dataset: Dataset,
    engine: Engine | None = None,
    recommender: Recommender | None = None,
    show_progress: bool = True,
) -> pl.DataFrame:
    """Top-`job.k` picks of every shopper with events in `dataset`, as the server would compute
    them from the same data (re-ranked under the recommender's settings, whose fingerprint is
    part of each list's digest): one row per pick (`SCHEMA`), in order. Batches of shoppers
    run on `engine` (default: this process, with `recommender` where it is at hand); the table
    is the same whichever ran them."""
    engine = engine or LocalEngine()
    batches = shopper_batches(dataset)
    frames = [pl.DataFrame(schema=SCHEMA)]
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task("recommending ahead", total=sum(len(b.users) for b in batches))
        for batch, frame in zip(batches, engine.map(job, batches, recommender), strict=True):
            frames.append(frame)
            progress.advance(task, len(batch.users))
    return pl.concat(frames, rechunk=True)


def score_batch(recommender: Recommender, batch: ShopperBatch, k: int) -> pl.DataFrame:
    """One batch of shoppers' picks, one row per pick (`SCHEMA`)."""
    histories = [recommender.history(events) for events in batch.events]
    lists = recommender.recommend_many(histories, k, batch.users, batch.texts)
    columns: dict[str, list] = {name: [] for name in SCHEMA}
    for user, history, text, picks in zip(batch.users, histories, batch.texts, lists, strict=True):
        digest = recommender.digest(history, text)
        for position, pick in enumerate(picks):
            columns["user_id"].append(user)
            columns["digest"].append(digest)
            columns["position"].append(position)
            columns["item"].append(pick.item)
            columns["score"].append(pick.score)
            columns["sources"].append(list(pick.sources))
            columns["reason"].append(pick.reason)
            columns["because"].append(pick.because)
    return pl.DataFrame(columns, schema=SCHEMA)


def read_precomputed(path: Path) -> dict[str, Precomputed]:
    """The lists stored at `path` by shopper ({} where the bundle has none)."""
    if not path.is_file():
        return {}
    frame = pl.read_parquet(path).sort("user_id", "position")
    columns = ("user_id", "digest", "item", "score", "sources", "reason", "because")
    rows: dict[str, tuple[str, list[Scored]]] = {}
    for user, digest, item, score, sources, reason, because in zip(
        *(frame[name].to_list() for name in columns), strict=True
    ):
        pick = Scored(
            item=item, score=score, sources=tuple(sources), reason=reason, because=because
        )
        rows.setdefault(user, (digest, []))[1].append(pick)
    return {user: Precomputed(digest, tuple(picks)) for user, (digest, picks) in rows.items()}
