"""The languages the demo shop writes in: per language its vocabulary, its review phrases and the
few sentence patterns that compose titles, descriptions, prices, queries and reviews.

The shop's behaviour (which items exist, who looks at what, which ratings are given) is drawn
by the same code in every language, and every draw happens in the same order; only the words
differ. So an English and a Chinese shop of one seed are the same shop in two languages, and
the English shop stays exactly what it was before it had a Chinese twin. A language adds no
random draws except where its tables offer a choice (several ways to say "under 200 yuan"),
which the English tables never do.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from shopsense.data.demo import phrases, phrases_zh, vocabulary, vocabulary_zh
from shopsense.data.demo.vocabulary import Category, Feature, ProductType


@dataclass(frozen=True)
class Draft:
    """An item before it is written down: the parts its title and description are made of."""

    type_index: int
    brand: int
    price: float
    features: tuple[Feature, ...]
    options: dict[str, str]
    material: str | None
    audience: str | None


@dataclass(frozen=True)
class Phrases:
    """What reviews are written from: per review aspect its praise and its complaints, the
    first sentence per star rating, closing lines and mild reservations."""

    aspects: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    general_aspects: tuple[str, ...]
    """Aspects any product can be reviewed on, besides its type's own."""
    openers: Mapping[int, tuple[str, ...]]
    closers: Mapping[int, tuple[str, ...]]
    mild_notes: tuple[str, ...]
    separator: str
    """What goes between two sentences."""


