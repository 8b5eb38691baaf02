"""The `shopsense` command. Each command group lives in its own module and adds itself to
`shopsense.cli.app.app`; importing them all here makes `shopsense --help` list every group."""

from __future__ import annotations

from shopsense.cli import (  # noqa: F401  (register)
    assistant,
    demo,
    evaluate,
    placement,
    reviews,
    search,
    serve,
    train,
)
from shopsense.cli.app import app

__all__ = ["app"]
