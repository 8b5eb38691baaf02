"""`shopsense search` and `shopsense evaluate-search`: product search from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shopsense.cli.app import app
from shopsense.cli.common import (
    DataOption,
    FormatOption,
    LanguageOption,
    fail_on_data_error,
    load_data,
)
from shopsense.data.dataset import Dataset
from shopsense.reviews.signals import HIGHEST_STARS, LOWEST_STARS

console = Console(stderr=True)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What the shopper typed.")],
    user: Annotated[str | None, typer.Option(help="Shopper id to personalise for.")] = None,
    data: DataOption = None,
    data_format: FormatOption = None,
    language: LanguageOption = None,
    k: Annotated[int, typer.Option(help="Products to show.")] = 10,
    min_rating: Annotated[
        float | None,
        typer.Option(
            min=LOWEST_STARS,
            max=HIGHEST_STARS,
            help="Only products whose mean star rating is at least this (products without "
            "ratings are kept unless --require-reviews).",
        ),
    ] = None,
    min_positive: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Only products with at least this positive share."),
    ] = None,
    require_reviews: Annotated[
        bool, typer.Option("--require-reviews", help="Leave out products without reviews.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Search a shop's catalogue (default: the synthetic demo shop), within review floors."""
    from shopsense.search import Filters, Searcher

    floor = Filters(
        min_rating=min_rating, min_positive=min_positive, require_reviews=require_reviews
    )
    with fail_on_data_error():
        dataset = _catalogue(data, data_format, language)
        with console.status(f"indexing {dataset.n_items:,} products"):
            searcher = Searcher.build(dataset)
        results = searcher.search(query, user=user, k=k, filters=floor)
    if as_json:
        typer.echo(results.model_dump_json(indent=2))
        return
    understood = results.query
    console.print(f"searched: [bold]{understood.search_text}[/]  ({results.took_ms:.1f} ms)")
    if understood.corrections:
        console.print(f"spelling: {understood.corrections}")
    for constraint in understood.constraints:
        console.print(f"{constraint.effect}: {constraint.kind} = {constraint.value}")
    table = Table("#", "item", "title", "score", "signals")
    for rank, hit in enumerate(results.hits, start=1):
        signals = ", ".join(f"{name}={value}" for name, value in hit.signals.flat().items())
        table.add_row(str(rank), hit.item_id, hit.title, f"{hit.score:.3f}", signals)
    Console().print(table)


@app.command("evaluate-search")
def evaluate_search_command(
    data: Annotated[
        Path, typer.Option("--data", help="Judged search queries (Home Depot relevance format).")
    ],
    report: Annotated[Path, typer.Option(help="Where to write the JSON report.")] = Path(
        "report.json"
    ),
    typos: Annotated[
        bool, typer.Option("--typos", help="Also evaluate with one random typo per query.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the dev/test split and the typos.")] = 0,
    save_searcher: Annotated[
        Path | None, typer.Option(help="Also save the trained searcher to this folder.")
    ] = None,
    adapt: Annotated[
        bool,
        typer.Option(
            "--adapt/--no-adapt",
            help="Fine-tune the encoder on the dev queries first (slow on CPU; cached once "
            "trained).",
        ),
    ] = False,
) -> None:
    """NDCG@10 of BM25, dense, RRF and learned hybrid search over the whole catalogue."""
    from shopsense.data.loaders.homedepot import load_homedepot
    from shopsense.evaluation.search import SearchEvalConfig, evaluate_search

    with fail_on_data_error():
        catalogue = load_homedepot(data)
        console.log(
            f"loaded {catalogue.dataset.name}: {catalogue.dataset.n_items:,} products, "
            f"{len(catalogue.queries):,} judged queries"
        )
        config = SearchEvalConfig(typos=typos, split_seed=seed, typo_seed=seed, adapt_encoder=adapt)
        result = evaluate_search(catalogue, config, show_progress=True, save_to=save_searcher)
    report.write_text(json.dumps(result, indent=2))
    table = Table("method", "NDCG@10 (test)", *(["with typos", "kept"] if typos else []))
    for name, metrics in result["methods"].items():
        row = [name, f"{metrics['ndcg@10']:.4f}"]
        if typos:
            noisy = result["typos"]
            row += [f"{noisy['methods'][name]['ndcg@10']:.4f}", f"{noisy['kept'][name]:.3f}"]
        table.add_row(*row)
    Console().print(table)
    console.print(f"hybrid / bm25 = {result['hybrid_over_bm25']:.3f}; report: {report}")


def _catalogue(path: Path | None, data_format: str | None, language: str | None) -> Dataset:
    """The demo shop, a Home Depot relevance file, or any format `shopsense.data` loads."""
    from shopsense.data.loaders import homedepot

    if path is not None and data_format in (None, "homedepot") and homedepot.sniff(path):
        return homedepot.load_homedepot(path).dataset
    return load_data(path, data_format, console, language=language)
