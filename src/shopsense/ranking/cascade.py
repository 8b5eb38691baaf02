"""The explained cascade: several scorers in order, each item ranked by the first with a signal.

`Cascade` is the one cascade of the package. The fused recommender uses it as its fallback order
below its candidates (its generators in config order), and `Recommender` uses it over a bundle's
models in manifest order: the first model that has a signal for an item (a non-zero score)
ranks it; items it has no signal for are left to the next model, and so on, until `k` items are
picked. An item lists the model that picked it, the generators inside that model that proposed
it, and every other model consulted for the request that also has it among its top candidates.
Its reason is the model's own `explain` (`shopsense.retrieval.explanation`), worded by
`shopsense.ranking.explain.describe`.

The page is then picked by the re-ranking stage (`shopsense.ranking.rerank.Reranker`, set by a
`RerankConfig`): the cascade ranks a pool of `pool_factor * k` items and the re-ranker applies
the business rules, same-title de-duplication, the per-brand cap, MMR diversity and exploration
to it, so that dropped items are refilled from further down; only the page is explained. The
promotion blend (`promote`) weighs in the items' business value under a cap on promoted items.
The default only de-duplicates titles: a list without repeated titles and without promoted
items is the cascade's top `k`.
A request may also name the items it allows (`allowed`, e.g. those whose reviews meet a floor,
`review_allowed`): no other item is ever returned, and the page is filled from further down.

Known shoppers' lists can be computed ahead, when the bundle is trained (`precomputed.py`) and
again after their events (the server's refresher): a request is answered from that list while the
shopper's history is exactly the one it was computed from, and scored live otherwise. The list
of a visitor with neither history nor sentence is the same for everyone and is kept once made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from shopsense.data.language import dominant_language
from shopsense.data.shoppers import UserEvent
from shopsense.ranking.explain import describe
from shopsense.ranking.rerank import RerankConfig, Reranker
from shopsense.retrieval.base import Evidence, Retriever, UserContext, top_k
from shopsense.retrieval.capabilities import find_text_reader
from shopsense.retrieval.explanation import Explanation

#: How many of each model's top items count as "backed by" that model.
SUPPORT_DEPTH = 100


class Cascade:
    """Several layers (scorers in priority order) merged per user and item: each item is ranked
    by the first layer with a signal for it (a non-zero, finite score), every item of an earlier
    layer above every item of a later one, in the layer's own order within it.

    Layers can be added one at a time for some of the rows, so that a caller stops scoring the
    rows that already have enough items (`ranked`).
    """

    def __init__(self, n_layers: int, n_rows: int, n_items: int) -> None:
        self.n_layers = n_layers
        self.layer = np.full((n_rows, n_items), -1, dtype=np.int16)
        """The layer that ranks each item (-1: none has a signal)."""
        self.order = np.zeros((n_rows, n_items))
        """That layer's ordering score."""

    def add(
        self,
        layer: int,
        signal: np.ndarray,
        order: np.ndarray | None = None,
        rows: np.ndarray | slice = slice(None),
    ) -> None:
        """Layer `layer`'s scores for `rows` (default all): `signal` says where it has one;
        `order` (default `signal`) orders its items."""
        order = signal if order is None else order
        layers = self.layer[rows]
        fresh = (layers < 0) & (signal != 0) & np.isfinite(signal)
        layers[fresh] = layer
        orders = self.order[rows]
        orders[fresh] = np.asarray(order, dtype=np.float64)[fresh]
        self.layer[rows] = layers
        self.order[rows] = orders

    def complete(self) -> bool:
        """Whether every item of every row has a layer (later layers can add nothing)."""
        return bool((self.layer >= 0).all())

    def ranked(self, rows: np.ndarray, excluded: np.ndarray) -> np.ndarray:
        """How many items with a signal outside `excluded` (a mask) each of `rows` has."""
        return ((self.layer[rows] >= 0) & ~excluded).sum(axis=1)

    def top(self, row: int, k: int, excluded: np.ndarray) -> list[tuple[int, int]]:
        """The first `k` (item, layer) pairs of a row in cascade order, `excluded` left out."""
        picked: list[tuple[int, int]] = []
        for layer in range(self.n_layers):
            if len(picked) >= k:
                break
            mine = (self.layer[row] == layer) & ~excluded
            if not mine.any():
                continue
            candidates = np.where(mine, self.order[row], -np.inf)
            chosen = top_k(candidates, min(k - len(picked), int(mine.sum())))
            picked.extend((int(item), layer) for item in chosen)
        return picked

    def scores(self) -> np.ndarray:
        """One dense score in [0, 1) per row and item in cascade order: one band per layer from
        the top down, each layer's order squashed into its band; 0 where no layer has a
        signal. (Bounded, so that a caller can rank other items above all of them.)"""
        return np.where(self.layer >= 0, self.merged(self.layer, self.order), 0.0)

    def merged(self, layers: np.ndarray, orders: np.ndarray) -> np.ndarray:
        """The one score of items ranked by `layers` (>= 0) with those layers' `orders`."""
        within = 0.5 + 0.5 * _squash(np.asarray(orders, dtype=np.float64))  # in (0, 1)
        return (self.n_layers - 1 - np.asarray(layers, dtype=np.float64) + within) / self.n_layers


