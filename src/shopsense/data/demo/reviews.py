"""Reviews of the demo shop: a star rating from item quality and shopper taste, and a text
whose sentiment agrees with it.

The rating is an ordinal cut of a latent satisfaction (item quality + brand affinity - price
regret + noise), with cut points giving the J-shaped spread of real shop ratings (mostly 5
stars, a bump at 1). The text opens with a line for its star count and then praises the item's
best aspect (4-5 stars), complains about its worst (1-2 stars), or does one of each (3 stars).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopsense.data.demo.catalogue import Catalogue
from shopsense.data.demo.shoppers import PURCHASE, Activity, Tastes

#: Latent satisfaction below each cut point gets 1, 2, 3, 4 stars; above the last, 5.
CUT_POINTS = np.array([0.0, 0.3, 0.7, 1.3])

_DAY = 86_400.0


@dataclass(frozen=True)
class Reviews:
    """One row per review."""

    user: np.ndarray
    item: np.ndarray
    rating: np.ndarray
    text: list[str]
    seconds: np.ndarray


def write_reviews(
    activity: Activity,
    catalogue: Catalogue,
    tastes: Tastes,
    share: float,
    rng: np.random.Generator,
) -> Reviews:
    """Reviews for a random `share` of purchases, written days after the purchase."""
    bought = np.flatnonzero(activity.kind == PURCHASE)
    bought = bought[rng.random(len(bought)) < share]
    users, items = activity.user[bought], activity.item[bought]
    satisfaction = (
        0.9 * catalogue.quality[items]
        + 0.5 * tastes.brand_affinity[users, catalogue.item_brand[items]]
        - 0.3 * tastes.price_sensitivity[users] * np.clip(catalogue.price_level[items], 0, None)
        + rng.normal(0.0, 0.8, size=len(items))
    )
    ratings = 1 + np.searchsorted(CUT_POINTS, satisfaction)
    texts = [
        review_text(int(r), int(i), catalogue, rng) for r, i in zip(ratings, items, strict=True)
    ]
    seconds = activity.seconds[bought] + rng.uniform(2.0, 21.0, size=len(bought)) * _DAY
    return Reviews(users, items, ratings.astype(np.float64), texts, seconds)


def review_text(rating: int, item: int, catalogue: Catalogue, rng: np.random.Generator) -> str:
    """A review of `item` whose every sentence agrees with `rating` (3 stars: one pro, one con)."""
    kind = catalogue.types[catalogue.item_type[item]]
    phrases = catalogue.language.phrases
    pool = [a for a in dict.fromkeys(kind.aspects + phrases.general_aspects)]
    strength, flaw = catalogue.strength[item], catalogue.flaw[item]

    def say(aspect: str, positive: bool) -> str:
        said = phrases.aspects[aspect][0 if positive else 1]
        return said[rng.integers(len(said))]

    def another(than: str) -> str:
        rest = [a for a in pool if a != than]
        return rest[rng.integers(len(rest))]

    openers = phrases.openers[rating]
    sentences = [openers[rng.integers(len(openers))].format(noun=kind.sentence_noun)]
    if rating >= 4:
        sentences.append(say(strength, True))
        if rng.random() < 0.5:
            sentences.append(say(another(strength), True))
        if rating == 4 and rng.random() < 0.4:
            sentences.append(phrases.mild_notes[rng.integers(len(phrases.mild_notes))])
    elif rating == 3:
        sentences += [say(strength, True), say(flaw, False)]
    else:
        sentences.append(say(flaw, False))
        if rng.random() < 0.5:
            sentences.append(say(another(flaw), False))
    closers = phrases.closers.get(rating)
    if closers and rng.random() < 0.5:
        sentences.append(closers[rng.integers(len(closers))])
    return phrases.separator.join(sentences)
