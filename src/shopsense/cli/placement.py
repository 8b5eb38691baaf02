"""`shopsense evaluate-policy` and `shopsense campaigns ...`: off-policy evaluation on logged
bandit feedback, and the shop's sponsored campaigns and promotions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from shopsense.cli.app import app
from shopsense.cli.common import fail_on_data_error, store_location

console = Console(stderr=True)
campaigns_app = typer.Typer(
    help="Sponsored campaigns and promotions in the placement store.", no_args_is_help=True
)
app.add_typer(campaigns_app, name="campaigns")

StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        help="The placement store: a DuckDB file of its own, or a PostgreSQL URL "
        "(`shopsense serve --shared-store`).",
    ),
]
DEFAULT_STORE = "placement.duckdb"


@app.command("evaluate-policy")
def evaluate_policy(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            help="The Open Bandit Dataset folder: random/ and bts/ logs per campaign and "
            "prior_bts.yaml.",
        ),
    ],
    report: Annotated[Path, typer.Option("--report", help="Write the JSON report here.")],
    campaign: Annotated[
        list[str] | None,
        typer.Option("--campaign", help="Campaigns to evaluate (repeat; default men and women)."),
    ] = None,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples per interval.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and Monte Carlo draws.")] = 0,
) -> None:
    """Click models, off-policy estimators validated against the Thompson-sampling policy's
    true click rate, and a learned policy against random and Thompson sampling."""
    from shopsense.data.loaders.open_bandit import CAMPAIGNS
    from shopsense.evaluation.off_policy import BootstrapConfig
    from shopsense.evaluation.policy import evaluate_policies

    with fail_on_data_error():
        campaigns = tuple(campaign or CAMPAIGNS)
        bootstrap = BootstrapConfig(resamples=resamples, seed=seed)
        with console.status(f"evaluating {', '.join(campaigns)}"):
            results = evaluate_policies(data, campaigns, bootstrap, seed)
    for row in results["ope_validation"]:
        console.print(
            f"{row['campaign']:<6} {row['estimator']:<6} estimate {row['estimate']:.4%} "
            f"[{row['ci_low']:.4%}, {row['ci_high']:.4%}]  truth {row['truth']:.4%}  "
            f"{'covered' if row['covered'] else 'NOT covered'}"
        )
    for choice in results["policy_choice"]:
        console.print(f"{choice['campaign']:<6} chosen policy: {choice['chosen']}")
    report.write_text(json.dumps(results, indent=2))
    console.log(f"report written to {report}")


@campaigns_app.command("load")
def load(
    path: Annotated[Path, typer.Argument(help="A campaigns JSON file.")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Validate a campaigns file and store a new version of each campaign in it."""
    from shopsense.placement.campaigns import load_campaigns
    from shopsense.placement.store import PlacementStore

    with fail_on_data_error():
        campaigns = load_campaigns(path)
        with PlacementStore(store_location(store)) as placement_store:
            for campaign in campaigns:
                version = placement_store.save_campaign(campaign)
                console.print(f"{campaign.campaign_id}: version {version}")


@campaigns_app.command("list")
def list_campaigns(store: StoreOption = DEFAULT_STORE) -> None:
    """Print the latest version of every campaign as JSON lines."""
    from shopsense.placement.store import PlacementStore

    with fail_on_data_error(), PlacementStore(store_location(store)) as placement_store:
        for campaign in placement_store.campaigns():
            typer.echo(campaign.model_dump_json())


@campaigns_app.command("erase")
def erase(
    campaign_id: Annotated[str, typer.Argument(help="The campaign to delete, every version.")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Delete every version of a campaign."""
    from shopsense.placement.store import PlacementStore

    with fail_on_data_error(), PlacementStore(store_location(store)) as placement_store:
        count = placement_store.erase_campaign(campaign_id)
    console.print(f"{campaign_id}: {count} versions erased")
