"""Why an item was recommended: its source signals and a reason naming a history item.

For each recommended item every generator of the fusion reports its score and its rank for the
user, and whether it proposed the item. The reason comes from the best-ranked proposer that
reads the history: the history item that on its own gives the recommended item the highest
score from that generator — for co-occurrence the item it was most often bought with, for text
the most similar one — "because you viewed X". Items no history-reading generator backs are
"similar to X" by text where item vectors exist, else popular or matched to the user's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from shopsense.ranking.candidates import model_key_name, score_generators
from shopsense.ranking.fusion import FusionRetriever
from shopsense.retrieval.base import UserContext

#: Latest distinct history entries that may be named as the reason.
REASON_DEPTH = 20


@dataclass(frozen=True)
class SourceSignal:
    """One generator's view of a recommended item."""

    generator: str
    """The generator's key in the fusion (e.g. 'cooccurrence', 'content')."""
    score: float
    rank: int | None
    """1-based rank among the items it scores for the user (history left out); None: no signal."""
    proposed: bool
    """Whether it put the item into the user's candidate set."""


@dataclass(frozen=True)
class Explanation:
    """A recommended item, the reason shown to the shopper, and the signals behind it."""

    item: int
    item_id: str
    reason: str
    because: int | None
    """The history item the reason names (item index), if any."""
    because_id: str | None
    source: str | None
    """The generator the reason comes from."""
    signals: tuple[SourceSignal, ...]


#: Reason templates per retriever model; `{title}` is the history item's title.
_TEMPLATES = {
    "content": "similar to {title}, which you viewed",
    "bridge": "new arrival, like items often bought with {title}, which you viewed",
}
_DEFAULT_TEMPLATE = "because you viewed {title}"


class Explainer:
    """Explains a fitted `FusionRetriever`'s recommendations over its catalogue."""

    def __init__(self, fusion: FusionRetriever, items: pl.DataFrame) -> None:
        if items.height != fusion.n_items:
            raise ValueError(
                f"items table has {items.height} rows, the recommender {fusion.n_items} items"
            )
        self.fusion = fusion
        self.item_ids: list[str] = items["item_id"].to_list()
        self.titles: list[str] = [
            t or i for t, i in zip(items["title"], self.item_ids, strict=True)
        ]

    def explain(
        self,
        user: UserContext,
        items: Sequence[int] | np.ndarray,
        generator_scores: Mapping[str, np.ndarray] | None = None,
    ) -> list[Explanation]:
        """An `Explanation` for each of `items` (indices) recommended to `user`.

        `generator_scores` are the user's dense scores per generator key, as
        `FusionRetriever.score_with_generators` returns them for a batch of this one user;
        given, they are not computed again.
        """
        items = np.asarray(items, dtype=np.int64)
        specs = self.fusion.config.generators
        if generator_scores is None:
            generator_scores = score_generators(self.fusion.generators, specs, [user])
        dense = {key: np.asarray(scores).reshape(-1) for key, scores in generator_scores.items()}
        ranks = {key: _ranks(scores, user.history, items) for key, scores in dense.items()}
        recent = _recent_distinct(user.history, REASON_DEPTH)
        contributions = _Contributions(self.fusion, recent, items)
        explanations = []
        for column, item in enumerate(items.tolist()):
            signals = tuple(
                SourceSignal(
                    generator=spec.key,
                    score=float(dense[spec.key][item]),
                    rank=None if dense[spec.key][item] == 0 else int(ranks[spec.key][column]) + 1,
                    proposed=dense[spec.key][item] != 0
                    and ranks[spec.key][column]
                    < (spec.depth if spec.depth is not None else self.fusion.config.depth),
                )
                for spec in specs
            )
            explanations.append(self._explain_one(item, column, user, signals, contributions))
        return explanations

    def _explain_one(
        self,
        item: int,
        column: int,
        user: UserContext,
        signals: tuple[SourceSignal, ...],
        contributions: _Contributions,
    ) -> Explanation:
        models = {spec.key: spec.model for spec in self.fusion.config.generators}
        backers = sorted((s for s in signals if s.proposed), key=lambda s: s.rank or 0)
        backers += sorted(
            (s for s in signals if not s.proposed and s.rank), key=lambda s: s.rank or 0
        )
        recent = contributions.recent
        for signal in backers:
            if not len(recent):
                break
            scores = contributions.of(signal.generator)[:, column]
            # A generator whose score does not depend on which history item it reads (such
            # as popularity) cannot name one.
            if scores.max() <= 0 or np.ptp(scores) == 0:
                continue
            because = int(recent[int(np.argmax(scores))])
            template = _TEMPLATES.get(models[signal.generator], _DEFAULT_TEMPLATE)
            return self._made(
                item,
                template.format(title=self.titles[because]),
                because,
                signal.generator,
                signals,
            )
        text_match = self._most_similar(item, recent)
        if text_match is not None:
            reason = _TEMPLATES["content"].format(title=self.titles[text_match])
            return self._made(item, reason, text_match, None, signals)
        if user.text and user.text.strip():
            reason = f'matches your interest in "{user.text.strip()}"'
            return self._made(
                item, reason, None, backers[0].generator if backers else None, signals
            )
        return self._made(item, "popular with other shoppers", None, None, signals)

    def _most_similar(self, item: int, recent: np.ndarray) -> int | None:
        vectors = self.fusion.features.item_vectors
        if vectors is None or len(recent) == 0 or not vectors[item].any():
            return None
        similarities = vectors[recent] @ vectors[item]
        return int(recent[int(np.argmax(similarities))]) if similarities.max() > 0 else None

    def _made(
        self,
        item: int,
        reason: str,
        because: int | None,
        source: str | None,
        signals: tuple[SourceSignal, ...],
    ) -> Explanation:
        return Explanation(
            item=item,
            item_id=self.item_ids[item],
            reason=reason,
            because=because,
            because_id=None if because is None else self.item_ids[because],
            source=source,
            signals=signals,
        )


