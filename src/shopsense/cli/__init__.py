"""The `shopsense` command. Each command group lives in its own module and adds itself to
`shopsense.cli.app.app`; importing them all here makes `shopsense --help` list every group."""

from __future__ import annotations

from shopsense.cli import demo, evaluate, reviews, search, serve, train  # noqa: F401  (register)
from shopsense.cli.app import app

__all__ = ["app"]
