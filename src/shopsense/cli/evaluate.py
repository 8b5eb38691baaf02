"""`shopsense evaluate`: offline evaluation under the fixed protocols (DESIGN.md §3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shopsense.cli.app import app
from shopsense.cli.common import (
    AddressOption,
    DataOption,
    EngineOption,
    FormatOption,
    LanguageOption,
    RayWorkersOption,
    chosen_engine,
    fail_on_data_error,
    load_data,
)
from shopsense.evaluation.report import evaluate_models, save_report
from shopsense.ranking.registry import DEFAULT_EVALUATION, expand_models

console = Console(stderr=True)


@app.command()
def evaluate(
    data: DataOption = None,
    data_format: FormatOption = None,
    language: LanguageOption = None,
    models: Annotated[
        str,
        typer.Option(
            help="Comma-separated model names; 'best' is the recommended configuration, "
            "'baselines' every baseline."
        ),
    ] = DEFAULT_EVALUATION,
    report: Annotated[Path, typer.Option(help="Where to write the JSON report.")] = Path(
        "report.json"
    ),
    rankings: Annotated[
        Path | None,
        typer.Option(
            help="Also write one JSON line per validation and test case: user, split, target, the "
            "history the model read and its top-100 items."
        ),
    ] = None,
    protocol: Annotated[
        str, typer.Option(help="leave-one-out (default) or temporal (needs timestamps).")
    ] = "leave-one-out",
    cold_items: Annotated[
        float,
        typer.Option(
            help="Share of items held out of training for the cold-item protocol; 0 skips it."
        ),
    ] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the cold-item draw.")] = 0,
    new_users: Annotated[
        bool,
        typer.Option(
            "--new-users/--no-new-users",
            help="Also rank each test user's next item from one sentence alone (catalogues "
            "with categories).",
        ),
    ] = True,
    engine: EngineOption = "local",
    address: AddressOption = None,
    ray_workers: RayWorkersOption = None,
) -> None:
    """Fit models on a split of a shop's data and report full-ranking metrics. With `--engine
    ray`, the cases are ranked on Ray workers, which load each fitted model from a folder beside
    the report (it must be on a filesystem every Ray node shares); the report is the same."""
    shared = report.resolve().parent
    with fail_on_data_error(), chosen_engine(engine, address, ray_workers, shared) as runner:
        dataset = load_data(data, data_format, console, language=language)
        names = expand_models(models)
        handle = rankings.open("w") if rankings is not None else None
        try:
            result = evaluate_models(
                dataset,
                names,
                protocol=protocol,
                cold_item_fraction=cold_items,
                seed=seed,
                rankings=handle,
                console=console,
                new_users=new_users,
                engine=runner,
            )
        finally:
            if handle is not None:
                handle.close()
    save_report(result, report)
    console.print(results_table(result))
    console.print(f"report written to {report}" + (f", rankings to {rankings}" if rankings else ""))


def results_table(report: dict) -> Table:
    """The report's headline metrics as a table narrow enough for an 80-column terminal (the
    report file holds every metric): recall, NDCG and catalogue coverage at 10, recall at 10
    on cold-item targets and for new users known by one sentence, and the fit time."""
    table = Table(
        title=f"{report['dataset']['name']} — {report['protocol']['name']}",
        caption="R recall, N NDCG, cov catalogue coverage; every metric is in the report",
    )
    columns = {"recall@10": "R@10", "ndcg@10": "N@10", "coverage@10": "cov@10"}
    table.add_column("model", no_wrap=True)
    for header in [*columns.values(), "cold R@10", "new-user R@10", "fit s"]:
        table.add_column(header, justify="right", min_width=6)
    for name, entry in report["models"].items():
        cold = entry.get("cold_items", {}).get("cold_targets", {}).get("recall@10")
        new_user = entry.get("new_users", {}).get("recall@10")
        table.add_row(
            name,
            *(f"{entry[c]:.4f}" for c in columns),
            *("-" if value is None else f"{value:.4f}" for value in (cold, new_user)),
            f"{entry['fit_seconds']:.1f}",
        )
    return table
