"""`shopsense demo`: the main job on the synthetic demo shop — evaluate, train, recommend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from shopsense.bundle import Bundle, default_models, train_bundle
from shopsense.cli import app
from shopsense.cli.common import load_data
from shopsense.cli.evaluate import results_table
from shopsense.evaluation.report import evaluate_models, save_report
from shopsense.serving.recommender import Recommender
from shopsense.serving.state import UserEvent

console = Console(stderr=True)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where the demo bundle and report go.")] = Path(
        "runs/demo"
    ),
    users: Annotated[int, typer.Option(help="How many sample shoppers to show.")] = 3,
) -> None:
    """Generate the synthetic demo shop, evaluate, train a bundle and show recommendations."""
    dataset = load_data(None, "demo", console)
    names = default_models()
    report = evaluate_models(dataset, names, cold_item_fraction=0.1, console=console)
    save_report(report, out / "report.json")
    console.print(results_table(report))
    path = train_bundle(dataset, out / "bundle", names, metrics=report, on_step=console.log)
    recommender = Recommender(Bundle.load(path))
    for user in range(min(users, dataset.n_users)):
        history = dataset.sequences[user]
        events = [UserEvent(str(dataset.item_ids[i]), "view", float("nan")) for i in history]
        table = Table(title=f"shopper {dataset.user_ids[user]} (synthetic)")
        for column in ("item", "title", "sources", "reason"):
            table.add_column(column)
        last = dataset.items["title"][int(history[-1])] if len(history) else "-"
        console.print(f"last viewed: {last}")
        for scored in recommender.recommend(recommender.history(events), k=5):
            table.add_row(
                str(dataset.item_ids[scored.item]),
                dataset.items["title"][scored.item],
                ", ".join(scored.sources),
                scored.reason,
            )
        console.print(table)
    console.print(f"report: {out / 'report.json'}; bundle: {path} (serve it with shopsense serve)")
