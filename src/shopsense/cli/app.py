"""The `shopsense` Typer application that every command module adds its commands to."""

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
