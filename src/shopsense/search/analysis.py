"""Text analysis shared by the index, the query parser and the ranking features.

Products and queries go through the same steps so that a query term matches the product term
it was meant to: lower-casing, tokens that keep fractions and decimals whole ("3/4", "1.9"),
digits split from letters ("2x4" -> 2 x 4), unit spellings after a number made one ("in.",
"inch", "inches" -> "inch"), English stop words dropped and Snowball stemming.
"""

from __future__ import annotations

import re
from functools import cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"\d+(?:[./]\d+)*|[^\W\d_]+")

#: Unit spellings that mean the same thing after a number ("12 inch", "12 in.", "12\"").
UNITS: dict[str, str] = {
    **dict.fromkeys(("in", "inch", "inches"), "inch"),
    **dict.fromkeys(("ft", "feet", "foot"), "ft"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("gal", "gallon", "gallons"), "gal"),
    **dict.fromkeys(("oz", "ounce", "ounces"), "oz"),
    **dict.fromkeys(("sq", "square"), "sq"),
    **dict.fromkeys(("cu", "cubic"), "cu"),
    **dict.fromkeys(("mm", "millimeter", "millimeters"), "mm"),
    **dict.fromkeys(("cm", "centimeter", "centimeters"), "cm"),
    **dict.fromkeys(("v", "volt", "volts"), "volt"),
    **dict.fromkeys(("w", "watt", "watts"), "watt"),
}
STOPWORDS: frozenset[str] = frozenset(STOPWORDS_EN)


def words(text: str) -> list[str]:
    """Lower-cased tokens of `text`, stop words kept, units after numbers normalised."""
    tokens = _TOKEN.findall(text.lower())
    for i in range(1, len(tokens)):
        if tokens[i] in UNITS and tokens[i - 1][0].isdigit():
            tokens[i] = UNITS[tokens[i]]
    return tokens


def is_number(token: str) -> bool:
    """Whether a token is a number, fraction or decimal."""
    return token[0].isdigit()


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(tokens: list[str]) -> list[str]:
    """Snowball stems of `tokens` (numbers are left alone by the stemmer)."""
    return _stemmer().stemWords(tokens)


def terms(tokens: list[str]) -> list[str]:
    """Index terms of word tokens: stop words dropped, the rest stemmed."""
    return stem([token for token in tokens if token not in STOPWORDS])


def analyze(text: str) -> list[str]:
    """Index terms of a text (`terms(words(text))`)."""
    return terms(words(text))
