"""The review analyzer on real reviews: which aspects it finds, how it reads them, how fast.

    python benchmarks/bench_review_analyzer.py

1. Shops' own reviews (womens-ecommerce-clothing-reviews, amazon-giftcards-2018-5core-raw):
   `ReviewAnalyzer.fit_for_shop` on each shop's rated reviews (labels from stars, aspect
   vocabulary mined from the texts, n-gram sentiment), then `analyze` on every review: the top
   aspects with mentions and sentiment shares, and sample mentions.
2. Extraction against labelled terms: `evaluate_extraction` on the ABSA sets (vocabulary mined
   from each training split; precision / recall of term spans on the test sentences).
3. Aspect sentiment without an aspect polarity model (the clause fallback): on the demo shops,
   against the phrase each mention comes from (the generator's truth); on the ABSA test splits,
   with the clothing shop's analyzer (English sets) and one trained on a seeded 10,000-review
   sample of online-shopping-10-cats-zh (Chinese sets).
4. Throughput of `analyze` (sentiment + aspects, one process, cache off) on 4,000 clothing and
   4,000 Chinese reviews, and of the `shopsense reviews analyze` command end to end.

Writes the `reviews-analyzer` section of BENCHMARKS.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.data.demo import generate_demo_shop, phrases, phrases_zh
from shopsense.data.loaders import load
from shopsense.reviews.absa_corpora import absa_set_names, load_absa_set
from shopsense.reviews.analysis import ReviewAnalysis
from shopsense.reviews.analyzer import ReviewAnalyzer
from shopsense.reviews.aspect_term_evaluation import evaluate_extraction
from shopsense.reviews.corpora import CLOTHING, load_corpus
from shopsense.reviews.evaluation import stratified_split

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ABSA = DATA / "absa-semeval-and-chinese"
TOP = 12
SAMPLES = 4
THROUGHPUT_REVIEWS = 4000
CHINESE_SAMPLE = 10_000


def clothing_reviews() -> pl.DataFrame:
    """The clothing reviews as a shop's REVIEWS table (title and body as one text)."""
    table = pq.read_table(
        DATA / "womens-ecommerce-clothing-reviews" / CLOTHING,
        columns=["Title", "Review Text", "Rating"],
    ).to_pydict()
    texts = [
        ". ".join(part.strip() for part in (title, body) if part and part.strip())
        for title, body in zip(table["Title"], table["Review Text"], strict=True)
    ]
    return pl.DataFrame({"rating": [float(r) for r in table["Rating"]], "text": texts})


def shop_section(name: str, reviews: pl.DataFrame) -> tuple[str, ReviewAnalyzer]:
    """Fit on a shop's reviews, analyze them all, and describe the aspects found."""
    reviews = reviews.filter(pl.col("text").str.strip_chars() != "")
    started = time.perf_counter()
    analyzer = ReviewAnalyzer.fit_for_shop(reviews)
    fit_seconds = time.perf_counter() - started
    texts = reviews["text"].to_list()
    started = time.perf_counter()
    analyses = analyzer.analyze(texts)
    analyze_seconds = time.perf_counter() - started
    mentions = Counter()
    in_reviews = Counter()
    sentiments: dict[str, Counter[str]] = {}
    terms: dict[str, Counter[str]] = {}
    for analysis in analyses:
        in_reviews.update({m.aspect for m in analysis.aspects})
        for m in analysis.aspects:
            mentions[m.aspect] += 1
            sentiments.setdefault(m.aspect, Counter())[m.sentiment] += 1
            terms.setdefault(m.aspect, Counter())[m.term.lower()] += 1
    rows = [
        [
            aspect,
            f"{count:,}",
            f"{in_reviews[aspect] / len(texts):.1%}",
            *(f"{sentiments[aspect][s] / count:.0%}" for s in ("positive", "negative", "neutral")),
            ", ".join(term for term, _ in terms[aspect].most_common(4)),
        ]
        for aspect, count in mentions.most_common(TOP)
    ]
    table = markdown_table(
        ["aspect", "mentions", "of reviews", "positive", "negative", "neutral", "terms written"],
        rows,
    )
    covered = np.mean([bool(a.aspects) for a in analyses])
    lines = [
        f"### {name}: {len(texts):,} reviews",
        f"`fit_for_shop` {fit_seconds:,.1f} s (classes {', '.join(analyzer.sentiment.classes)}; "
        f"{len(analyzer.vocabulary):,} aspects seen); `analyze` of all {len(texts):,} in "
        f"{analyze_seconds:,.1f} s; {covered:.1%} of reviews have at least one aspect; "
        f"{sum(mentions.values()) / len(texts):.2f} mentions per review.",
        table,
        "Sample mentions (the first reviews with two or more aspects, one per rating):",
        "\n".join(_samples(reviews, analyses)),
    ]
    print(json.dumps({"shop": name, "top": rows}, ensure_ascii=False))
    return "\n\n".join(lines), analyzer


