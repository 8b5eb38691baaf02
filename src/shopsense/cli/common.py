"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.postgres import is_database_url
from shopsense.execution import ENGINES, Engine, EngineError, make_engine

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="A shop's data: a folder or file in a supported format. "
        "Omitted: the synthetic demo shop.",
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="Data format; detected from the files when omitted."),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "--lang",
        help="The shop's language (ISO 639-1: en, zh, ...); detected from the item texts when "
        "omitted. Without --data: the demo shop in that language (en or zh).",
    ),
]

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where the parallel parts run (every shopper's precomputed list, ranking the "
        "evaluation's cases): 'local', this process, or 'ray', Ray workers. Ray's workers load "
        "the models from files written under --out, so --out must be on a filesystem every "
        "Ray node shares (a local cluster always does).",
    ),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="With --engine ray: a running Ray cluster ('auto', HOST:PORT or "
        "ray://HOST:10001). Omitted: a local cluster on loopback, stopped afterwards.",
    ),
]
RayWorkersOption = Annotated[
    int | None,
    typer.Option(
        "--ray-workers",
        help="With --engine ray: Ray workers (one CPU each). Omitted: this machine's CPUs, or "
        "the cluster's with --address.",
    ),
]


def load_data(
    path: Path | None,
    data_format: str | None,
    console: Console,
    language: str | None = None,
    **options: Any,
) -> Dataset:
    """Load `path` (or the demo shop) with a status line. `language` and `options` go to
    `shopsense.data.loaders.load` (the demo's `language`, `n_items`, ...)."""
    from shopsense.data.loaders import load

    target = "demo" if path is None else path
    with console.status(f"loading {target}"):
        dataset = load(target, data_format, language=language, **options)
    label = " (synthetic)" if dataset.synthetic and "synthetic" not in dataset.name else ""
    console.log(
        f"loaded {dataset.name}{label}: {dataset.n_items:,} items, {dataset.n_users:,} users, "
        f"{dataset.interactions.height:,} interactions"
    )
    return dataset


@contextmanager
def chosen_engine(
    name: str, address: str | None, workers: int | None, shared_dir: Path
) -> Iterator[Engine]:
    """The engine the `--engine`, `--address` and `--ray-workers` options choose, started, and
    closed afterwards; Ray's workers read files written under `shared_dir`. A bad choice, a
    missing Ray or a cluster that does not answer is a one-line error naming the option (exit
    code 2)."""
    if name not in ENGINES:
        _fail(f"--engine must be one of {', '.join(ENGINES)}, not {name!r}")
    if name != "ray" and (address is not None or workers is not None):
        _fail("--address and --ray-workers need --engine ray")
    if workers is not None and workers < 1:
        _fail(f"--ray-workers must be at least 1, not {workers}")
    try:
        engine = make_engine(name, address, workers, shared_dir)
        engine.start()
    except EngineError as error:
        _fail(f"--engine {name}: {error}")
    try:
        yield engine
    finally:
        engine.close()


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(code=2)


@contextmanager
def fail_on_data_error() -> Iterator[None]:
    """Turn bad input into a one-line error and exit code 2 instead of a traceback."""
    try:
        yield
    except (DataError, ValueError, FileNotFoundError) as error:
        Console(stderr=True).print(f"[red]error:[/] {error}")
        raise typer.Exit(code=2) from None


def store_location(text: str) -> str | Path:
    """A store given on the command line: a PostgreSQL URL as it is, else a file path."""
    return text if is_database_url(text) else Path(text)
