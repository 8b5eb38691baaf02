"""The server's app with its pages: `create_site(config)`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from shopsense.serving.app import create_app, field_name, validation_failed
from shopsense.serving.settings import ServingConfig
from shopsense.web.console import router as console_pages
from shopsense.web.metrics_history import MetricsHistory
from shopsense.web.pages import STATIC, Site, site_of
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
    app.add_exception_handler(RequestValidationError, _bad_input)
    app.add_exception_handler(HTTPException, _page_not_found)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(storefront_pages)
    app.include_router(console_pages)
    return app


#: Paths of the REST API and operations, answered in JSON; everything else is a page.
_API_PATHS = ("/v1/", "/healthz", "/metrics", "/openapi.json", "/docs")


async def _bad_input(request: Request, error: Exception) -> Response:
    """422 naming each bad field: a page saying so for a page, the API's JSON otherwise."""
    if request.url.path.startswith(_API_PATHS):
        return await validation_failed(request, error)
    assert isinstance(error, RequestValidationError)
    problems = [(field_name(problem["loc"]), problem["msg"]) for problem in error.errors()]
    return site_of(request).render(request, "bad_input.html", 422, problems=problems)


async def _page_not_found(request: Request, error: Exception) -> Response:
    """A page that says so (and what was not found) for a page's 404; every other HTTP error as
    the API answers it."""
    assert isinstance(error, HTTPException)
    if error.status_code != 404 or request.url.path.startswith(_API_PATHS):
        return await http_exception_handler(request, error)
    site = site_of(request)
    if error.detail == "Not Found":  # no route: Starlette's own detail
        return site.render(request, "store/message.html", 404, message_key="not_found")
    return site.render(request, "store/message.html", 404, message=error.detail)
