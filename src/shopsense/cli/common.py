"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.data.postgres import is_database_url

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
