"""Every known shopper's recommendations, computed when the bundle is trained.

A shop's traffic mostly asks for shoppers who did nothing new since the last training, so
`shopsense train` scores them all in batches (one product per model for many shoppers, far
cheaper than one request at a time) and stores each list with the digest of the history it
came from. The server answers from that list while the shopper's history still has that
digest; the first accepted event or sentence changes the digest and the shopper is scored
live from then on, so nothing served is ever older than what the shop has told the server.
The table holds shopper ids: erasing a shopper removes their rows (`bundle.erase_user`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.shoppers import UserState
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


def precompute(
    recommender: Recommender,
    dataset: Dataset,
    k: int = PRECOMPUTED_K,
    show_progress: bool = True,
) -> pl.DataFrame:
    """Top-`k` picks of every shopper with events in `dataset`, as the server would compute
    them from the same data (re-ranked under `recommender`'s settings, whose fingerprint is part
    of each list's digest): one row per pick (`SCHEMA`), in order."""
    state = UserState.from_frames(dataset.interactions, dataset.users)
    users = sorted(state.events)
    columns: dict[str, list] = {name: [] for name in SCHEMA}
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task("recommending ahead", total=len(users))
        for start in range(0, len(users), BATCH):
            _add_batch(recommender, state, users[start : start + BATCH], k, columns)
            progress.advance(task, len(users[start : start + BATCH]))
    return pl.DataFrame(columns, schema=SCHEMA)


def _add_batch(
    recommender: Recommender, state: UserState, batch: list[str], k: int, columns: dict[str, list]
) -> None:
    """Score one batch of shoppers and append their picks to `columns`."""
    histories = [recommender.history(state.history(user)) for user in batch]
    texts = [state.texts.get(user) for user in batch]
    lists = recommender.recommend_many(histories, k, batch, texts)
    for user, history, text, picks in zip(batch, histories, texts, lists, strict=True):
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
