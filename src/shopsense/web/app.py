"""The server's app with its pages: `create_site(config)`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from shopsense.serving.app import create_app
from shopsense.serving.settings import ServingConfig
from shopsense.web.console import router as console_pages
from shopsense.web.metrics_history import MetricsHistory
from shopsense.web.pages import STATIC, Site
from shopsense.web.storefront import router as storefront_pages


def create_site(config: ServingConfig) -> FastAPI:
    """The REST API app of `config` with the storefront at `/` and the console at
    `/console`, whose live charts sample the API's metrics while the app runs."""
    app = create_app(config)
    app.state.site = Site(config)
    history = app.state.metrics_history = MetricsHistory(app.state.runtime.metrics.registry)
    serve = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serve(app), history.running():
            yield

    app.router.lifespan_context = lifespan
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(storefront_pages)
    app.include_router(console_pages)
    return app
