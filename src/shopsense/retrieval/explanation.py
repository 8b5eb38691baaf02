"""Why a retriever scores an item for a user: the one explanation type every model returns.

A model explains itself (`Retriever.explain`, like implicit's `explain`): which history item
drove an item's score, or that the score is the same for anyone (popular), or that it follows
the shopper's own words. The ranking layer's cascade turns an `Explanation` into the sentence a
shopper reads, in one place (`shopsense.ranking.explain.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Latest distinct history entries that may be named as the reason.
REASON_DEPTH = 20

#: What an explanation rests on:
#: "history": the history item `because` on its own gives the item its score (from `source`);
#: "text": no generator names one, but `because` reads most like the item;
#: "words": the shopper's own sentence or query; "activity": the whole history, no one item;
#: "popular": the model scores the item the same for anyone.
Basis = Literal["history", "text", "words", "activity", "popular"]


@dataclass(frozen=True)
class SourceSignal:
    """One generator's view of a recommended item (for models built from generators)."""

    generator: str
    """The generator's key in the fusion (e.g. 'cooccurrence', 'content')."""
    score: float
    rank: int | None
    """1-based rank among the items it scores for the user (history left out); None: no signal."""
    proposed: bool
    """Whether it put the item into the user's candidate set."""


@dataclass(frozen=True)
class Explanation:
    """Why one item (an index) is recommended: its basis, the history item it names, the model
    or generator the reason comes from, and the generator signals behind the score."""

    item: int
    basis: Basis
    because: int | None = None
    """The history item the reason names (item index), if any."""
    source: str | None = None
    """The model or generator (its registered model name) the reason comes from."""
    signals: tuple[SourceSignal, ...] = ()

    def proposers(self) -> tuple[str, ...]:
        """The generators that proposed the item, best rank first."""
        proposed = [signal for signal in self.signals if signal.proposed]
        return tuple(s.generator for s in sorted(proposed, key=lambda s: s.rank or 0))


def recent_distinct(history: np.ndarray, limit: int = REASON_DEPTH) -> np.ndarray:
    """The latest `limit` distinct history items, latest first."""
    latest_first = np.asarray(history, dtype=np.int64)[::-1]
    _, first = np.unique(latest_first, return_index=True)
    return latest_first[np.sort(first)][:limit]
