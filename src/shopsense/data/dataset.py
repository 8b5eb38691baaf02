"""`Dataset`: a shop's five tables plus the integer id spaces every model works in.

Item indices follow catalogue order (row order of `items`), so items that have no interactions
(new products, held-out cold items) still have an index and can be ranked. User indices follow
the `users` table, then first appearance in `interactions`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import polars as pl
from scipy import sparse

from shopsense.data import schema
from shopsense.data.language import ENGLISH, language_shares

#: Implicit-feedback weight of each interaction kind in `user_item_matrix(weighting="kind")`.
KIND_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "click": 1.5,
    "cart": 3.0,
    "purchase": 4.0,
    "rating": 4.0,
}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A shop's catalogue, users, events, reviews and searches.

    Frames are conformed to `shopsense.data.schema` on construction. Interactions keep their row
    order within a user where timestamps are missing (sequence files carry order, not time).
    """

    items: pl.DataFrame
    interactions: pl.DataFrame = field(default_factory=lambda: schema.empty("interactions"))
    users: pl.DataFrame = field(default_factory=lambda: schema.empty("users"))
    reviews: pl.DataFrame = field(default_factory=lambda: schema.empty("reviews"))
    queries: pl.DataFrame = field(default_factory=lambda: schema.empty("queries"))
    name: str = "dataset"
    synthetic: bool = False
    source: str | None = None
    language: str | None = None
    """The catalogue's language ("en", "zh", ...): set by the shop, or detected from its item
    titles and descriptions (`shopsense.data.language`) when left None."""

    def __post_init__(self) -> None:
        for table in schema.TABLES:
            object.__setattr__(self, table, schema.conform(getattr(self, table), table))
        if self.language is None:
            # The most common language of the sample `languages` reads (English if none).
            object.__setattr__(self, "language", next(iter(self.languages), ENGLISH))

    @cached_property
    def languages(self) -> dict[str, float]:
        """Share of each language among the catalogue's items (a sample of up to 5,000),
        largest first: a mixed catalogue has several."""
        return language_shares(self._language_sample())

    def _language_sample(self) -> list[str]:
        items = self.items.head(5000)
        return [
            f"{title or ''} {description or ''}"
            for title, description in zip(
                items["title"].to_list(), items["description"].to_list(), strict=True
            )
        ]

    # ---- id spaces -------------------------------------------------------------------------
    @cached_property
    def item_ids(self) -> np.ndarray:
        """Item ids (str) in index order."""
        return self.items["item_id"].to_numpy().astype(object)

    @cached_property
    def item_index(self) -> dict[str, int]:
        """Item id -> item index."""
        return {item_id: i for i, item_id in enumerate(self.item_ids)}

    @cached_property
    def user_ids(self) -> np.ndarray:
        """User ids (str) in index order."""
        ordered = pl.concat(
            [self.users.select("user_id"), self.interactions.select("user_id")]
        ).unique(subset="user_id", keep="first", maintain_order=True)
        return ordered["user_id"].to_numpy().astype(object)

    @cached_property
    def user_index(self) -> dict[str, int]:
        """User id -> user index."""
        return {user_id: u for u, user_id in enumerate(self.user_ids)}

    @property
    def n_items(self) -> int:
        return self.items.height

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    # ---- interactions as integer arrays ----------------------------------------------------
    @cached_property
    def events(self) -> pl.DataFrame:
        """Interactions with `user` and `item` indices, sorted by user, then time, then row
        order."""
        users = pl.DataFrame(
            {"user_id": self.user_ids.tolist(), "user": np.arange(self.n_users, dtype=np.int64)},
            schema={"user_id": pl.Utf8, "user": pl.Int64},
        )
        items = pl.DataFrame(
            {"item_id": self.item_ids.tolist(), "item": np.arange(self.n_items, dtype=np.int64)},
            schema={"item_id": pl.Utf8, "item": pl.Int64},
        )
        return (
            self.interactions.with_row_index("row")
            .join(users, on="user_id", how="left")
            .join(items, on="item_id", how="left")
            .sort(["user", "timestamp", "row"], nulls_last=True, maintain_order=True)
        )

    @cached_property
    def sequences(self) -> list[np.ndarray]:
        """Per user index, the chronological item indices the user interacted with."""
        events = self.events
        users = events["user"].to_numpy()
        items = events["item"].to_numpy().astype(np.int64)
        bounds = np.searchsorted(users, np.arange(self.n_users + 1))
        return [items[bounds[u] : bounds[u + 1]] for u in range(self.n_users)]

    def user_item_matrix(self, weighting: str = "binary") -> sparse.csr_matrix:
        """Users x items matrix (float32). `binary`: 1 per pair; `count`: number of events;
        `kind`: summed `KIND_WEIGHTS` of the events."""
        events = self.events
        rows = events["user"].to_numpy()
        cols = events["item"].to_numpy()
        if weighting == "kind":
            data = events["kind"].replace_strict(KIND_WEIGHTS, default=1.0).to_numpy()
        elif weighting in ("binary", "count"):
            data = np.ones(len(rows))
        else:
            raise ValueError(f"weighting must be binary, count or kind, not {weighting!r}")
        matrix = sparse.csr_matrix(
            (data.astype(np.float32), (rows, cols)), shape=(self.n_users, self.n_items)
        )
        matrix.sum_duplicates()
        if weighting == "binary":
            matrix.data[:] = 1.0
        return matrix

    @cached_property
    def item_popularity(self) -> np.ndarray:
        """Number of interactions per item index (float64)."""
        counts = np.bincount(self.events["item"].to_numpy(), minlength=self.n_items)
        return counts.astype(np.float64)

    # ---- derived datasets and summaries ----------------------------------------------------
    def with_interactions(self, interactions: pl.DataFrame) -> Dataset:
        """The same catalogue, users, reviews and queries with other interactions (for splits)."""
        users = self.users
        if users.height == 0:
            users = pl.DataFrame({"user_id": self.user_ids.tolist()}, schema={"user_id": pl.Utf8})
        return replace(self, interactions=interactions, users=users)

    def stats(self) -> dict[str, object]:
        """Counts a report prints about the data."""
        n_events = self.interactions.height
        has_time = self.interactions["timestamp"].null_count() < n_events if n_events else False
        return {
            "name": self.name,
            "synthetic": self.synthetic,
            "source": self.source,
            "items": self.n_items,
            "users": self.n_users,
            "interactions": n_events,
            "reviews": self.reviews.height,
            "queries": self.queries.height,
            "density": n_events / max(1, self.n_items * self.n_users),
            "has_timestamps": bool(has_time),
            "fingerprint": self.fingerprint,
        }

    @cached_property
    def fingerprint(self) -> str:
        """A short content hash of all five tables (for bundle manifests and reports)."""
        digest = hashlib.sha256()
        for table in schema.TABLES:
            frame = getattr(self, table)
            digest.update(table.encode())
            digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
        return digest.hexdigest()[:16]
