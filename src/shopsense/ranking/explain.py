"""Why an item was recommended: its source signals and a reason naming a history item.

For each recommended item every generator of the fusion reports its score and its rank for the
user, and whether it proposed the item. The reason comes from the best-ranked proposer that
reads the history: the history item that on its own gives the recommended item the highest
score from that generator — for co-occurrence the item it was most often bought with, for text
the most similar one — "because you viewed X". Items no history-reading generator backs are
"similar to X" by text where item vectors exist, else popular or matched to the user's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from shopsense.ranking.candidates import score_generators
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
_TEMPLATES = {"content": "similar to {title}, which you viewed"}
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

    def explain(self, user: UserContext, items: Sequence[int] | np.ndarray) -> list[Explanation]:
        """An `Explanation` for each of `items` (indices) recommended to `user`."""
        items = np.asarray(items, dtype=np.int64)
        specs = self.fusion.config.generators
        dense = {
            k: v[0] for k, v in score_generators(self.fusion.generators, specs, [user]).items()
        }
        ranks = {key: _ranks(scores, user.history) for key, scores in dense.items()}
        recent = _recent_distinct(user.history, REASON_DEPTH)
        single = (
            score_generators(self.fusion.generators, specs, [UserContext.of([h]) for h in recent])
            if len(recent)
            else {}
        )
        explanations = []
        for item in items.tolist():
            signals = tuple(
                SourceSignal(
                    generator=spec.key,
                    score=float(dense[spec.key][item]),
                    rank=None if dense[spec.key][item] == 0 else int(ranks[spec.key][item]) + 1,
                    proposed=dense[spec.key][item] != 0
                    and ranks[spec.key][item]
                    < (spec.depth if spec.depth is not None else self.fusion.config.depth),
                )
                for spec in specs
            )
            explanations.append(self._explain_one(item, user, signals, recent, single))
        return explanations

    def _explain_one(
        self,
        item: int,
        user: UserContext,
        signals: tuple[SourceSignal, ...],
        recent: np.ndarray,
        single: dict[str, np.ndarray],
    ) -> Explanation:
        models = {spec.key: spec.model for spec in self.fusion.config.generators}
        backers = sorted((s for s in signals if s.proposed), key=lambda s: s.rank or 0)
        backers += sorted(
            (s for s in signals if not s.proposed and s.rank), key=lambda s: s.rank or 0
        )
        for signal in backers:
            if signal.generator not in single:
                continue
            contributions = single[signal.generator][:, item]
            # A generator whose score does not depend on which history item it reads (such
            # as popularity) cannot name one.
            if contributions.max() <= 0 or np.ptp(contributions) == 0:
                continue
            because = int(recent[int(np.argmax(contributions))])
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


def _ranks(scores: np.ndarray, history: np.ndarray) -> np.ndarray:
    """0-based rank of every item among the items with a signal, history left out."""
    ranked = np.where(scores != 0, scores, -np.inf)
    ranked[np.asarray(history, dtype=np.int64)] = -np.inf
    order = np.argsort(-ranked, kind="stable")
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(len(scores))
    return ranks


def _recent_distinct(history: np.ndarray, limit: int) -> np.ndarray:
    """The latest `limit` distinct history items, latest first."""
    latest_first = np.asarray(history, dtype=np.int64)[::-1]
    _, first = np.unique(latest_first, return_index=True)
    return latest_first[np.sort(first)][:limit]
