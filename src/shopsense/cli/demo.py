"""`shopsense demo`: the main job on the synthetic demo shop — evaluate, train, recommend, serve."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated
from urllib.parse import quote_plus

import typer
from rich.console import Console
from rich.table import Table

from shopsense.bundle import Bundle, default_models, train_bundle
from shopsense.cli.app import app
from shopsense.cli.common import fail_on_data_error, load_data
from shopsense.cli.evaluate import results_table
from shopsense.cli.serve import keys_from_env, run_server
from shopsense.data.dataset import Dataset
from shopsense.data.demo import LANGUAGES
from shopsense.data.shoppers import UserEvent
from shopsense.evaluation.report import evaluate_models, save_report
from shopsense.ranking.cascade import Recommender
from shopsense.serving.settings import Scope

console = Console(stderr=True)
#: Keys of the demo server when SHOPSENSE_API_KEYS is not set (the README's examples use them).
DEMO_KEYS = {"demo-catalog": Scope.CATALOG, "demo-admin": Scope.ADMIN}
#: The searches the curl examples run, by the shop's language (English for any other).
SEARCH_EXAMPLES = {"en": ("running shoes",), "zh": ("跑鞋", "蓝牙耳机 300元以下")}
#: The question the curl examples ask the assistant about a product, by the shop's language.
QUESTION_EXAMPLES = {"en": "what is it made of?", "zh": "这个是什么材质的？"}
#: The review the curl examples post, by the shop's language (English for any other).
REVIEW_EXAMPLES = {"en": "Stopped working after a week.", "zh": "用了一周就坏了。"}


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where the demo bundle and report go.")] = Path(
        "runs/demo"
    ),
    users: Annotated[int, typer.Option(help="How many sample shoppers to show.")] = 3,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="Finally serve the bundle over the REST API (Ctrl-C stops)."
        ),
    ] = True,
    host: Annotated[str, typer.Option(help="Address the demo server listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the demo server listens on.")] = 8000,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the demo shop: en (English) or zh (Chinese, 中文).",
        ),
    ] = "en",
    items: Annotated[int, typer.Option(hidden=True, help="Products in the demo shop.")] = 2400,
    shoppers: Annotated[int, typer.Option(hidden=True, help="Shoppers in the demo shop.")] = 1200,
) -> None:
    """Generate the synthetic demo shop, evaluate, train a bundle, show recommendations and
    serve the bundle on the REST API."""
    if lang not in LANGUAGES:
        known = ", ".join(repr(code) for code in sorted(LANGUAGES))
        raise typer.BadParameter(f"{lang!r} is not one of {known}", param_hint="'--lang'")
    keys = keys_from_env() or DEMO_KEYS
    with fail_on_data_error():
        dataset = load_data(None, "demo", console, language=lang, n_items=items, n_users=shoppers)
    names = default_models()
    report = evaluate_models(dataset, names, cold_item_fraction=0.1, console=console)
    save_report(report, out / "report.json")
    console.print(results_table(report))
    root = out / "bundle"
    path = train_bundle(dataset, root, names, metrics=report, on_step=console.log)
    bundle = Bundle.load(path)
    recommender = Recommender(bundle.models, bundle.items, language=bundle.catalogue.language)
    _show_recommendations(recommender, dataset, users)
    console.print(f"report: {out / 'report.json'}; bundle: {path}")
    if not serve:
        return
    for line in site_lines(keys, f"http://{host}:{port}"):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for line in curl_examples(dataset, keys, f"http://{host}:{port}"):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    run_server(root, keys, host=host, port=port)


def _show_recommendations(recommender: Recommender, dataset: Dataset, users: int) -> None:
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


def site_lines(keys: dict[str, Scope], url: str) -> list[str]:
    """What the demo says before it serves: the storefront first, the console (with the demo's
    admin key when the demo made the keys), then where the REST API is."""
    admin = next((key for key, scope in keys.items() if scope is Scope.ADMIN), None)
    sign_in = f" (sign in with the admin key {admin})" if keys is DEMO_KEYS and admin else ""
    return [
        f"storefront: {url}/",
        f"staff console: {url}/console{sign_in}",
        f"REST API: {url}/v1 (schema at {url}/openapi.json; Ctrl-C stops). Try:",
    ]


def curl_examples(dataset: Dataset, keys: dict[str, Scope], url: str) -> list[str]:
    """curl commands for the main routes, with the shop's own ids: the catalogue routes with a
    catalog key, a shopper's data and events with an admin key (as the shop's backend)."""
    # An admin key opens the catalogue too, so a set of admin keys only still gets every example.
    catalog = next((key for key, scope in keys.items() if scope is Scope.CATALOG), next(iter(keys)))
    admin = next((key for key, scope in keys.items() if scope is Scope.ADMIN), None)
    user, item = str(dataset.user_ids[0]), str(dataset.item_ids[0])
    other = str(dataset.item_ids[min(42, dataset.n_items - 1)])
    reviews = dataset.reviews.group_by("item_id").len().sort(["len", "item_id"])
    reviewed = str(reviews["item_id"][-1]) if reviews.height else item
    public = f"-H {shlex.quote('X-API-Key: ' + catalog)}"
    lines = [
        f"curl {public} {shlex.quote(f'{url}/v1/recommendations?k=5')}",
        f"curl {public} {shlex.quote(f'{url}/v1/items/{item}/similar?k=5')}",
        f"curl {public} {shlex.quote(f'{url}/v1/items/{reviewed}/reviews/summary')}",
    ]
    question = QUESTION_EXAMPLES.get(dataset.language or "en", QUESTION_EXAMPLES["en"])
    message = json.dumps({"item": item, "text": question}, ensure_ascii=False)
    lines.append(
        f"curl {public} -H 'Content-Type: application/json' -d {shlex.quote(message)} "
        f"{url}/v1/assistant/messages"
    )
    for query in SEARCH_EXAMPLES.get(dataset.language or "en", SEARCH_EXAMPLES["en"]):
        if query.isascii():
            lines.append(
                f"curl {public} {shlex.quote(f'{url}/v1/search?q={quote_plus(query)}&k=5')}"
            )
        else:
            # Spelled out and left to curl to percent-encode, rather than as %E8%B7%91...
            encoded = f"-G --data-urlencode {shlex.quote('q=' + query)}"
            lines.append(f"curl {public} {encoded} {shlex.quote(f'{url}/v1/search?k=5')}")
    if admin is not None:
        backend = f"-H {shlex.quote('X-API-Key: ' + admin)}"
        event = f'{{"user": "{user}", "item": "{other}", "kind": "view"}}'
        text = REVIEW_EXAMPLES.get(dataset.language or "en", REVIEW_EXAMPLES["en"])
        review = json.dumps({"user": user, "item": reviewed, "rating": 2, "text": text})
        lines += [
            f"curl {backend} {shlex.quote(f'{url}/v1/users/{user}/recommendations?k=5')}",
            f"curl {backend} {shlex.quote(f'{url}/v1/users/{user}')}",
            f"curl {backend} -H 'Content-Type: application/json' "
            f"-d {shlex.quote(event)} {url}/v1/events",
            f"curl {backend} -H 'Content-Type: application/json' "
            f"-d {shlex.quote(review)} {url}/v1/reviews",
            f"curl {backend} {shlex.quote(f'{url}/v1/insights/alerts')}",
        ]
    return lines