class _Contributions:
    """The score each of the `recent` history items alone gives each explained item, per
    generator key, computed the first time a generator's are asked for: most items are
    explained by their first backer, so the other generators are never scored one item at a
    time. A one-item history is the same under every history window, so generators sharing a
    fitted model share the result."""

    def __init__(self, fusion: FusionRetriever, recent: np.ndarray, items: np.ndarray) -> None:
        self.recent = recent
        self._items = items
        self._fusion = fusion
        self._models = {spec.key: model_key_name(spec) for spec in fusion.config.generators}
        self._by_model: dict[str, np.ndarray] = {}

    def of(self, key: str) -> np.ndarray:
        """Shape (len(recent), len(items)): row h is what history item `recent[h]` alone gives."""
        name = self._models[key]
        if name not in self._by_model:
            generator = self._fusion.generators[name]
            self._by_model[name] = generator.score_alone(self.recent, self._items)
        return self._by_model[name]


def _ranks(scores: np.ndarray, history: np.ndarray, items: np.ndarray) -> np.ndarray:
    """0-based rank of each of `items` among the items with a signal, history left out, ties
    by lower index: the positions a stable descending sort would give them, counted from one
    sorted copy of the scores instead of ordering the catalogue's indices."""
    ranked = np.where(scores != 0, scores, -np.inf)
    ranked[np.asarray(history, dtype=np.int64)] = -np.inf
    values = ranked[items]
    ascending = np.sort(ranked)
    above = len(ranked) - np.searchsorted(ascending, values, side="right")
    equal = len(ranked) - above - np.searchsorted(ascending, values, side="left")
    # Among equal scores the lower index ranks first; most items share their score with none.
    for row in np.flatnonzero(equal > 1).tolist():
        above[row] += np.count_nonzero(ranked[: items[row]] == values[row])
    return above


def _recent_distinct(history: np.ndarray, limit: int) -> np.ndarray:
    """The latest `limit` distinct history items, latest first."""
    latest_first = np.asarray(history, dtype=np.int64)[::-1]
    _, first = np.unique(latest_first, return_index=True)
    return latest_first[np.sort(first)][:limit]