def _squash(scores: np.ndarray) -> np.ndarray:
    """An order-keeping map of any real scores into (-1, 1)."""
    return scores / (1.0 + np.abs(scores))


@dataclass(frozen=True)
class History:
    """A shopper's events mapped onto the bundle's catalogue, oldest first."""

    items: np.ndarray
    kinds: np.ndarray
    timestamps: np.ndarray
    """Seconds since the epoch; NaN where unknown."""

    def __len__(self) -> int:
        return len(self.items)

    def digest(self, text: str | None) -> str:
        """A fingerprint of everything a recommendation reads from the shopper: the history's
        items, kinds and times, and their sentence."""
        content = hashlib.blake2b(digest_size=16)
        content.update(self.items.tobytes())
        content.update(np.asarray(self.timestamps, dtype=np.float64).tobytes())
        content.update("\x1f".join(map(str, self.kinds.tolist())).encode())
        content.update(b"\x1e" + (text or "").encode())
        return content.hexdigest()


@dataclass(frozen=True)
class Scored:
    """One recommended item index with its sources and reason."""

    item: int
    score: float
    sources: tuple[str, ...]
    reason: str
    because: int | None


@dataclass(frozen=True)
class Precomputed:
    """A shopper's list computed ahead, valid while their history has this digest."""

    digest: str
    picks: tuple[Scored, ...]


