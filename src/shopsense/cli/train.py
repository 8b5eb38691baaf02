"""`shopsense train`: fit the production models on all of a shop's data and write a bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shopsense.bundle import default_models, train_bundle
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
from shopsense.ranking.registry import expand_models

console = Console(stderr=True)


@app.command()
def train(
    out: Annotated[
        Path, typer.Option(help="Bundle root: a new version is written under it and made current.")
    ],
    data: DataOption = None,
    data_format: FormatOption = None,
    language: LanguageOption = None,
    models: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated model names, in cascade order (the first with a signal ranks). "
            "Omitted: the recommended configuration."
        ),
    ] = None,
    search: Annotated[
        bool,
        typer.Option("--search/--no-search", help="Also build the product search index."),
    ] = True,
    precompute: Annotated[
        bool,
        typer.Option(
            "--precompute/--no-precompute",
            help="Also compute every shopper's recommendations now; the server answers with them "
            "until a shopper's history changes.",
        ),
    ] = True,
    reviews_model: Annotated[
        Path | None,
        typer.Option(
            "--reviews-model",
            help="A review analyzer written by `shopsense reviews train` (sentiment and aspects "
            "of the shop's reviews). Omitted: one fitted on the shop's own rated reviews.",
        ),
    ] = None,
    policies: Annotated[
        Path | None,
        typer.Option(
            "--policies",
            help="The shop's policy documents (a folder of Markdown or text files: shipping, "
            "returns, payment ...) the assistant answers policy questions from. Omitted: the "
            "demo shop's own policies for the demo shop, none for another (the assistant then "
            "hands policy questions to a person).",
        ),
    ] = None,
    assistant_model: Annotated[
        Path | None,
        typer.Option(
            "--assistant-model",
            help="An evidence ranker written by `shopsense assistant train`. Omitted: the "
            "packaged one.",
        ),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="First evaluate the same models (leave-one-out, full ranking) and record the "
            "metrics in the bundle manifest.",
        ),
    ] = False,
    search_report: Annotated[
        Path | None,
        typer.Option(
            "--search-report",
            help="A report of `shopsense search evaluate` to record in the bundle manifest "
            "(the staff console shows its methods beside the recommendation metrics).",
        ),
    ] = None,
    policy_report: Annotated[
        Path | None,
        typer.Option(
            "--policy-report",
            help="A report of `shopsense evaluate-policy` to record in the bundle manifest "
            "(the staff console's campaigns page shows its off-policy comparisons).",
        ),
    ] = None,
    engine: EngineOption = "local",
    address: AddressOption = None,
    ray_workers: RayWorkersOption = None,
) -> None:
    """Train models on all of a shop's data and write a versioned bundle for `shopsense serve`."""
    with fail_on_data_error(), chosen_engine(engine, address, ray_workers, out) as runner:
        attached = _attached_reports(search_report, policy_report)  # a bad one fails first
        dataset = load_data(data, data_format, console, language=language)
        names = expand_models(models) if models else default_models()
        metrics = None
        if evaluate:
            from shopsense.evaluation.report import evaluate_models

            report = evaluate_models(
                dataset, names, cold_item_fraction=0.0, console=console, engine=runner
            )
            metrics = {"protocol": report["protocol"], "models": report["models"]}
        if attached:
            metrics = {**(metrics or {}), **attached}
        with console.status("training") as status:

            def step(message: str) -> None:
                status.update(message)
                console.log(message)

            path = train_bundle(
                dataset,
                out,
                names,
                metrics=metrics,
                search=search,
                precompute=precompute,
                on_step=step,
                reviews_model=reviews_model,
                policies=policies,
                assistant_model=assistant_model,
                engine=runner,
            )
    console.print(f"bundle {path.name} written to {path} and made current in {out}")


def _attached_reports(search: Path | None, policy: Path | None) -> dict[str, object]:
    """The given reports of other commands, checked, by their key in the manifest metrics."""
    from shopsense.evaluation.attached_reports import read_policy_report, read_search_report

    reports: dict[str, object] = {}
    if search is not None:
        reports["search"] = read_search_report(search)
    if policy is not None:
        reports["placement"] = read_policy_report(policy)
    return reports
