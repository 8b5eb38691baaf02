"""Product review summaries: counts and shares add up, quotes are real masked sentences, and
every claim of the one-line summary is backed by quotes that say it."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from shopsense.reviews.analysis import ANALYZED
from shopsense.reviews.summary import quote_of, summarize


def _mention(text: str, term: str, aspect: str, sentiment: str, score: float = 0.9) -> dict:
    start = text.index(term)
    return {
        "term": term,
        "aspect": aspect,
        "sentiment": sentiment,
        "score": score,
        "start": start,
        "end": start + len(term),
    }


def _reviews(rows: list[tuple[str, float, str, list[tuple[str, str, str]]]]) -> pl.DataFrame:
    """(text, rating, sentiment, [(term, aspect, sentiment)]) per review of item "b1"."""
    return pl.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(len(rows))],
            "user_id": [f"u{i}" for i in range(len(rows))],
            "item_id": ["b1"] * len(rows),
            "rating": [rating for _, rating, _, _ in rows],
            "text": [text for text, _, _, _ in rows],
            "timestamp": [datetime(2026, 1, 1 + i, tzinfo=UTC) for i in range(len(rows))],
            "language": ["en"] * len(rows),
            "sentiment": [sentiment for _, _, sentiment, _ in rows],
            "score": [0.9] * len(rows),
            "positive": [0.9 if s == "positive" else 0.1 for _, _, s, _ in rows],
            "aspects": [[_mention(text, *m) for m in mentions] for text, _, _, mentions in rows],
        },
        schema=ANALYZED,
    )


BLENDER = _reviews(
    [
        (
            "Love it. The motor is very quiet. Mail me at ann@example.com",
            5,
            "positive",
            [("quiet", "noise", "positive")],
        ),
        (
            "Really quiet, even at full speed! Great buy.",
            5,
            "positive",
            [("quiet", "noise", "positive")],
        ),
        (
            "Quiet and strong. The lid leaks though.",
            4,
            "positive",
            [("Quiet", "noise", "positive"), ("lid", "lid", "negative")],
        ),
        ("The lid leaks every time. Returned it.", 1, "negative", [("lid", "lid", "negative")]),
        ("Fine blender.", 3, "neutral", []),
    ]
)


def test_counts_ratings_and_shares() -> None:
    summary = summarize("b1", BLENDER)
    assert summary.reviews == 5
    assert summary.ratings == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    assert summary.mean_rating == pytest.approx(3.6)
    assert summary.sentiment == pytest.approx({"positive": 0.6, "neutral": 0.2, "negative": 0.2})
    assert [a.aspect for a in summary.aspects] == ["noise", "lid"]
    noise = summary.aspects[0]
    assert (noise.mentions, noise.positive, noise.negative, noise.sentiment) == (
        3,
        3,
        0,
        "positive",
    )


def test_every_claim_is_backed_by_quotes_that_say_it() -> None:
    summary = summarize("b1", BLENDER)
    assert summary.summary == "Reviewers like the noise; some complain about the lid."
    texts = dict(BLENDER.select("review_id", "text").iter_rows())
    assert {(c.aspect, c.sentiment) for c in summary.claims} == {
        ("noise", "positive"),
        ("lid", "negative"),
    }
    mentions = {
        (review_id, m["aspect"], m["sentiment"])
        for review_id, aspects in BLENDER.select("review_id", "aspects").iter_rows()
        for m in aspects
    }
    for claim in summary.claims:
        assert claim.aspect in summary.summary
        assert claim.quotes
        for quote in claim.quotes:
            # The quote is a sentence of that review, and that review says it of that aspect.
            assert quote.text in texts[quote.review_id] or "[EMAIL]" in quote.text
            assert (quote.review_id, claim.aspect, claim.sentiment) in mentions


def test_quotes_are_masked_sentences() -> None:
    text = "Love it. The motor is very quiet, call me on 555-123-4567. Bye"
    start = text.index("quiet")
    assert quote_of(text, start, start + 5) == "The motor is very quiet, call me on [PHONE]."
    long = "word " * 100 + "quiet"
    assert len(quote_of(long, long.index("quiet"), len(long))) <= 241


def test_no_claim_without_a_clear_leaning_or_enough_mentions() -> None:
    mixed = _reviews(
        [
            ("The strap is great.", 5, "positive", [("strap", "strap", "positive")]),
            ("The strap broke.", 1, "negative", [("strap", "strap", "negative")]),
            ("Nice colour.", 4, "positive", [("colour", "colour", "positive")]),
        ]
    )
    summary = summarize("b1", mixed)
    assert summary.claims == ()
    assert summary.summary == "3 reviews, 67% positive."


def test_chinese_wording_and_an_unreviewed_product() -> None:
    text = "物流很快。物流给力！"
    rows = _reviews([(text, 5, "positive", [("物流", "物流", "positive")])] * 2)
    rows = rows.with_columns(pl.Series("review_id", ["a", "b"]))
    assert summarize("b1", rows, "zh").summary == "买家称赞物流。"
    empty = summarize("b2", rows.clear())
    assert (empty.reviews, empty.mean_rating, empty.summary, empty.aspects) == (0, None, "", ())