class Recommender:
    """The bundle's models as one explained cascade."""

    def __init__(
        self,
        models: Mapping[str, Retriever],
        items: pl.DataFrame,
        precomputed: Mapping[str, Precomputed] | None = None,
        precomputed_k: int | None = None,
        rerank: RerankConfig | None = None,
        language: str | None = None,
    ) -> None:
        """`models` in cascade order over the catalogue `items` (row order = item index).
        `precomputed` lists (of `precomputed_k` items) answer requests for that many items
        by shoppers whose history is unchanged and were re-ranked under the same `rerank`
        settings (default `RerankConfig()`). Reasons are worded in the shop's `language`
        (`Dataset.language`; None: the language most titles are written in)."""
        self.precomputed = dict(precomputed or {})
        self.precomputed_k = precomputed_k
        self._anonymous: dict[int, tuple[Scored, ...]] = {}
        self.models: list[tuple[str, Retriever]] = list(models.items())
        self.item_ids: list[str] = items["item_id"].to_list()
        self.item_index: dict[str, int] = {item: i for i, item in enumerate(self.item_ids)}
        self.titles: list[str] = [title or "" for title in items["title"].to_list()]
        self.language = language or dominant_language(self.titles[:5000])
        self.n_items = len(self.item_ids)
        rerank = rerank or RerankConfig()
        reader = find_text_reader(list(models.values())) if rerank.diversity > 0 else None
        vectors = reader.item_vectors if reader is not None else None
        self.reranker = Reranker(
            rerank, items, vectors if vectors is not None and len(vectors) == self.n_items else None
        )

    # ---- shoppers ----------------------------------------------------------------------------
    def history(self, events: Sequence[UserEvent]) -> History:
        """A shopper's events on catalogue items as indices (events on unknown items skipped)."""
        known = [event for event in events if event.item in self.item_index]
        return History(
            np.fromiter((self.item_index[e.item] for e in known), dtype=np.int64, count=len(known)),
            np.array([e.kind for e in known], dtype=object),
            np.fromiter((e.timestamp for e in known), dtype=np.float64, count=len(known)),
        )

    def promote(self, values: np.ndarray) -> None:
        """Blend this business value per item (> 0: promoted; `RerankConfig.promotion`) into
        the lists from now on; lists computed ahead under other values are scored live."""
        self.reranker.promote(values)
        self._anonymous.clear()

    def forget(self, user: str) -> None:
        """Drop what was computed ahead for a shopper (who is being erased)."""
        self.precomputed.pop(user, None)

    def remember(self, user: str, history: History, picks: Sequence[Scored]) -> None:
        """Keep `picks`, scored from `history` (of `precomputed_k` items), for the shopper."""
        self.precomputed[user] = Precomputed(self.digest(history, None), tuple(picks))

    def digest(self, history: History, text: str | None) -> str:
        """What a list computed ahead is valid for: the history and sentence, and the
        re-ranking settings where they change lists."""
        fingerprint = self.reranker.fingerprint()
        plain = history.digest(text)
        if not fingerprint:
            return plain
        return hashlib.blake2b(f"{plain}:{fingerprint}".encode(), digest_size=16).hexdigest()

    # ---- recommendations ---------------------------------------------------------------------
    def recommend(
        self,
        history: History,
        k: int,
        user: str | None = None,
        text: str | None = None,
        allowed: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> list[Scored]:
        """Top-`k` items for a shopper, history excluded, scored now; `allowed` (a mask over
        the items): only those may be returned; `values`: this shopper's business value per
        item (the promotions targeting them) instead of the shared ones (`promote`)."""
        picks = self.recommend_many([history], k, [user], [text], allowed, values)[0]
        shared = values is None and allowed is None
        if not len(history) and not text and not self._explores and shared:
            self._anonymous[k] = tuple(picks)
        return picks

    def ahead(
        self, history: History, k: int, user: str, text: str | None = None
    ) -> list[Scored] | None:
        """The shopper's top-`k` computed ahead, if there is a list of `k` for exactly this
        history and sentence (what `recommend` would give); None: score it now (always when
        re-ranking explores: every list is drawn afresh)."""
        if self._explores:
            return None
        if not len(history) and not text and k in self._anonymous:
            return list(self._anonymous[k])
        ahead = self.precomputed.get(user)
        if ahead is None or k != self.precomputed_k or ahead.digest != self.digest(history, text):
            return None
        return list(ahead.picks)

    @property
    def _explores(self) -> bool:
        return self.reranker.config.exploration > 0

    def recommend_many(
        self,
        histories: Sequence[History],
        k: int,
        users: Sequence[str | None],
        texts: Sequence[str | None],
        allowed: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> list[list[Scored]]:
        """`recommend` for a batch of shoppers, always scored (one product per model), only
        `allowed` items (a mask; None: all) returned, promoted by `values` (None: the shared
        business values)."""
        contexts = [
            UserContext(
                history=history.items,
                user_id=user,
                timestamps=history.timestamps if len(history) else None,
                text=text,
            )
            for history, user, text in zip(histories, users, texts, strict=True)
        ]
        return self._cascade(contexts, k, list(histories), allowed, values)

    def similar(self, item: int, k: int) -> list[Scored]:
        """Top-`k` items related to one item (the item itself excluded)."""
        anchor = History(
            np.array([item], dtype=np.int64), np.array(["similar"], dtype=object), np.zeros(1)
        )
        return self._cascade([UserContext.of([item])], k, [anchor])[0]

    def _cascade(
        self,
        contexts: Sequence[UserContext],
        k: int,
        histories: Sequence[History],
        allowed: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> list[list[Scored]]:
        """Each shopper's picks: every model scores the shoppers still short of a pool for
        `k` at once; the re-ranker picks each page of `k` from its pool (promoting by
        `values`, None: the shared business values)."""
        n = len(contexts)
        pool = self.reranker.pool_size(k, values)
        excluded = np.zeros((n, self.n_items), dtype=bool)
        if allowed is not None:
            if allowed.shape != (self.n_items,):
                raise ValueError(f"allowed must mask the {self.n_items} items, got {allowed.shape}")
            excluded |= ~allowed.astype(bool)[None, :]
        for row, history in enumerate(histories):
            excluded[row, history.items] = True
        cascade = Cascade(len(self.models), n, self.n_items)
        pending = np.arange(n)
        raws: list[dict[str, np.ndarray]] = [{} for _ in range(n)]
        evidence: list[dict[str, Evidence]] = [{} for _ in range(n)]
        support: list[dict[str, set[int]]] = [{} for _ in range(n)]
        # Further sources are the models a page of `k` needs, whatever more the pool consults.
        short = np.ones(n, dtype=bool)
        for layer, (name, model) in enumerate(self.models):
            # Models further down would only back items already picked: not worth their time.
            if not len(pending):
                break
            raw_rows, found = model.score_with_evidence([contexts[row] for row in pending])
            raw_rows = np.asarray(raw_rows)
            cascade.add(layer, raw_rows, model.tie_broken(raw_rows), rows=pending)
            for position, row in enumerate(pending.tolist()):
                raws[row][name] = raw_rows[position]
                evidence[row][name] = found[position]
                if len(self.models) > 1 and short[row]:
                    # Only other models' picks list this one as a further source.
                    support[row][name] = self._backed(raw_rows[position], excluded[row])
            ranked = cascade.ranked(pending, excluded[pending])
            short[pending] = ranked < k
            pending = pending[ranked < pool]
        picks = []
        for row in range(n):
            ranked = cascade.top(row, pool, excluded[row])
            if self.reranker.acts(values):
                ranked = self._reranked(cascade, row, ranked, k, histories[row], values)
            picked = [(item, self.models[layer][0]) for item, layer in ranked]
            picks.append(
                self._explained(
                    contexts[row], histories[row], picked, raws[row], evidence[row], support[row]
                )
            )
        return picks

    def _reranked(
        self,
        cascade: Cascade,
        row: int,
        ranked: list[tuple[int, int]],
        k: int,
        history: History,
        values: np.ndarray | None = None,
    ) -> list[tuple[int, int]]:
        """The page of `k` the re-ranker picks from a row's ranked pool of (item, layer)."""
        items = np.fromiter((item for item, _ in ranked), dtype=np.int64, count=len(ranked))
        layers = np.fromiter((layer for _, layer in ranked), dtype=np.int64, count=len(ranked))
        relevance = cascade.merged(layers, cascade.order[row, items])
        chosen = self.reranker.select(items, relevance, k, history.items, values=values)
        return [ranked[position] for position in chosen.tolist()]

    @staticmethod
    def _backed(raw: np.ndarray, excluded: np.ndarray) -> set[int]:
        """The items among a model's top `SUPPORT_DEPTH` for a shopper (with a signal)."""
        backed = np.where((raw != 0) & np.isfinite(raw) & ~excluded, raw, -np.inf)
        top = top_k(backed, SUPPORT_DEPTH)
        return set(top[np.isfinite(backed[top])].tolist())

    def _explained(
        self,
        context: UserContext,
        history: History,
        picked: list[tuple[int, str]],
        raws: dict[str, np.ndarray],
        evidence: dict[str, Evidence],
        support: dict[str, set[int]],
    ) -> list[Scored]:
        """The picks with their sources and reasons: each model explains its own picks."""
        models = dict(self.models)
        explanations: dict[int, Explanation] = {}
        for name in dict.fromkeys(name for _, name in picked):
            items = np.array([item for item, source in picked if source == name], dtype=np.int64)
            for explanation in models[name].explain(context, items, evidence[name]):
                explanations[explanation.item] = explanation
        return [
            Scored(
                item=item,
                score=float(raws[name][item]),
                sources=(
                    name,
                    *explanations[item].proposers(),
                    *(other for other in support if other != name and item in support[other]),
                ),
                reason=describe(
                    explanations[item],
                    self._name,
                    lambda i: _latest_kind(history, i),
                    self.language,
                ),
                because=explanations[item].because,
            )
            for item, name in picked
        ]

    def _name(self, item: int) -> str:
        title = self.titles[item] or self.item_ids[item]
        return f"“{title}”"


def _latest_kind(history: History, item: int) -> str | None:
    """The kind of the shopper's latest event on `item`; None for a similar-items anchor."""
    kinds = history.kinds[history.items == item]
    kind = str(kinds[-1]) if len(kinds) else None
    return None if kind == "similar" else kind
