"""The `shopsense` command. Each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="shopsense",
    help="ShopSense: recommendations, search and answers for an e-commerce shop.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """ShopSense: recommendations, search and answers for an e-commerce shop."""


def _register() -> None:
    # Imported for their side effect of adding commands to `app`; kept in one place so that
    # `shopsense --help` lists every command group.
    from shopsense.cli import (
        demo,  # noqa: F401
        evaluate,  # noqa: F401
        search,  # noqa: F401
        serve,  # noqa: F401
        train,  # noqa: F401
    )


_register()
