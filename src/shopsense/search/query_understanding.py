"""What a shopper's query asks for, beyond its words.

`QueryParser` reads price constraints ("under $50", "between 20 and 30 dollars", "cheap"),
brands and categories named in the catalogue itself, colours, materials and sizes, and fixes
misspelt words against the catalogue's vocabulary (SymSpell: a word one edit away from a
catalogue word, two for long words, is read as that word). Each finding becomes a filter or a
boost and is returned with the results, so a UI can show what was understood.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from symspellpy import SymSpell, Verbosity

from shopsense.search.analysis import STOPWORDS, is_number, stem, terms, words
from shopsense.search.index import CatalogueIndex, Filters

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

_AMOUNT = r"\$?\s*(\d+(?:\.\d+)?)(?![\d.])\s*(?:dollars?|usd|bucks|\$)?"
_UNIT_AFTER = r"(?!\s*(?:in\b|inch|ft\b|feet|foot|lbs?\b|oz\b|gal|mm\b|cm\b|volt|watt|\"|'))"
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_AMOUNT}\s*(?:and|to|-)\s*{_AMOUNT}{_UNIT_AFTER}")
_RANGE = re.compile(r"\$\s*(\d+(?:\.\d+)?)\s*(?:-|to)\s*\$?\s*(\d+(?:\.\d+)?)")
_UNDER = re.compile(
    rf"\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?)\s+{_AMOUNT}{_UNIT_AFTER}"
)
_OVER = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?)\s+{_AMOUNT}{_UNIT_AFTER}")
_CHEAP = re.compile(r"\b(?:" + "|".join(CHEAP_WORDS) + r")\b")
_SIZE = re.compile(r"\bsize\s+([a-z0-9.]+)\b")


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
        self._attribute_words: dict[str, ConstraintKind] = {}

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of `text`."""
        self._refresh()
        constraints: list[Constraint] = []
        lowered = text.lower()
        lowered, min_price, max_price = self._prices(lowered, constraints)
        lowered, cheap = _CHEAP.subn(" ", lowered)
        tokens = words(lowered)
        corrections = self._correct(tokens) if self.config.spelling else {}
        tokens = [corrections.get(token, token) for token in tokens]
        constraints += self._phrase_constraints(tokens)
        constraints += self._attribute_constraints(tokens, lowered)
        return ParsedQuery(
            text=text,
            search_text=" ".join(tokens),
            terms=terms(tokens),
            corrections=corrections,
            constraints=constraints,
            min_price=min_price,
            max_price=max_price,
            prefers_low_price=bool(cheap),
        )

    # ---- prices ----------------------------------------------------------------------------
    def _prices(
        self, text: str, constraints: list[Constraint]
    ) -> tuple[str, float | None, float | None]:
        low = high = None
        effect = self._effect("price")
        for pattern in (_BETWEEN, _RANGE):
            for match in pattern.finditer(text):
                a, b = sorted((float(match.group(1)), float(match.group(2))))
                low, high = a, b
                constraints.append(
                    Constraint(
                        kind="price", value=f"{a:g}-{b:g}", effect=effect, phrase=match.group(0)
                    )
                )
            text = pattern.sub(" ", text)
        for pattern, bound in ((_UNDER, "max"), (_OVER, "min")):
            for match in pattern.finditer(text):
                amount = float(match.group(1))
                if bound == "max":
                    high = amount
                else:
                    low = amount
                constraints.append(
                    Constraint(
                        kind="price",
                        value=f"{bound} {amount:g}",
                        effect=effect,
                        phrase=match.group(0),
                    )
                )
            text = pattern.sub(" ", text)
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
            if count > 0 and word not in self._known and not is_number(word):
                self._speller.create_dictionary_entry(word, count)
                self._known.add(word)
        phrases: dict[tuple[str, ...], tuple[ConstraintKind, str]] = {}
        for kind, names in (("category", self.index.categories), ("brand", self.index.brands)):
            for name in names:
                key = tuple(stem(words(name)))
                if key and not (len(key) == 1 and key[0] in STOPWORDS):
                    phrases[key] = (kind, name)
        self._phrases = phrases
        attribute_words: dict[str, ConstraintKind] = {}
        for kind, keys, lexicon in (
            ("colour", ("colour", "color"), COLOURS),
            ("material", ("material",), MATERIALS),
            ("size", ("size",), SIZE_WORDS),
        ):
            for word in lexicon | self.index.attribute_values(keys):
                attribute_words.setdefault(word, kind)
        self._attribute_words = attribute_words
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
        found = [
            Constraint(kind=kind, value=token, effect=self._effect(kind), phrase=token)
            for token in dict.fromkeys(tokens)
            if (kind := self._attribute_words.get(token)) is not None
        ]
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

    def _effect(self, kind: ConstraintKind) -> Literal["filter", "boost"]:
        return "filter" if kind in self.config.filter_kinds else "boost"
