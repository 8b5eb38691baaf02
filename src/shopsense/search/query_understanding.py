"""What a shopper's query asks for, beyond its words.

`QueryParser` reads price constraints ("under $50", "between 20 and 30 dollars", "cheap"),
brands and categories named in the catalogue itself, colours, materials and sizes, and fixes
misspelt words against the catalogue's vocabulary (SymSpell: a word one edit away from a
catalogue word, two for long words, is read as that word). Each finding becomes a filter or a
boost and is returned with the results, so a UI can show what was understood.

Chinese queries are read the same way, with the Chinese price, colour, material and size
phrases of `chinese_query`; the catalogue's Chinese brand and category names are found on the
query's words and, since a name may be cut differently inside a longer run, anywhere in its
text. Chinese words are never spelling-corrected: edit distance over characters that are each
a syllable joins unrelated words.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from symspellpy import SymSpell, Verbosity

from shopsense.data.language import detect_language, has_han
from shopsense.search import chinese_query as zh
from shopsense.search.analysis import STOPWORDS, is_number, normalize, stem
from shopsense.search.chinese_query import PriceKind
from shopsense.search.index import CatalogueIndex, Filters
from shopsense.text.chinese import HAN_RUN, STOPWORDS_ZH

ConstraintKind = Literal["price", "brand", "category", "colour", "material", "size"]

COLOURS = frozenset(
    "black white red blue green yellow orange purple pink brown grey gray silver gold beige "
    "navy maroon teal turquoise ivory cream tan khaki charcoal olive burgundy lavender coral "
    "mint violet magenta".split()
)
MATERIALS = frozenset(
    "leather suede cotton wool cashmere silk linen denim polyester nylon fleece canvas rubber "
    "plastic vinyl wood wooden bamboo oak pine cedar maple walnut metal steel stainless aluminum "
    "aluminium iron brass copper bronze glass ceramic porcelain stone granite marble concrete "
    "fiberglass pvc acrylic foam".split()
)
SIZE_WORDS = frozenset("xxs xs xl xxl xxxl small medium large petite".split())
CHEAP_WORDS = ("cheap", "cheapest", "inexpensive", "affordable", "budget", "bargain", "low cost")

_AMOUNT = r"[$¥]?\s*(\d+(?:\.\d+)?)(?![\d.])\s*(?:dollars?|usd|bucks|\$)?"
_UNIT_AFTER = r"(?!\s*(?:in\b|inch|ft\b|feet|foot|lbs?\b|oz\b|gal|mm\b|cm\b|volt|watt|\"|'))"
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_AMOUNT}\s*(?:and|to|-)\s*{_AMOUNT}{_UNIT_AFTER}")
_RANGE = re.compile(r"[$¥]\s*(\d+(?:\.\d+)?)\s*(?:-|to)\s*[$¥]?\s*(\d+(?:\.\d+)?)")
_UNDER = re.compile(
    rf"\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?)\s+{_AMOUNT}{_UNIT_AFTER}"
)
_OVER = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?)\s+{_AMOUNT}{_UNIT_AFTER}")
_CHEAP = re.compile(r"\b(?:" + "|".join(CHEAP_WORDS) + r")\b")
_SIZE = re.compile(r"\bsize\s+([a-z0-9.]+)\b")
_STOPWORDS = STOPWORDS | STOPWORDS_ZH
_PRICES: tuple[tuple[re.Pattern[str], PriceKind], ...] = (
    (_BETWEEN, "range"),
    (_RANGE, "range"),
    (_UNDER, "max"),
    (_OVER, "min"),
)
#: Attribute names whose values are colours, materials and sizes, and the words of each.
_ATTRIBUTES: tuple[tuple[ConstraintKind, tuple[str, ...], frozenset[str]], ...] = (
    ("colour", ("colour", "color", *zh.ATTRIBUTE_KEYS_ZH["colour"]), COLOURS),
    ("material", ("material", *zh.ATTRIBUTE_KEYS_ZH["material"]), MATERIALS | zh.MATERIALS_ZH),
    ("size", ("size", *zh.ATTRIBUTE_KEYS_ZH["size"]), SIZE_WORDS | zh.SIZES_ZH),
)


class ParserConfig(BaseModel):
    """How queries are read."""

    model_config = ConfigDict(extra="forbid")

    spelling: bool = Field(True, description="Correct words not in the catalogue's vocabulary.")
    min_word_length: int = Field(
        3, ge=1, description="Shorter words are never corrected (too many neighbours)."
    )
    two_edit_length: int = Field(
        8, ge=2, description="Words at least this long may be two edits from the catalogue word."
    )
    filter_kinds: list[ConstraintKind] = Field(
        default_factory=lambda: ["price", "brand"],
        description="Constraint kinds applied as filters; the others boost matching products.",
    )
    max_phrase_words: int = Field(4, ge=1, description="Longest brand or category name matched.")


class Constraint(BaseModel):
    """One thing the query asks for, and how search uses it."""

    kind: ConstraintKind
    value: str = Field(description="Catalogue value (brand, category…) or price bound text.")
    effect: Literal["filter", "boost"]
    phrase: str = Field(description="The words of the query it was read from.")


class ParsedQuery(BaseModel):
    """A query as search understood it."""

    text: str = Field(description="The query as typed.")
    language: str = Field(
        "en", description="The query's language, detected: 'en', 'zh', ... ('und': no letters)."
    )
    search_text: str = Field(description="The words searched: corrected, price phrases removed.")
    terms: list[str] = Field(description="Index terms searched (stemmed, stop words dropped).")
    corrections: dict[str, str] = Field(default_factory=dict, description="Typed -> corrected.")
    constraints: list[Constraint] = Field(default_factory=list)
    min_price: float | None = None
    max_price: float | None = None
    prefers_low_price: bool = Field(False, description="'cheap' and the like: boost low prices.")

    def values(self, kind: ConstraintKind) -> list[str]:
        """Values of the constraints of one kind."""
        return [c.value for c in self.constraints if c.kind == kind]

    def filters(self) -> Filters:
        """The constraints that act as filters."""
        chosen = [c for c in self.constraints if c.effect == "filter"]
        return Filters(
            brands=[c.value for c in chosen if c.kind == "brand"],
            categories=[c.value for c in chosen if c.kind == "category"],
            min_price=self.min_price,
            max_price=self.max_price,
        )

    def boosts(self) -> list[Constraint]:
        """The constraints that boost matching products."""
        return [c for c in self.constraints if c.effect == "boost"]


class QueryParser:
    """Reads queries against the vocabulary of one `CatalogueIndex`, following its changes."""

    def __init__(self, index: CatalogueIndex, config: ParserConfig | None = None) -> None:
        self.index = index
        self.config = config or ParserConfig()
        self._speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        self._known: set[str] = set()
        self._generation = -1
        self._phrases: dict[tuple[str, ...], tuple[ConstraintKind, str]] = {}
        self._attribute_words: dict[str, tuple[ConstraintKind, str]] = {}
        #: Chinese names and attribute words (whole Han runs), found anywhere in a query's text.
        self._han_words: dict[str, tuple[ConstraintKind, str]] = {}
        self._longest_han_word = 0

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of `text`."""
        self._refresh()
        constraints: list[Constraint] = []
        lowered = normalize(text)
        chinese = has_han(lowered)
        lowered, min_price, max_price = self._prices(lowered, constraints, chinese)
        lowered, cheap = _CHEAP.subn(" ", lowered)
        if chinese:
            lowered, cheap_zh = zh.CHEAP.subn(" ", lowered)
            cheap += cheap_zh
        analyzer = self.index.analyzer
        tokens = analyzer.words(lowered)
        corrections = self._correct(tokens) if self.config.spelling else {}
        tokens = [corrections.get(token, token) for token in tokens]
        constraints += self._phrase_constraints(tokens)
        constraints += self._attribute_constraints(tokens, lowered)
        if chinese:
            constraints += self._chinese_constraints(lowered, constraints)
        return ParsedQuery(
            text=text,
            language=detect_language(text),
            search_text=" ".join(tokens),
            terms=analyzer.terms(tokens),
            corrections=corrections,
            constraints=constraints,
            min_price=min_price,
            max_price=max_price,
            prefers_low_price=bool(cheap),
        )

    # ---- prices ----------------------------------------------------------------------------
    def _prices(
        self, text: str, constraints: list[Constraint], chinese: bool
    ) -> tuple[str, float | None, float | None]:
        """`text` without its price phrases, and the lowest and highest price they allow (a
        later phrase overrides an earlier one's bound)."""
        low = high = None
        effect = self._effect("price")
        patterns = _PRICES + zh.PRICES if chinese or "¥" in text else _PRICES
        for pattern, kind in patterns:
            text, found = _take_prices(pattern, kind, text)
            for a, b, phrase in found:
                low, high = (low if a is None else a), (high if b is None else b)
                constraints.append(
                    Constraint(kind="price", value=_price_value(a, b), effect=effect, phrase=phrase)
                )
        return text, low, high

    # ---- spelling --------------------------------------------------------------------------
    def _correct(self, tokens: list[str]) -> dict[str, str]:
        corrections: dict[str, str] = {}
        for token in tokens:
            if (
                token in self._known
                or token in corrections
                or is_number(token)
                or len(token) < self.config.min_word_length
                or has_han(token)
            ):
                continue
            edits = 2 if len(token) >= self.config.two_edit_length else 1
            found = self._speller.lookup(token, Verbosity.TOP, max_edit_distance=edits)
            if found and found[0].term != token:
                corrections[token] = found[0].term
        return corrections

    # ---- catalogue vocabulary --------------------------------------------------------------
    def _refresh(self) -> None:
        if self._generation == self.index.generation:
            return
        for word, count in self.index.word_counts.items():
            if count > 0 and word not in self._known and not is_number(word) and not has_han(word):
                self._speller.create_dictionary_entry(word, count)
                self._known.add(word)
        phrases: dict[tuple[str, ...], tuple[ConstraintKind, str]] = {}
        han_words: dict[str, tuple[ConstraintKind, str]] = {}
        for kind, names in (("category", self.index.categories), ("brand", self.index.brands)):
            for name in names:
                key = tuple(stem(self.index.analyzer.words(name)))
                if key and not (len(key) == 1 and key[0] in _STOPWORDS):
                    phrases[key] = (kind, name)
                if has_han(name) and _is_han_word(normalized := normalize(name)):
                    han_words[normalized] = (kind, name)
        self._phrases = phrases
        attribute_words: dict[str, tuple[ConstraintKind, str]] = {}
        for kind, keys, lexicon in _ATTRIBUTES:
            for word in lexicon | self.index.attribute_values(keys):
                word = normalize(word) if has_han(word) else word
                attribute_words.setdefault(word, (kind, word))
        for word, colour in zh.COLOURS_ZH.items():
            attribute_words.setdefault(word, ("colour", colour))
        self._attribute_words = attribute_words
        for word, found in attribute_words.items():
            if _is_han_word(word):
                han_words.setdefault(word, found)
        self._han_words = han_words
        self._longest_han_word = max(map(len, han_words), default=0)
        self._generation = self.index.generation

    def _phrase_constraints(self, tokens: list[str]) -> list[Constraint]:
        """Brands and categories named in the query, longest names first."""
        stems = stem(tokens)
        found: list[Constraint] = []
        used = [False] * len(tokens)
        for size in range(min(self.config.max_phrase_words, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if any(used[start : start + size]):
                    continue
                hit = self._phrases.get(tuple(stems[start : start + size]))
                if hit is None:
                    continue
                kind, value = hit
                used[start : start + size] = [True] * size
                phrase = " ".join(tokens[start : start + size])
                found.append(
                    Constraint(kind=kind, value=value, effect=self._effect(kind), phrase=phrase)
                )
        return found

    def _attribute_constraints(self, tokens: list[str], text: str) -> list[Constraint]:
        found = []
        for token in dict.fromkeys(tokens):
            if (hit := self._attribute_words.get(token)) is not None:
                kind, value = hit
                found.append(
                    Constraint(kind=kind, value=value, effect=self._effect(kind), phrase=token)
                )
        for match in _SIZE.finditer(text):
            found.append(
                Constraint(
                    kind="size",
                    value=match.group(1),
                    effect=self._effect("size"),
                    phrase=match.group(0),
                )
            )
        return found

    def _chinese_constraints(self, text: str, known: list[Constraint]) -> list[Constraint]:
        """Chinese names and attribute words found in the text but not among the query's words,
        and Chinese sizes ("42码", "L码", a lone "M")."""
        seen = {(c.kind, c.value) for c in known}
        found: list[Constraint] = []
        hits = [
            (word, *hit)
            for word, hit in zh.longest_matches(text, self._han_words, self._longest_han_word)
        ]
        for match in zh.SIZE.finditer(text):
            hits.append((match.group(0).strip(), "size", match.group(1) or match.group(2)))
        for phrase, kind, value in hits:
            if (kind, value) not in seen:
                seen.add((kind, value))
                found.append(
                    Constraint(kind=kind, value=value, effect=self._effect(kind), phrase=phrase)
                )
        return found

    def _effect(self, kind: ConstraintKind) -> Literal["filter", "boost"]:
        return "filter" if kind in self.config.filter_kinds else "boost"


def _is_han_word(text: str) -> bool:
    """Whether `text` is a Han word of two or more characters (nothing else in it)."""
    return len(text) > 1 and HAN_RUN.fullmatch(text) is not None


def _take_prices(
    pattern: re.Pattern[str], kind: PriceKind, text: str
) -> tuple[str, list[tuple[float | None, float | None, str]]]:
    """`text` without the matches of a price pattern that are prices, and the lowest and
    highest price and the phrase of each."""
    found: list[tuple[float | None, float | None, str]] = []

    def take(match: re.Match[str]) -> str:
        bounds = _price_bounds(match, kind)
        if bounds is None:
            return match.group(0)
        found.append((*bounds, match.group(0)))
        return " "

    return pattern.sub(take, text), found


def _price_value(low: float | None, high: float | None) -> str:
    """A price constraint as text: "20-30", "max 50" or "min 150"."""
    if low is not None and high is not None:
        return f"{low:g}-{high:g}"
    return f"max {high:g}" if high is not None else f"min {low:g}"


def _price_bounds(
    match: re.Match[str], kind: PriceKind
) -> tuple[float | None, float | None] | None:
    """The lowest and highest price a match of a price pattern allows; None where it is a
    count rather than a price (numerals with no currency and no 十/百/千/万: "至少两个")."""
    groups = [group for group in match.groups() if group]
    if not zh.MONEY.search(match.group(0)) and not any(
        group[0].isdigit() or zh.UNITS.keys() & set(group) for group in groups
    ):
        return None
    amounts = [zh.chinese_number(group) for group in groups]
    if kind == "range":
        low, high = sorted(amounts)
        return low, high
    if kind == "around":
        return round(amounts[0] * (1 - zh.AROUND), 2), round(amounts[0] * (1 + zh.AROUND), 2)
    return (None, amounts[0]) if kind == "max" else (amounts[0], None)