def _samples(reviews: pl.DataFrame, analyses: list[ReviewAnalysis]) -> list[str]:
    shown, lines = set(), []
    for rating, text, analysis in zip(
        reviews["rating"].to_list(), reviews["text"].to_list(), analyses, strict=True
    ):
        if rating in shown or len(analysis.aspects) < 2 or len(text) > 300:
            continue
        shown.add(rating)
        said = "; ".join(f"**{m.term}** -> {m.aspect} {m.sentiment}" for m in analysis.aspects)
        lines.append(f"- {rating:.0f}★ “{' '.join(text.split())}” — {said}")
        if len(lines) == SAMPLES:
            break
    return lines


def extraction_section() -> str:
    report = evaluate_extraction(ABSA)
    rows = [
        [
            row["set"],
            row["method"],
            f"{row['train_sentences']:,} / {row['test_sentences']:,}",
            f"{row['gold_terms']:,}",
            f"{row['predicted_terms']:,}",
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            f"{row['overlap_precision']:.3f}",
            f"{row['overlap_recall']:.3f}",
        ]
        for row in report["sets"]
    ]
    headers = [
        "set",
        "vocabulary",
        "train / test sentences",
        "labelled terms",
        "predicted",
        "P",
        "R",
        "F1",
        "overlap P",
        "overlap R",
    ]
    return "\n\n".join(
        [
            "### Extraction against the ABSA sets' labelled terms",
            f"Protocol: {report['protocol']}. The Chinese sets label one term per sentence, "
            "so their precision counts real but unlabelled aspects as errors.",
            markdown_table(headers, rows),
        ]
    )


def demo_polarity(language: str) -> list[str]:
    """Aspect mentions of a demo shop scored against the phrase each comes from."""
    reviews = generate_demo_shop(language=language).reviews
    analyzer = ReviewAnalyzer.fit_for_shop(reviews)
    said = phrases if language == "en" else phrases_zh
    praise, complaints = said.positive_phrases(), said.negative_phrases()
    sentences = [s for pros, cons in said.ASPECTS.values() for s in (*pros, *cons)]
    texts = reviews["text"].to_list()
    right = total = 0
    for text, analysis in zip(texts, analyzer.analyze(texts), strict=True):
        for m in analysis.aspects:
            found = [
                s
                for s in praise | complaints
                if s in text and text.index(s) <= m.start < text.index(s) + len(s)
            ]
            if found:
                total += 1
                right += m.sentiment == ("positive" if found[0] in praise else "negative")
    covered = np.mean([bool(analyzer.vocabulary.extract(s)) for s in sentences])
    return [
        f"demo shop ({language})",
        f"{len(texts):,} reviews",
        f"{covered:.1%} of its {len(sentences)} aspect sentences",
        f"{right / total:.1%} of {total:,}",
    ]


def absa_polarity(english: ReviewAnalyzer, chinese: ReviewAnalyzer) -> list[list[str]]:
    """Clause-fallback accuracy on each ABSA test split (polar examples, and all)."""
    rows = []
    for name in absa_set_names(ABSA):
        _, test = load_absa_set(ABSA / name)
        analyzer = chinese if test.language == "zh" else english
        readings = analyzer.aspects.polarity_at(test.texts, test.spans)
        predicted = np.array([sentiment for sentiment, _ in readings])
        polar = test.labels != "neutral"
        rows.append(
            [
                name,
                f"{len(test):,}",
                f"{np.mean(predicted[polar] == test.labels[polar]):.1%}",
                f"{np.mean(predicted == test.labels):.1%}",
            ]
        )
    return rows


