"""`shopsense reviews ...`: train, apply and evaluate the review analyzer (sentiment + aspects)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from shopsense.cli.app import app
from shopsense.cli.common import fail_on_data_error

if TYPE_CHECKING:
    from shopsense.reviews.polarity import AspectPolarityModel

console = Console(stderr=True)
reviews_app = typer.Typer(
    help="Review understanding: sentiment and aspects per review.", no_args_is_help=True
)
app.add_typer(reviews_app, name="reviews")

#: The corpora `shopsense reviews evaluate` reads by default.
DEFAULT_CORPORA = [
    Path("../shared/data/online-shopping-10-cats-zh"),
    Path("../shared/data/waimai-10k-zh"),
    Path("../shared/data/womens-ecommerce-clothing-reviews"),
]
#: The aspect-labelled sets (SemEval and Chinese product reviews) read by default.
DEFAULT_ABSA = Path("../shared/data/absa-semeval-and-chinese")


def _absa_root(aspects: Path | None, use: bool) -> Path | None:
    """The ABSA folder to use: the one given, else the default where it exists."""
    if not use:
        return None
    if aspects is not None and not aspects.is_dir():
        raise FileNotFoundError(f"{aspects}: no such folder (--aspects)")
    return aspects or (DEFAULT_ABSA if DEFAULT_ABSA.is_dir() else None)


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
    out: Annotated[Path, typer.Option("--out", help="Directory to write the analyzer into.")],
    aspects: Annotated[
        Path | None,
        typer.Option(
            "--aspects",
            help="Aspect-labelled sets (folders of train.txt/test.txt in the $T$ format, e.g. "
            f"{DEFAULT_ABSA}) to fine-tune the aspect polarity model on (an encoder: minutes "
            "to an hour on a CPU); without it, aspect sentiment is the sentence model's reading "
            "of the clause around the term.",
        ),
    ] = None,
    encoder: Annotated[
        bool,
        typer.Option(
            help="Stack the multilingual encoder's vectors into the sentence model (more "
            "accurate, several times slower to apply)."
        ),
    ] = False,
) -> None:
    """Train the sentiment model and the aspect models on labelled reviews."""
    from shopsense.reviews.analyzer import AnalyzerConfig, ReviewAnalyzer
    from shopsense.reviews.corpora import LabelledReviews, load_corpus
    from shopsense.reviews.sentiment import SentimentConfig

    with fail_on_data_error():
        corpus = LabelledReviews.concatenate([load_corpus(path) for path in data])
        if aspects is not None and not aspects.is_dir():
            raise FileNotFoundError(f"{aspects}: no such folder (--aspects)")
        polarity = _train_polarity(aspects) if aspects is not None else None
        config = AnalyzerConfig(
            sentiment=SentimentConfig() if encoder else SentimentConfig(encoder=None)
        )
        with console.status(f"training on {len(corpus):,} reviews"):
            analyzer = ReviewAnalyzer.fit(corpus, polarity, config)
        analyzer.save(out)
    console.log(
        f"trained on {len(corpus):,} reviews ({corpus.name}); {len(analyzer.vocabulary):,} "
        f"aspects; aspect polarity {'model on ' + str(aspects) if aspects else 'from clauses'}; "
        f"analyzer in {out}"
    )


def _train_polarity(root: Path) -> AspectPolarityModel:
    """The aspect polarity model trained on the training splits of every set under `root`
    (less sentences that occur in a test split)."""
    from shopsense.reviews.absa_corpora import absa_set_names, load_absa_set
    from shopsense.reviews.aspect_evaluation import pooled_training
    from shopsense.reviews.polarity import AspectPolarityModel

    names = absa_set_names(root)
    if not names:
        raise FileNotFoundError(f"{root}: no set folders holding train.txt and test.txt")
    splits = [load_absa_set(root / name) for name in names]
    training = pooled_training([train for train, _ in splits], [test for _, test in splits])
    with console.status(f"training the aspect polarity model on {len(training):,} examples"):
        return AspectPolarityModel.fit(training.texts, training.spans, training.labels)


@reviews_app.command()
def analyze(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help='JSON lines of {"id", "text"}.')
    ],
    model_dir: Annotated[Path, typer.Option("--model", help="A trained analyzer's directory.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help='JSON lines {"id", "language", "sentiment", "score", "aspects": [{"term", '
            '"aspect", "sentiment", "score"}]} are written here, one per input line, in order.',
        ),
    ],
) -> None:
    """Language, sentiment, score and aspects of each review."""
    from shopsense.reviews.analyzer import ReviewAnalyzer
    from shopsense.reviews.jsonl import read_jsonl

    with fail_on_data_error():
        records = [record for _, record in read_jsonl(input_path, ("text",), present=("id",))]
        analyzer = ReviewAnalyzer.load(model_dir)
        started = time.perf_counter()
        results = analyzer.analyze([record["text"] for record in records])
        seconds = time.perf_counter() - started
    with out.open("w", encoding="utf-8") as handle:
        for record, result in zip(records, results, strict=True):
            line = {
                "id": record["id"],
                "language": result.language,
                "sentiment": result.sentiment,
                "score": round(result.score, 4),
                "aspects": [
                    {
                        "term": mention.term,
                        "aspect": mention.aspect,
                        "sentiment": mention.sentiment,
                        "score": round(mention.score, 4),
                    }
                    for mention in result.aspects
                ],
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
    aspects: Annotated[
        Path | None,
        typer.Option(
            "--aspects",
            help=f"Aspect-labelled sets to evaluate aspect polarity and term extraction on; "
            f"default {DEFAULT_ABSA} where present.",
        ),
    ] = None,
    aspect_evaluation: Annotated[
        bool, typer.Option(help="Evaluate the aspect models too (polarity fine-tunes an encoder).")
    ] = True,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the JSON report here.")
    ] = None,
) -> None:
    """Sentiment (lexicon baseline, TF-IDF + LR and ours on each corpus's seeded 80/20 split),
    aspect polarity and aspect term extraction on the ABSA sets' test splits."""
    from shopsense.reviews.aspect_term_evaluation import evaluate_extraction
    from shopsense.reviews.corpora import CLOTHING, load_corpus
    from shopsense.reviews.evaluation import evaluate as run_evaluation

    with fail_on_data_error():
        paths = data or DEFAULT_CORPORA
        corpora = [load_corpus(path) for path in paths]
        if recommend:
            corpora += [load_corpus(p, "recommend") for p in paths if (p / CLOTHING).exists()]
        results = run_evaluation(corpora)
        root = _absa_root(aspects, aspect_evaluation)
        if root is not None:
            from shopsense.reviews.aspect_evaluation import evaluate_aspects

            results["aspect_terms"] = evaluate_extraction(root)
            results["aspects"] = evaluate_aspects(root)
    for corpus in results["corpora"]:
        for method, row in corpus["methods"].items():
            console.print(
                f"{corpus['corpus']:<28} {method:<12} accuracy {row['accuracy']:.4f}  "
                f"macro-F1 {row['macro_f1']:.4f}"
            )
    for row in results.get("aspect_terms", {}).get("sets", []):
        console.print(
            f"{row['set']:<28} {'terms':<12} precision {row['precision']:.4f}  "
            f"recall {row['recall']:.4f}  F1 {row['f1']:.4f}"
        )
    for row in results.get("aspects", {}).get("sets", []):
        for method, scored in row["methods"].items():
            console.print(
                f"{row['set']:<28} {method:<12} accuracy {scored['accuracy']:.4f}  "
                f"macro-F1 {scored['macro_f1']:.4f}"
            )
    if report is not None:
        report.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        console.log(f"report written to {report}")
