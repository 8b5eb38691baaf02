"""Request-time recommendations over one loaded bundle, each with its sources and a reason.

The bundle's models form a cascade in manifest order: the first model that has a signal for an
item (a non-zero score) ranks it; items it has no signal for are left to the next model, and so
on down to the popularity fallback, until `k` items are picked. An item lists the model that
picked it and every other model consulted for the request that also has it among its top
candidates. A reason names the history entry that raised the item's score
the most ("because you viewed X"), found by scoring the latest history entries one at a time.

Known shoppers' lists can be computed ahead, when the bundle is trained (`precomputed.py`) and
again after their events (`refresh.py`): a request is answered from that list while the
shopper's history is exactly the one it was computed from, and scored live otherwise. The list
of a visitor with neither history nor sentence is the same for everyone and is kept once made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from shopsense.bundle import Bundle
from shopsense.retrieval.base import Retriever, UserContext, top_k
from shopsense.serving.state import UserEvent

if TYPE_CHECKING:
    from shopsense.ranking.explain import Explainer, Explanation

#: How many of each model's top items count as "backed by" that model.
SUPPORT_DEPTH = 100
#: Latest distinct history entries considered when explaining an item.
REASON_DEPTH = 5
_VERBS = {
    "view": "viewed",
    "click": "clicked",
    "cart": "added to your cart",
    "purchase": "bought",
    "rating": "rated",
}


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
        bundle: Bundle,
        precomputed: Mapping[str, Precomputed] | None = None,
        precomputed_k: int | None = None,
    ) -> None:
        """`precomputed` lists (of `precomputed_k` items) answer requests for that many items
        by shoppers whose history is unchanged."""
        self.bundle = bundle
        self.precomputed = dict(precomputed or {})
        self.precomputed_k = precomputed_k
        self._anonymous: dict[int, tuple[Scored, ...]] = {}
        self.models: list[tuple[str, Retriever]] = list(bundle.models.items())
        items = bundle.items
        self.item_ids: list[str] = items["item_id"].to_list()
        self.item_index: dict[str, int] = {item: i for i, item in enumerate(self.item_ids)}
        self.titles: list[str] = [title or "" for title in items["title"].to_list()]
        self.n_items = len(self.item_ids)
        self._explainers = {
            name: explainer
            for name, model in self.models
            if (explainer := _explainer(model, items)) is not None
        }

    # ---- shoppers ----------------------------------------------------------------------------
    def history(self, events: Sequence[UserEvent]) -> History:
        """A shopper's events on catalogue items as indices (events on unknown items skipped)."""
        known = [event for event in events if event.item in self.item_index]
        return History(
            np.fromiter((self.item_index[e.item] for e in known), dtype=np.int64, count=len(known)),
            np.array([e.kind for e in known], dtype=object),
            np.fromiter((e.timestamp for e in known), dtype=np.float64, count=len(known)),
        )

    def forget(self, user: str) -> None:
        """Drop what was computed ahead for a shopper (who is being erased)."""
        self.precomputed.pop(user, None)

    def remember(self, user: str, history: History, picks: Sequence[Scored]) -> None:
        """Keep `picks`, scored from `history` (of `precomputed_k` items), for the shopper."""
        self.precomputed[user] = Precomputed(history.digest(None), tuple(picks))

    # ---- recommendations ---------------------------------------------------------------------
    def recommend(
        self, history: History, k: int, user: str | None = None, text: str | None = None
    ) -> list[Scored]:
        """Top-`k` items for a shopper, history excluded, scored now."""
        picks = self.recommend_many([history], k, [user], [text])[0]
        if not len(history) and not text:
            self._anonymous[k] = tuple(picks)
        return picks

    def ahead(
        self, history: History, k: int, user: str, text: str | None = None
    ) -> list[Scored] | None:
        """The shopper's top-`k` computed ahead, if there is a list of `k` for exactly this
        history and sentence (what `recommend` would give); None: score it now."""
        if not len(history) and not text and k in self._anonymous:
            return list(self._anonymous[k])
        ahead = self.precomputed.get(user)
        if ahead is None or k != self.precomputed_k or ahead.digest != history.digest(text):
            return None
        return list(ahead.picks)

    def recommend_many(
        self,
        histories: Sequence[History],
        k: int,
        users: Sequence[str | None],
        texts: Sequence[str | None],
    ) -> list[list[Scored]]:
        """`recommend` for a batch of shoppers, always scored (one product per model)."""
        contexts = [
            UserContext(
                history=history.items,
                user_id=user,
                timestamps=history.timestamps if len(history) else None,
                text=text,
            )
            for history, user, text in zip(histories, users, texts, strict=True)
        ]
        return self._cascade(
            contexts,
            k,
            [history.items for history in histories],
            list(histories),
            [_personal(text) for text in texts],
        )

    def similar(self, item: int, k: int) -> list[Scored]:
        """Top-`k` items related to one item (the item itself excluded)."""
        anchor = History(
            np.array([item], dtype=np.int64), np.array(["similar"], dtype=object), np.zeros(1)
        )
        context = UserContext.of([item])
        return self._cascade(
            [context], k, [anchor.items], [anchor], [f"similar to {self._name(item)}"]
        )[0]

    def _cascade(
        self,
        contexts: Sequence[UserContext],
        k: int,
        excludes: Sequence[np.ndarray],
        histories: Sequence[History],
        personal_reasons: Sequence[str],
    ) -> list[list[Scored]]:
        """Each shopper's picks: every model scores the shoppers still short of `k` at once."""
        n = len(contexts)
        taken = np.zeros((n, self.n_items), dtype=bool)
        for row, exclude in enumerate(excludes):
            taken[row, exclude] = True
        excluded = taken.copy()
        picked: list[list[tuple[int, str, float]]] = [[] for _ in range(n)]
        support: list[dict[str, set[int]]] = [{} for _ in range(n)]
        raws: list[dict[str, np.ndarray]] = [{} for _ in range(n)]
        inner: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in range(n)]
        for name, model in self.models:
            # Models further down would only back items already picked: not worth their time.
            rows = [row for row in range(n) if len(picked[row]) < k]
            if not rows:
                break
            batch = [contexts[row] for row in rows]
            explainer = self._explainers.get(name)
            generators: dict[str, np.ndarray] = {}
            if explainer is not None:
                # The generator scores behind a fused score are what its explanation reads.
                raw_rows, generators = explainer.fusion.score_with_generators(batch)
            else:
                raw_rows = model.score(batch)
            score_rows = model.tie_broken(raw_rows)
            for position, row in enumerate(rows):
                raw = raws[row][name] = raw_rows[position]
                if generators:
                    inner[row][name] = {
                        key: values[position : position + 1] for key, values in generators.items()
                    }
                has_signal = (raw != 0) & np.isfinite(raw)
                backed = np.where(has_signal & ~excluded[row], score_rows[position], -np.inf)
                if len(self.models) > 1:
                    # Only other models' picks list this one as a further source.
                    top = top_k(backed, SUPPORT_DEPTH)
                    support[row][name] = set(top[np.isfinite(backed[top])].tolist())
                candidates = np.where(taken[row], -np.inf, backed)
                chosen = top_k(candidates, k - len(picked[row]))
                chosen = chosen[np.isfinite(candidates[chosen])]
                taken[row, chosen] = True
                picked[row].extend((int(i), name, float(raw[i])) for i in chosen)
        return [
            self._explained_picks(
                contexts[row],
                raws[row],
                inner[row],
                histories[row],
                picked[row],
                support[row],
                personal_reasons[row],
            )
            for row in range(n)
        ]

    def _explained_picks(
        self,
        context: UserContext,
        raws: dict[str, np.ndarray],
        inner: dict[str, dict[str, np.ndarray]],
        history: History,
        picked: list[tuple[int, str, float]],
        support: dict[str, set[int]],
        personal_reason: str,
    ) -> list[Scored]:
        reasons = self._reasons(context, raws, inner, history, picked, personal_reason)
        return [
            Scored(
                item=item,
                score=score,
                sources=(
                    name,
                    *reasons[position][2],
                    *(o for o in support if o != name and item in support[o]),
                ),
                reason=reasons[position][0],
                because=reasons[position][1],
            )
            for position, (item, name, score) in enumerate(picked)
        ]

    def _reasons(
        self,
        context: UserContext,
        raws: dict[str, np.ndarray],
        inner: dict[str, dict[str, np.ndarray]],
        history: History,
        picked: list[tuple[int, str, float]],
        personal_reason: str,
    ) -> list[tuple[str, int | None, tuple[str, ...]]]:
        """Per picked item: the reason, the history item it refers to (if any) and the signals
        inside the model that produced it (the generators of a fused model, whose scores for
        this request are in `inner`)."""
        # Latest distinct history positions, newest first.
        positions: list[int] = []
        seen: set[int] = set()
        for position in range(len(history) - 1, -1, -1):
            item = int(history.items[position])
            if item not in seen:
                seen.add(item)
                positions.append(position)
            if len(positions) == REASON_DEPTH:
                break
        reasons: list[tuple[str, int | None, tuple[str, ...]]] = [("", None, ())] * len(picked)
        models = dict(self.models)
        contexts = [UserContext()] + [UserContext.of([history.items[p]]) for p in positions]
        for name in {name for _, name, _ in picked}:
            rows = [i for i, (_, source, _) in enumerate(picked) if source == name]
            items = np.array([picked[i][0] for i in rows], dtype=np.int64)
            explainer = self._explainers.get(name)
            if explainer is not None:
                explanations = explainer.explain(context, items, inner.get(name))
                for row, explanation in zip(rows, explanations, strict=True):
                    reasons[row] = self._explained(explanation, history)
                continue
            scores = models[name].score_items(contexts, items)
            baseline, single = scores[0], scores[1:]
            for column, row in enumerate(rows):
                if len(positions) and single[:, column].max() > baseline[column]:
                    best = positions[int(np.argmax(single[:, column]))]
                    because = int(history.items[best])
                    text = self._history_reason(because, history.kinds[best])
                    reasons[row] = (text, because, ())
                elif np.isclose(raws[name][items[column]], baseline[column]):
                    # The model scores it the same for anyone: not a personal pick.
                    reasons[row] = ("popular in the shop", None, ())
                else:
                    reasons[row] = (personal_reason, None, ())
        return reasons

    def _explained(
        self, explanation: Explanation, history: History
    ) -> tuple[str, int | None, tuple[str, ...]]:
        """A fused model's own explanation, worded like the others' where it names an item."""
        proposers = tuple(
            signal.generator
            for signal in sorted(explanation.signals, key=lambda s: s.rank or 0)
            if signal.proposed
        )
        because = explanation.because
        if because is None:
            return explanation.reason, None, proposers
        kinds = history.kinds[history.items == because]
        return self._history_reason(because, kinds[-1] if len(kinds) else None), because, proposers

    def _history_reason(self, item: int, kind: object) -> str:
        """'because you bought X' for a history event of that kind; 'similar to X' otherwise
        (the item of a similar-items request)."""
        verb = _VERBS.get(str(kind))
        name = self._name(item)
        return f"because you {verb} {name}" if verb else f"similar to {name}"

    def _name(self, item: int) -> str:
        title = self.titles[item] or self.item_ids[item]
        return f"“{title}”"


def _explainer(model: Retriever, items: pl.DataFrame) -> Explainer | None:
    """The ranking layer's explainer for a fused model (it knows which generators proposed an
    item and which history item drove it); None for the other models."""
    if type(model).__module__ != "shopsense.ranking.fusion":
        # Checked by module so that bundles without a fused model never import LightGBM.
        return None
    from shopsense.ranking.explain import Explainer

    return Explainer(model, items)


def _personal(text: str | None) -> str:
    return "matches the interests you described" if text else "based on your recent activity"
