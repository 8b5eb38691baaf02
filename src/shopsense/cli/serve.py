"""`shopsense serve`: the REST API, the storefront and the console over a trained bundle."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from shopsense.cli.app import app
from shopsense.cli.common import store_location
from shopsense.data.store import ENV_VAR as STORE_ENV

#: Environment variable with the PostgreSQL URL of the shared store.
SHARED_STORE_ENV = "SHOPSENSE_SHARED_STORE"

if TYPE_CHECKING:
    from pydantic import SecretStr

    from shopsense.ranking.rerank import RerankConfig
    from shopsense.serving.settings import Scope

console = Console(stderr=True)


@app.command()
def serve(
    bundle: Annotated[
        Path,
        typer.Option(help="Bundle root from `shopsense train --out` (or one version directory)."),
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    store: Annotated[
        Path | None,
        typer.Option(
            help=f"DuckDB store for shopper events and profiles. Default: ${STORE_ENV} if set, "
            "else shopsense.duckdb in the bundle root."
        ),
    ] = None,
    shared_store: Annotated[
        str | None,
        typer.Option(
            envvar=SHARED_STORE_ENV,
            help="PostgreSQL URL (postgresql://user@host/db) of the store several server "
            "processes share, instead of --store: needed by --workers above 1 and by servers "
            "on several machines behind one load balancer.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes on this port (above 1 needs --shared-store); about one per "
            "core.",
        ),
    ] = 1,
    watch: Annotated[
        float,
        typer.Option(
            help="Seconds between checks for a new current bundle version (0: SIGHUP only)."
        ),
    ] = 2.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    docs: Annotated[
        bool, typer.Option(help="Serve interactive docs at /docs (loads Swagger UI from a CDN).")
    ] = False,
    max_header_bytes: Annotated[
        int, typer.Option(help="Largest request head (line + headers) read; larger: 400.")
    ] = 16_384,
    header_timeout: Annotated[
        float, typer.Option(help="Seconds a client has to send a request head; then closed.")
    ] = 10.0,
    body_timeout: Annotated[
        float, typer.Option(help="Seconds a request body may pause; then the connection closes.")
    ] = 10.0,
    keep_alive: Annotated[int, typer.Option(help="Seconds an idle connection stays open.")] = 15,
    max_connections: Annotated[
        int, typer.Option(help="Open connections accepted; beyond them requests get 503.")
    ] = 1000,
    max_failed_auth: Annotated[
        int,
        typer.Option(help="Failed key/token checks per client address per minute; then 429."),
    ] = 20,
    live_batch: Annotated[
        int,
        typer.Option(
            help="Most shoppers whose live lists are scored together while the compute "
            "threads are busy (1: each alone)."
        ),
    ] = 32,
    rerank: Annotated[
        str | None,
        typer.Option(
            help="Re-ranking settings: a RerankConfig as JSON, or a JSON file. Default: "
            "$SHOPSENSE_RERANK if set, else same-title de-duplication only."
        ),
    ] = None,
    diversity: Annotated[
        float | None, typer.Option(help="MMR diversity weight, 0-1 (overrides --rerank).")
    ] = None,
    max_per_brand: Annotated[
        int | None, typer.Option(help="At most this many items of one brand per list.")
    ] = None,
    promotion_weight: Annotated[
        float | None,
        typer.Option(
            help="Weight of promotions' lift against relevance, 0-1 (0: off; overrides "
            "--rerank; needs --placement-store for the promotions)."
        ),
    ] = None,
    max_promoted_share: Annotated[
        float | None,
        typer.Option(help="At most this share of a list's items promoted, 0-1."),
    ] = None,
    in_stock_only: Annotated[
        bool | None,
        typer.Option(
            "--in-stock-only/--any-stock",
            help="Drop items whose `in_stock` attribute says they are out of stock.",
        ),
    ] = None,
    alert_webhook: Annotated[
        str | None,
        typer.Option(help="URL each review alert is POSTed to as JSON (alerts are also logged)."),
    ] = None,
    placement_store: Annotated[
        str | None,
        typer.Option(
            help="Placement store (`shopsense campaigns --store`: a DuckDB file, or a "
            "PostgreSQL URL, required with --shared-store): turns on sponsored slots and the "
            "/v1/campaigns routes. Default: placement off."
        ),
    ] = None,
    conversation_store: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB file of the assistant's conversations. Default: "
            "<store>.conversations.duckdb beside the store."
        ),
    ] = None,
) -> None:
    """Serve recommendations, similar items, search, events and profiles over HTTP, with the
    storefront at / and the staff console at /console (sign in with an admin key).

    API keys come from SHOPSENSE_API_KEYS (`key1:catalog,key2:admin`), sent as X-API-Key.
    Without it, a random admin key is made for this run and printed here. Shopper tokens
    (`shopsense token`) are accepted where SHOPSENSE_TOKEN_SECRET is set.
    """
    from shopsense.serving.settings import API_KEYS_ENV, Scope

    keys = keys_from_env()
    settings = rerank_settings(
        rerank,
        diversity,
        max_per_brand,
        in_stock_only,
        {"weight": promotion_weight, "max_promoted_share": max_promoted_share},
    )
    if not keys:
        key = secrets.token_urlsafe(24)
        keys = {key: Scope.ADMIN}
        console.print(f"{API_KEYS_ENV} is not set; admin key for this run: [bold]{key}[/]")
    run_server(
        bundle,
        keys,
        host=host,
        port=port,
        store=store,
        shared_store=shared_store,
        workers=workers,
        watch=watch,
        log_level=log_level,
        rerank=settings,
        docs=docs,
        alert_webhook=alert_webhook,
        placement_store=store_location(placement_store) if placement_store else None,
        conversation_store=conversation_store,
        limits={
            "max_header_bytes": max_header_bytes,
            "header_timeout_s": header_timeout,
            "body_timeout_s": body_timeout,
            "keep_alive_s": keep_alive,
            "max_connections": max_connections,
            "max_failed_auth": max_failed_auth,
            "live_batch": live_batch,
        },
    )


@app.command()
def token(
    user: Annotated[str, typer.Option(help="The shopper the token acts for.")],
    ttl: Annotated[int, typer.Option(help="Seconds the token is valid (at most a day).")] = 900,
) -> None:
    """Print a shopper token for `user`, signed with $SHOPSENSE_TOKEN_SECRET: the storefront
    sends it as `Authorization: Bearer <token>` to read and write that shopper's data."""
    from shopsense.serving.settings import TOKEN_SECRET_ENV
    from shopsense.serving.tokens import mint_shopper_token

    secret = os.environ.get(TOKEN_SECRET_ENV)
    if not secret:
        console.print(f"[red]error:[/] {TOKEN_SECRET_ENV} is not set (the server's token secret)")
        raise typer.Exit(code=2)
    try:
        print(mint_shopper_token(secret, user, ttl))
    except ValueError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def keys_from_env() -> dict[str, Scope]:
    """The API keys in SHOPSENSE_API_KEYS; a malformed value exits with a one-line error."""
    from shopsense.serving.settings import api_keys_from_env

    try:
        return api_keys_from_env()
    except ValueError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def rerank_settings(
    text: str | None,
    diversity: float | None = None,
    max_per_brand: int | None = None,
    in_stock_only: bool | None = None,
    promotion: dict[str, float | None] | None = None,
) -> RerankConfig:
    """The re-ranking settings from `text` (JSON or a JSON file; else $SHOPSENSE_RERANK) with
    the options given on the command line over them (`promotion`: `PromotionConfig` fields,
    None where not given); bad settings exit with a one-line error."""
    from pydantic import ValidationError

    from shopsense.ranking.rerank import RerankConfig
    from shopsense.serving.settings import parse_rerank, rerank_from_env

    try:
        config = parse_rerank(text) if text is not None else rerank_from_env()
        update: dict[str, object] = {}
        if diversity is not None:
            update["diversity"] = diversity
        if max_per_brand is not None:
            update["max_per_brand"] = max_per_brand
        if in_stock_only is not None:
            update["rules"] = {**config.rules.model_dump(), "in_stock_only": in_stock_only}
        given = {name: value for name, value in (promotion or {}).items() if value is not None}
        if given:
            update["promotion"] = {**config.promotion.model_dump(), **given}
        return RerankConfig.model_validate({**config.model_dump(), **update})
    except (ValueError, ValidationError) as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def run_server(
    bundle: Path,
    keys: dict[str, Scope],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    store: Path | None = None,
    shared_store: str | None = None,
    workers: int = 1,
    watch: float = 2.0,
    log_level: str = "info",
    rerank: RerankConfig | None = None,
    docs: bool = False,
    alert_webhook: str | None = None,
    placement_store: str | Path | None = None,
    conversation_store: Path | None = None,
    limits: Mapping[str, float] | None = None,
) -> None:
    """Serve `bundle` with `keys` until interrupted (uvicorn; `workers` processes sharing
    `shared_store`, a PostgreSQL URL, where given, else one process); `rerank`: the
    lists' re-ranking settings (default: `RerankConfig()`); `alert_webhook`: where review
    alerts are posted; `placement_store`: sponsored placement's store (None: off);
    `conversation_store`: the assistant's conversations (None: beside the store); `limits`:
    `ServingConfig` request limits (sizes, timeouts, connections, failed auth) and live
    batching over their defaults. Bad settings exit with a one-line error."""
    from pydantic import ValidationError

    from shopsense.bundle import CURRENT
    from shopsense.ranking.rerank import RerankConfig
    from shopsense.serving.settings import ServingConfig
    from shopsense.serving.workers import configure_logging, serve, serve_processes
    from shopsense.web import create_site

    root = bundle if (bundle / CURRENT).is_file() else bundle.parent
    store_path = store or Path(os.environ.get(STORE_ENV) or root / "shopsense.duckdb")
    configure_logging(log_level)
    if workers > 1 and shared_store is None:
        console.print(
            "[red]error:[/] --workers above 1 needs --shared-store: the DuckDB store is one "
            "process's file"
        )
        raise typer.Exit(code=2)
    try:
        config = ServingConfig(
            bundle=bundle,
            store=store_path,
            shared_store=shared_store,
            api_keys=keys,
            watch_seconds=watch,
            rerank=rerank or RerankConfig(),
            docs=docs,
            alert_webhook=alert_webhook,
            placement_store=placement_store,
            conversation_store=conversation_store,
            token_secret=run_token_secret(workers),
            **(limits or {}),
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{e['loc'][0]}: {e['msg']}" if e["loc"] else e["msg"] for e in error.errors()
        )
        console.print(f"[red]error:[/] {problems}")
        raise typer.Exit(code=2) from None
    if workers == 1:
        serve(config, host=host, port=port, log_level=log_level, make_app=create_site)
        return
    status = serve_processes(
        config, host=host, port=port, workers=workers, log_level=log_level, make_app=create_site
    )
    if status:
        raise typer.Exit(code=status)


def run_token_secret(workers: int) -> SecretStr | None:
    """`$SHOPSENSE_TOKEN_SECRET`; unset with several workers, a random one of this run: the
    storefront's and console's cookies must verify on whichever worker a browser reaches (no
    one outside the server knows it, so no shopper token can be minted for it)."""
    from pydantic import SecretStr

    from shopsense.serving.settings import token_secret_from_env

    secret = token_secret_from_env()
    if secret is None and workers > 1:
        return SecretStr(secrets.token_urlsafe(32))
    return secret