@dataclass(frozen=True)
class DemoLanguage(ABC):
    """Everything the demo shop writes in one language."""

    code: str
    """ISO 639-1 code; the `Dataset.language` of the shop."""
    categories: tuple[Category, ...]
    audience_titles: Mapping[str, str]
    """Title form of each audience value."""
    phrases: Phrases
    queries: Mapping[str, tuple[str, ...]]
    """Query patterns per query shape (`queries.SHAPES`), formatted with `name`, `feature`,
    `colour`, `brand` and `ceiling`; one is drawn where a shape has several."""
    budget_steps: tuple[tuple[float, int], ...]
    """(below this price, round a budget up to a multiple of this), ascending, the last one
    below infinity."""
    colour: str
    """The option key (and attribute name) of colour."""
    attribute_names: Mapping[str, str]
    """Attribute names of the material, the audience and the features."""
    list_separator: str
    """Between the features listed in one attribute."""

    @abstractmethod
    def title(self, draft: Draft, kind: ProductType, brand: str) -> str:
        """The item's title: its brand, audience, first feature, noun and option values."""

    @abstractmethod
    def description(self, draft: Draft, kind: ProductType, brand: str) -> str:
        """One to three sentences naming every part of the item."""

    @abstractmethod
    def price(self, raw: float) -> float:
        """A shelf price near `raw`, ending the way prices end in this language's shops."""

    def attributes(self, draft: Draft) -> str:
        """The item's attributes as a JSON object: options, material, audience and features."""
        attributes = dict(draft.options)
        if draft.material:
            attributes[self.attribute_names["material"]] = draft.material
        if draft.audience:
            attributes[self.attribute_names["audience"]] = draft.audience
        features = self.list_separator.join(f.query for f in draft.features)
        attributes[self.attribute_names["features"]] = features
        return json.dumps(attributes, ensure_ascii=False)

    def budget(self, price: float) -> int:
        """The round figure a shopper would type as a budget just above `price`."""
        step = next(step for below, step in self.budget_steps if price < below)
        return int(price // step + 1) * step


@dataclass(frozen=True)
class English(DemoLanguage):
    """Titles like "Trailpeak Men's Cushioned Road Running Shoe, Red, Size 9"; prices in
    dollars ending in .99."""

    def title(self, draft: Draft, kind: ProductType, brand: str) -> str:
        parts = [brand]
        if draft.audience:
            parts.append(self.audience_titles[draft.audience])
        parts += [draft.features[0].title, kind.noun]
        capitalised = {key: value[:1].upper() + value[1:] for key, value in draft.options.items()}
        return " ".join(parts) + kind.title_suffix.format(**capitalised)

    def description(self, draft: Draft, kind: ProductType, brand: str) -> str:
        noun = kind.sentence_noun
        if draft.audience:
            audience = self.audience_titles[draft.audience].lower()
            noun = (
                noun.replace(" of ", f" of {audience} ", 1)
                if " of " in noun
                else f"{audience} {noun}"
            )
        sentences = [f"This {noun} from {brand} {draft.features[0].phrase}."]
        extra = draft.features[1] if len(draft.features) > 1 else None
        if draft.material and extra:
            sentences.append(f"Made of {draft.material}, it {_also(extra.phrase)}.")
        elif draft.material:
            sentences.append(f"It is made of {draft.material}.")
        elif extra:
            sentences.append(f"It {_also(extra.phrase)}.")
        if kind.details:
            sentences.append(kind.details.format(**draft.options))
        return " ".join(sentences)

    def price(self, raw: float) -> float:
        return max(0.99, round(raw) - 0.01)


def _also(phrase: str) -> str:
    """'is organic' -> 'is also organic'; 'keeps ...' -> 'also keeps ...'."""
    verb, _, rest = phrase.partition(" ")
    return f"is also {rest}" if verb == "is" else f"also {phrase}"


@dataclass(frozen=True)
class Chinese(DemoLanguage):
    """Titles like "踏风 男款缓震公路跑鞋 红色 42码" (brand, then the words run together, then
    the options); prices in yuan ending in 9."""

    def title(self, draft: Draft, kind: ProductType, brand: str) -> str:
        audience = self.audience_titles[draft.audience] if draft.audience else ""
        return f"{brand} {audience}{draft.features[0].title}{kind.noun}" + kind.title_suffix.format(
            **draft.options
        )

    def description(self, draft: Draft, kind: ProductType, brand: str) -> str:
        audience = self.audience_titles[draft.audience] if draft.audience else ""
        sentences = [f"这款{brand}{audience}{kind.sentence_noun}{draft.features[0].phrase}。"]
        extra = draft.features[1] if len(draft.features) > 1 else None
        if draft.material and extra:
            sentences.append(f"采用{draft.material}材质，还{extra.phrase}。")
        elif draft.material:
            sentences.append(f"采用{draft.material}材质。")
        elif extra:
            sentences.append(f"它还{extra.phrase}。")
        if kind.details:
            sentences.append(kind.details.format(**draft.options))
        return "".join(sentences)

    def price(self, raw: float) -> float:
        if raw < 10:
            return max(0.9, round(raw) - 0.1)
        return float(int(raw // 10) * 10 + 9)


ENGLISH = English(
    code="en",
    categories=vocabulary.CATEGORIES,
    audience_titles=vocabulary.AUDIENCE_TITLES,
    phrases=Phrases(
        phrases.ASPECTS,
        phrases.GENERAL_ASPECTS,
        phrases.OPENERS,
        phrases.CLOSERS,
        phrases.MILD_NOTES,
        separator=" ",
    ),
    queries={
        "plain": ("{name}",),
        "feature": ("{feature} {name}",),
        "colour": ("{colour} {name}",),
        "brand": ("{brand} {name}",),
        "under": ("{name} under ${ceiling}",),
        "cheap": ("cheap {name}",),
        "feature_under": ("{feature} {name} under ${ceiling}",),
    },
    budget_steps=((100, 10), (300, 25), (float("inf"), 50)),
    colour="colour",
    attribute_names={"material": "material", "audience": "audience", "features": "features"},
    list_separator=", ",
)

CHINESE = Chinese(
    code="zh",
    categories=vocabulary_zh.CATEGORIES,
    audience_titles=vocabulary_zh.AUDIENCE_TITLES,
    phrases=Phrases(
        phrases_zh.ASPECTS,
        phrases_zh.GENERAL_ASPECTS,
        phrases_zh.OPENERS,
        phrases_zh.CLOSERS,
        phrases_zh.MILD_NOTES,
        separator="",
    ),
    queries=vocabulary_zh.QUERY_PATTERNS,
    budget_steps=((100, 10), (500, 50), (2000, 100), (float("inf"), 500)),
    colour=vocabulary_zh.COLOUR,
    attribute_names=vocabulary_zh.ATTRIBUTE_NAMES,
    list_separator="、",
)

#: The demo shop's languages by code.
LANGUAGES: dict[str, DemoLanguage] = {language.code: language for language in (ENGLISH, CHINESE)}


def demo_language(code: str) -> DemoLanguage:
    """The demo language of an ISO 639-1 code; raises ValueError for one the shop lacks."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise ValueError(
            f"the demo shop speaks {', '.join(sorted(LANGUAGES))}, not {code!r}"
        ) from None
