"""`shopsense reviews ...`: train, apply and evaluate the review sentiment model."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shopsense.cli.app import app
from shopsense.cli.common import fail_on_data_error

console = Console(stderr=True)
reviews_app = typer.Typer(help="Review understanding: sentiment per review.", no_args_is_help=True)
app.add_typer(reviews_app, name="reviews")

#: The corpora `shopsense reviews evaluate` reads by default.
DEFAULT_CORPORA = [
    Path("../shared/data/online-shopping-10-cats-zh"),
    Path("../shared/data/waimai-10k-zh"),
    Path("../shared/data/womens-ecommerce-clothing-reviews"),
]


@reviews_app.command()
def train(
    data: Annotated[
        list[Path],
        typer.Option(
            "--data",
            help="A labelled corpus: a corpus folder (format detected) or a JSON-lines file of "
            '{"text", "label"}; repeat to train on several.',
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the model into.")],
) -> None:
    """Train the sentiment model on labelled reviews."""
    from shopsense.reviews.corpora import LabelledReviews, load_corpus
    from shopsense.reviews.sentiment import SentimentModel

    with fail_on_data_error():
        corpus = LabelledReviews.concatenate([load_corpus(path) for path in data])
        with console.status(f"training on {len(corpus):,} reviews"):
            model = SentimentModel.fit(corpus)
        model.save(out)
    console.log(f"trained on {len(corpus):,} reviews ({corpus.name}); model in {out}")


@reviews_app.command()
def analyze(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help='JSON lines of {"id", "text"}.')
    ],
    model_dir: Annotated[Path, typer.Option("--model", help="A trained model's directory.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help='JSON lines {"id", "language", "sentiment", "score"} are written here.'
        ),
    ],
) -> None:
    """Language, sentiment and score of each review."""
    from shopsense.reviews.jsonl import read_jsonl
    from shopsense.reviews.sentiment import SentimentModel

    with fail_on_data_error():
        records = [record for _, record in read_jsonl(input_path, ("text",), present=("id",))]
        model = SentimentModel.load(model_dir)
        started = time.perf_counter()
        results = model.analyze([record["text"] for record in records])
        seconds = time.perf_counter() - started
    with out.open("w", encoding="utf-8") as handle:
        for record, result in zip(records, results, strict=True):
            line = {
                "id": record["id"],
                "language": result.language,
                "sentiment": result.sentiment,
                "score": round(result.score, 4),
            }
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    console.log(f"{len(records):,} reviews in {seconds:.1f} s; written to {out}")


@reviews_app.command()
def evaluate(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="Corpora to evaluate on (default: the three public ones in ../shared/data).",
        ),
    ] = None,
    recommend: Annotated[
        bool, typer.Option(help="Also score the clothing corpus's recommend flag.")
    ] = True,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the JSON report here.")
    ] = None,
) -> None:
    """Lexicon baseline, TF-IDF + LR and ours on each corpus's seeded 80/20 split."""
    from shopsense.reviews.corpora import CLOTHING, load_corpus
    from shopsense.reviews.evaluation import evaluate as run_evaluation

    with fail_on_data_error():
        paths = data or DEFAULT_CORPORA
        corpora = [load_corpus(path) for path in paths]
        if recommend:
            corpora += [load_corpus(p, "recommend") for p in paths if (p / CLOTHING).exists()]
        results = run_evaluation(corpora)
    for corpus in results["corpora"]:
        for method, row in corpus["methods"].items():
            console.print(
                f"{corpus['corpus']:<28} {method:<12} accuracy {row['accuracy']:.4f}  "
                f"macro-F1 {row['macro_f1']:.4f}"
            )
    if report is not None:
        report.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        console.log(f"report written to {report}")