def throughput(analyzer: ReviewAnalyzer, texts: list[str]) -> float:
    started = time.perf_counter()
    analyzer.analyze(texts)
    return len(texts) / (time.perf_counter() - started)


def cli_throughput(model: Path, texts: list[str], folder: Path) -> tuple[float, float]:
    """(reviews per second of the whole command, seconds of the command) for `texts`."""
    source = folder / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts))
    )
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "reviews", "analyze"]
    started = time.perf_counter()
    subprocess.run(
        [*command, str(source), "--model", str(model), "--out", str(folder / "out.jsonl")],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    return len(texts) / seconds, seconds


def main() -> None:
    started = time.perf_counter()
    clothing_text, clothing = shop_section("Women's clothing reviews", clothing_reviews())
    gift_cards = load(DATA / "amazon-giftcards-2018-5core-raw").reviews
    gift_text, _ = shop_section("Amazon Gift Cards (2018 5-core)", gift_cards)

    online = load_corpus(DATA / "online-shopping-10-cats-zh")
    _, sample = stratified_split(online, test_share=CHINESE_SAMPLE / len(online))
    chinese = ReviewAnalyzer.fit(sample)

    demo_rows = [demo_polarity("en"), demo_polarity("zh")]
    absa_rows = absa_polarity(clothing, chinese)

    rng = np.random.default_rng(0)
    english_texts = clothing_reviews()["text"].to_list()
    english_texts = [english_texts[i] for i in rng.choice(len(english_texts), THROUGHPUT_REVIEWS)]
    chinese_texts = [online.texts[i] for i in rng.choice(len(online), THROUGHPUT_REVIEWS)]
    with tempfile.TemporaryDirectory() as folder:
        clothing.save(Path(folder) / "model")
        command_rate, command_seconds = cli_throughput(
            Path(folder) / "model", english_texts, Path(folder)
        )
    speed_rows = [
        [
            "clothing (en)",
            f"{np.mean([len(t) for t in english_texts]):.0f}",
            f"{throughput(clothing, english_texts):,.0f}",
        ],
        [
            "online-shopping-10-cats (zh)",
            f"{np.mean([len(t) for t in chinese_texts]):.0f}",
            f"{throughput(chinese, chinese_texts):,.0f}",
        ],
    ]
    print(json.dumps({"demo": demo_rows, "absa": absa_rows, "speed": speed_rows}))
    body = "\n\n".join(
        [
            "## Review analyzer: aspects on real reviews, aspect sentiment, throughput",
            f"`{command_line()}` ({time.perf_counter() - started:,.0f} s). {machine_line()}",
            "Aspects are mined from each shop's own reviews (no labels) plus the common aspects "
            "of `reviews/aspect_lexicon.py`; without an aspect polarity model an aspect's "
            "sentiment is the n-gram sentence model's reading of the clause around the term, "
            "blended with the whole review's (weight 0.7 / 0.3).",
            clothing_text,
            gift_text,
            extraction_section(),
            "### Aspect sentiment without an aspect polarity model (clause fallback)",
            markdown_table(
                ["shop", "reviews", "aspect sentences with a term found", "mentions right"],
                demo_rows,
            ),
            "On the ABSA test splits (English: the clothing shop's analyzer; Chinese: trained "
            f"on a seeded {CHINESE_SAMPLE:,}-review sample of online-shopping-10-cats-zh); the "
            "fallback has two classes, so neutral examples count as errors in 'all':",
            markdown_table(
                ["set", "test examples", "accuracy (polar)", "accuracy (all)"], absa_rows
            ),
            f"### Throughput (sentiment + aspects, {THROUGHPUT_REVIEWS:,} reviews, one process)",
            markdown_table(["reviews", "mean characters", "`analyze` reviews/s"], speed_rows),
            f"`shopsense reviews analyze` on the {THROUGHPUT_REVIEWS:,} clothing reviews, end to "
            f"end (process start, model load, JSON in and out): {command_seconds:.1f} s, "
            f"{command_rate:,.0f} reviews/s.",
        ]
    )
    write_section("reviews-analyzer", body)


if __name__ == "__main__":
    main()
