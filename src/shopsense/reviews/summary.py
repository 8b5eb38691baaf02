"""A product's reviews in one view: counts, ratings, sentiment, its top aspects with quotes, and
a one-line summary that says nothing its quotes do not support.

The line is composed from claims ("reviewers like the battery"), and each claim is made only for
an aspect whose mentions lean clearly one way and carries the review sentences that say so: a
reader (or `tests/test_review_summary.py`) can check every claim against its quotes. Templates,
not a generative model: a template cannot invent a fact, and the claims are few and regular.
Quotes are whole sentences of real reviews, PII-masked again when quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from shopsense.reviews.corpora import NEGATIVE, NEUTRAL, POSITIVE
from shopsense.text.pii import mask_pii

__all__ = ["AspectSummary", "Claim", "ProductSummary", "Quote", "quote_of", "summarize"]

#: Aspects listed per product.
TOP_ASPECTS = 6
#: Quotes kept per aspect.
QUOTES = 2
#: Longest quote, in characters (a longer sentence is cut at a word boundary).
MAX_QUOTE = 240
#: Share of an aspect's mentions that must share one sentiment for a claim to be made.
LEANING = 0.6
#: Least mentions of an aspect for a claim about it.
MIN_MENTIONS = 2
#: Claims per side (praise, complaint) in the line.
CLAIMS_PER_SIDE = 2

_SENTENCE_END = re.compile(r"[.!?。！？；;\n]+")
_TEMPLATES = {
    "en": {
        POSITIVE: "reviewers like the {}",
        NEGATIVE: "some complain about the {}",
        "and": " and the ",
        "join": "; ",
        "none": "{reviews} reviews, {positive:.0%} positive.",
    },
    "zh": {
        POSITIVE: "买家称赞{}",
        NEGATIVE: "部分买家不满意{}",
        "and": "和",
        "join": "；",
        "none": "共{reviews}条评价，{positive:.0%}为好评。",
    },
}


@dataclass(frozen=True)
class Quote:
    """One sentence of one review."""

    review_id: str
    text: str


@dataclass(frozen=True)
class AspectSummary:
    """How a product's reviews speak of one aspect."""

    aspect: str
    mentions: int
    positive: int
    negative: int
    neutral: int
    sentiment: str
    """The sentiment most of its mentions have."""
    quotes: tuple[Quote, ...]
    """Sentences that mention it with `sentiment`, most confident first."""


@dataclass(frozen=True)
class Claim:
    """One statement of the summary line and the quotes that back it."""

    aspect: str
    sentiment: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class ProductSummary:
    """Everything `GET /v1/items/{id}/reviews/summary` answers."""

    item_id: str
    reviews: int
    mean_rating: float | None
    ratings: dict[int, int]
    """Reviews per star (1-5; ratings rounded to whole stars)."""
    sentiment: dict[str, float]
    """Share of reviews per sentiment."""
    aspects: tuple[AspectSummary, ...]
    summary: str
    claims: tuple[Claim, ...]


def summarize(item_id: str, reviews: pl.DataFrame, language: str = "en") -> ProductSummary:
    """The summary of one product from its analysed reviews (`shopsense.reviews.analysis.
    ANALYZED` rows), worded in `language` ("zh" or English)."""
    count = reviews.height
    ratings = reviews["rating"].drop_nulls()
    stars = Counter(int(min(5, max(1, round(r)))) for r in ratings.to_list())
    sentiments = Counter(reviews["sentiment"].to_list())
    aspects = _aspects(reviews)
    claims = _claims(aspects)
    return ProductSummary(
        item_id=item_id,
        reviews=count,
        mean_rating=float(ratings.mean()) if len(ratings) else None,  # type: ignore[arg-type]
        ratings={star: stars.get(star, 0) for star in range(1, 6)},
        sentiment={
            label: sentiments.get(label, 0) / count if count else 0.0
            for label in (POSITIVE, NEUTRAL, NEGATIVE)
        },
        aspects=aspects,
        summary=_line(claims, count, sentiments.get(POSITIVE, 0), language),
        claims=claims,
    )


def quote_of(text: str, start: int, end: int) -> str:
    """The sentence of `text` around characters `start:end`, PII-masked, cut to `MAX_QUOTE`."""
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    stop = _SENTENCE_END.search(text, end)
    sentence = text[begin : stop.end() if stop else len(text)].strip()
    if len(sentence) > MAX_QUOTE:
        cut = sentence.rfind(" ", 0, MAX_QUOTE)
        sentence = sentence[: cut if cut > MAX_QUOTE // 2 else MAX_QUOTE].rstrip() + "…"
    return mask_pii(sentence)


def _aspects(reviews: pl.DataFrame) -> tuple[AspectSummary, ...]:
    counts: dict[str, Counter[str]] = {}
    candidates: dict[tuple[str, str], list[tuple[float, Quote]]] = {}
    for review_id, text, mentions in reviews.select("review_id", "text", "aspects").iter_rows():
        for mention in mentions or ():
            aspect, sentiment = mention["aspect"], mention["sentiment"]
            counts.setdefault(aspect, Counter())[sentiment] += 1
            quote = Quote(review_id, quote_of(text, mention["start"], mention["end"]))
            candidates.setdefault((aspect, sentiment), []).append((mention["score"], quote))
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1].total(), pair[0]))
    summaries = []
    for aspect, counted in ranked[:TOP_ASPECTS]:
        sentiment = max((POSITIVE, NEGATIVE, NEUTRAL), key=lambda label: counted[label])
        summaries.append(
            AspectSummary(
                aspect=aspect,
                mentions=counted.total(),
                positive=counted[POSITIVE],
                negative=counted[NEGATIVE],
                neutral=counted[NEUTRAL],
                sentiment=sentiment,
                quotes=_best_quotes(candidates[(aspect, sentiment)]),
            )
        )
    return tuple(summaries)


def _best_quotes(candidates: list[tuple[float, Quote]]) -> tuple[Quote, ...]:
    """The most confident distinct sentences, shorter ones first among equals."""
    chosen: list[Quote] = []
    for _, quote in sorted(candidates, key=lambda pair: (-pair[0], len(pair[1].text))):
        if all(quote.text != kept.text for kept in chosen):
            chosen.append(quote)
        if len(chosen) == QUOTES:
            break
    return tuple(chosen)


def _claims(aspects: tuple[AspectSummary, ...]) -> tuple[Claim, ...]:
    claims = []
    for side in (POSITIVE, NEGATIVE):
        leaning = [
            aspect
            for aspect in aspects
            if aspect.sentiment == side
            and aspect.mentions >= MIN_MENTIONS
            and getattr(aspect, side) >= LEANING * aspect.mentions
            and aspect.quotes
        ]
        claims += [Claim(a.aspect, side, a.quotes) for a in leaning[:CLAIMS_PER_SIDE]]
    return tuple(claims)


def _line(claims: tuple[Claim, ...], reviews: int, positive: int, language: str) -> str:
    words: dict[str, Any] = _TEMPLATES.get(language, _TEMPLATES["en"])
    if not reviews:
        return ""
    if not claims:
        return words["none"].format(reviews=reviews, positive=positive / reviews)
    parts = []
    for side in (POSITIVE, NEGATIVE):
        named = [claim.aspect for claim in claims if claim.sentiment == side]
        if named:
            parts.append(words[side].format(words["and"].join(named)))
    line = words["join"].join(parts)
    return (line[0].upper() + line[1:] + ".") if language != "zh" else line + "。"
