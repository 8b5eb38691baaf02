"""Explanations of the fused recommender, and the one place explanations become sentences.

`explain_fused`: for each recommended item every generator of a fusion reports its score and its
rank for the user, and whether it proposed the item. The reason comes from the best-ranked
proposer that reads the history: the history item that on its own gives the recommended item
the highest score from that generator — for co-occurrence the item it was most often bought
with, for text the most similar one. Items no history-reading generator backs are "similar to
X" by text where item vectors exist, else the shopper's own words, else popular.

`describe`: every model's `Explanation` (see `shopsense.retrieval.explanation`) worded for the
shopper in the shop's language — "because you bought X", "similar to X, which you viewed",
"popular in the shop"; "因为您购买了X", "与您浏览过的X相似", "店内热销".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shopsense.ranking.candidates import GeneratorSpec, model_key_name, score_generators
from shopsense.retrieval.base import Retriever, UserContext
from shopsense.retrieval.explanation import Explanation, SourceSignal, recent_distinct


@dataclass(frozen=True)
class ReasonWords:
    """How reasons are worded in one language."""

    verbs: Mapping[str, str]
    """Each event kind as the templates want it: "viewed" ("because you viewed X"), "浏览"."""
    templates: Mapping[str, str]
    """Reasons naming a history item, per model the reason comes from; `{title}` is the
    history item's title, `{verb}` what the shopper did with it. "content" also words a
    reason by text similarity."""
    default: str
    """The reason naming a history item for every other model."""
    similar: str
    """The item of a similar-items request: `{title}` is the item asked about."""
    words: str
    activity: str
    popular: str


#: Reason wordings by language (ISO 639-1); a shop in another language reads English.
REASONS: dict[str, ReasonWords] = {
    "en": ReasonWords(
        verbs={
            "view": "viewed",
            "click": "clicked",
            "cart": "added to your cart",
            "purchase": "bought",
            "rating": "rated",
        },
        templates={
            "content": "similar to {title}, which you {verb}",
            "bridge": "new arrival, like items often bought with {title}, which you {verb}",
        },
        default="because you {verb} {title}",
        similar="similar to {title}",
        words="matches the interests you described",
        activity="based on your recent activity",
        popular="popular in the shop",
    ),
    "zh": ReasonWords(
        verbs={
            "view": "浏览",
            "click": "点击",
            "cart": "加购",
            "purchase": "购买",
            "rating": "评价",
        },
        templates={
            "content": "与您{verb}过的{title}相似",
            "bridge": "新品，与您{verb}过的{title}常被一起购买",
        },
        default="因为您{verb}了{title}",
        similar="与{title}相似",
        words="符合您描述的兴趣",
        activity="根据您最近的浏览",
        popular="店内热销",
    ),
}


def describe(
    explanation: Explanation,
    title: Callable[[int], str],
    event: Callable[[int], str | None],
    language: str = "en",
) -> str:
    """The sentence a shopper reads, in the shop's `language` (English where there is no
    wording for it). `title(i)` names item i; `event(i)` is the kind of the shopper's latest
    event on history item i, or None where the "history" is the item of a similar-items
    request."""
    words = REASONS.get(language, REASONS["en"])
    because = explanation.because
    if because is not None:
        verb = words.verbs.get(str(event(because)))
        if verb is None:
            return words.similar.format(title=title(because))
        if explanation.basis == "text":
            template = words.templates["content"]
        else:
            template = words.templates.get(explanation.source or "", words.default)
        return template.format(title=title(because), verb=verb)
    if explanation.basis == "words":
        return words.words
    if explanation.basis == "activity":
        return words.activity
    return words.popular


#: Items whose ranks are counted in one comparison with the catalogue (bounds its memory).
_RANKED_AT_ONCE = 32


def explain_fused(
    generators: Mapping[str, Retriever],
    specs: Sequence[GeneratorSpec],
    depth: int,
    item_vectors: np.ndarray | None,
    user: UserContext,
    items: Sequence[int] | np.ndarray,
    generator_scores: Mapping[str, np.ndarray] | None = None,
) -> list[Explanation]:
    """An `Explanation` for each of `items` (indices) recommended to `user` by a fusion of
    `generators` (fitted, by `model_key_name`) under `specs`, proposing `depth` items each by
    default. `generator_scores` are the user's dense scores per generator key, as the fusion's
    `score_with_generators` returns them; given, they are not computed again."""
    items = np.asarray(items, dtype=np.int64)
    if generator_scores is None:
        generator_scores = score_generators(generators, specs, [user])
    keys = [spec.key for spec in specs]
    # Generators x catalogue, then generators x explained items: every signal in a few calls.
    table = np.stack([np.asarray(generator_scores[key]).reshape(-1) for key in keys])
    scores = table[:, items]
    ranks = _ranks(table, user.history, items) + 1
    depths = np.array([depth if spec.depth is None else spec.depth for spec in specs])
    known = scores != 0
    proposed = known & (ranks <= depths[:, None])
    lists = (scores.T.tolist(), ranks.T.tolist(), known.T.tolist(), proposed.T.tolist())
    columns = zip(*lists, strict=True)
    recent = recent_distinct(user.history)
    contributions = _Contributions(generators, specs, recent, items)
    models = {spec.key: spec.model for spec in specs}
    explanations = []
    for column, (item, (score, rank, signal, chosen)) in enumerate(
        zip(items.tolist(), columns, strict=True)
    ):
        signals = tuple(
            SourceSignal(key, value, position if has else None, picked)
            for key, value, position, has, picked in zip(
                keys, score, rank, signal, chosen, strict=True
            )
        )
        basis, because, source = _reason(
            item, column, user, signals, contributions, item_vectors, models
        )
        explanations.append(Explanation(item, basis, because, source, signals))
    return explanations


def _reason(
    item: int,
    column: int,
    user: UserContext,
    signals: tuple[SourceSignal, ...],
    contributions: _Contributions,
    item_vectors: np.ndarray | None,
    models: Mapping[str, str],
) -> tuple[str, int | None, str | None]:
    """(basis, the history item named, the model the reason comes from) for one item."""
    backers = sorted((s for s in signals if s.proposed), key=lambda s: s.rank or 0)
    backers += sorted((s for s in signals if not s.proposed and s.rank), key=lambda s: s.rank or 0)
    recent = contributions.recent
    for signal in backers:
        if not len(recent):
            break
        scores = contributions.of(signal.generator)[:, column]
        # A generator whose score does not depend on which history item it reads (such
        # as popularity) cannot name one.
        if scores.max() <= 0 or np.ptp(scores) == 0:
            continue
        return "history", int(recent[int(np.argmax(scores))]), models[signal.generator]
    text_match = _most_similar(item_vectors, item, recent)
    if text_match is not None:
        return "text", text_match, None
    if user.text and user.text.strip():
        return "words", None, models[backers[0].generator] if backers else None
    return "popular", None, None


def _most_similar(vectors: np.ndarray | None, item: int, recent: np.ndarray) -> int | None:
    if vectors is None or len(recent) == 0 or not vectors[item].any():
        return None
    similarities = vectors[recent] @ vectors[item]
    return int(recent[int(np.argmax(similarities))]) if similarities.max() > 0 else None


class _Contributions:
    """The score each of the `recent` history items alone gives each explained item, per
    generator key, computed the first time a generator's are asked for: most items are
    explained by their first backer, so the other generators are never scored one item at a
    time. A one-item history is the same under every history window, so generators sharing a
    fitted model share the result."""

    def __init__(
        self,
        generators: Mapping[str, Retriever],
        specs: Sequence[GeneratorSpec],
        recent: np.ndarray,
        items: np.ndarray,
    ) -> None:
        self.recent = recent
        self._items = items
        self._generators = generators
        self._models = {spec.key: model_key_name(spec) for spec in specs}
        self._by_model: dict[str, np.ndarray] = {}

    def of(self, key: str) -> np.ndarray:
        """Shape (len(recent), len(items)): row h is what history item `recent[h]` alone gives."""
        name = self._models[key]
        if name not in self._by_model:
            generator = self._generators[name]
            self._by_model[name] = generator.score_alone(self.recent, self._items)
        return self._by_model[name]


def _ranks(scores: np.ndarray, history: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Per row of `scores` (one generator's scores of the catalogue each), the 0-based rank of
    each of `items` among the items with a signal, history left out, ties by lower index: the
    positions a stable descending sort would give them, counted by comparing the few items
    with the catalogue (every row at once) instead of sorting it."""
    ranked = np.where(scores != 0, scores, -np.inf)
    ranked[:, np.asarray(history, dtype=np.int64)] = -np.inf
    ranks = np.empty((len(ranked), len(items)), dtype=np.int64)
    for start in range(0, len(items), _RANKED_AT_ONCE):
        chunk = np.asarray(items[start : start + _RANKED_AT_ONCE], dtype=np.int64)
        values = ranked[:, chunk][:, :, None]
        above = (ranked[:, None, :] > values).sum(axis=2)
        equal = (ranked[:, None, :] >= values).sum(axis=2) - above
        # Among equal scores the lower index ranks first; most items share their score with none.
        for row, column in zip(*np.nonzero(equal > 1), strict=True):
            above[row, column] += np.count_nonzero(
                ranked[row, : chunk[column]] == values[row, column, 0]
            )
        ranks[:, start : start + len(chunk)] = above
    return ranks
