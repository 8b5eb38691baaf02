"""The FastAPI app over a trained bundle: `create_app(config)`.

Routes (see `/openapi.json`, or `/docs` where enabled): recommendations, similar items, search,
items, events, shopper profiles and erasure, sponsored campaigns and impression outcomes under
`/v1`; `/healthz` and `/metrics` for operations. A new bundle version is swapped in when the
bundle root's `current` pointer changes (checked every `watch_seconds`) or on SIGHUP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shopsense import __version__
from shopsense.data.errors import DataError, StorageError
from shopsense.serving.metrics import Metrics
from shopsense.serving.middleware import Observe
from shopsense.serving.routers import (
    assistant,
    campaigns,
    events,
    health,
    impressions,
    insights,
    items,
    lists,
    recommendations,
    reviews,
    search,
    users,
)
from shopsense.serving.runtime import Runtime
from shopsense.serving.settings import ServingConfig

log = logging.getLogger("shopsense.serving")


def create_app(config: ServingConfig) -> FastAPI:
    """A ShopSense API app; the bundle and store are opened when the app starts."""
    metrics = Metrics()
    runtime = Runtime(config, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
        except Exception as error:
            log.error("cannot start: %s", one_line(error))
            log.debug("why the server could not start", exc_info=error)
            raise
        watcher = asyncio.create_task(_watch(runtime))
        _reload_on_sighup(runtime)
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await runtime.stop()

    app = FastAPI(
        title="ShopSense",
        version=__version__,
        summary="Recommendations, similar items and search for an e-commerce shop.",
        lifespan=lifespan,
        docs_url="/docs" if config.docs else None,
        redoc_url=None,
        max_body_size=config.max_body_bytes,
    )
    app.state.runtime = runtime
    for router in (
        recommendations,
        lists,
        items,
        reviews,
        search,
        users,
        events,
        insights,
        campaigns,
        impressions,
        assistant,
        health,
    ):
        app.include_router(router.router)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(DataError, _bad_data)
    app.add_exception_handler(StorageError, _storage_failed)
    app.add_middleware(Observe, metrics=metrics)
    return app


async def _watch(runtime: Runtime) -> None:
    """Swap in a new bundle version when the root's `current` pointer changes."""
    interval = runtime.config.watch_seconds
    if interval <= 0:
        return
    reported: str | None = None  # a failure is logged once, not on every check
    while True:
        await asyncio.sleep(interval)
        try:
            await runtime.reload()
        except Exception as error:  # noqa: BLE001 - a bad new bundle must not stop the server
            if one_line(error) != reported:
                reported = one_line(error)
                _swap_failed(error)
        else:
            reported = None


def _reload_on_sighup(runtime: Runtime) -> None:
    # Signal handlers can only be set from the main thread (not under a test client).
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        return

    async def reload() -> None:
        try:
            await runtime.reload()
        except Exception as error:  # noqa: BLE001 - a bad new bundle must not stop the server
            _swap_failed(error)

    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP, lambda: asyncio.ensure_future(reload())
    )


def _swap_failed(error: Exception) -> None:
    log.error("could not swap in the new bundle; still serving the old one: %s", one_line(error))
    log.debug("why the bundle could not be swapped in", exc_info=error)


def one_line(error: BaseException) -> str:
    """An error as one log line: its type and message, whitespace collapsed."""
    return " ".join(f"{type(error).__name__}: {error}".split())


async def validation_failed(request: Request, error: Exception) -> JSONResponse:
    """422 listing each bad field by name (the submitted values are not echoed)."""
    assert isinstance(error, RequestValidationError)
    problems = [
        {
            "field": field_name(problem["loc"]),
            "loc": list(problem["loc"]),
            "msg": problem["msg"],
            "type": problem["type"],
        }
        for problem in error.errors()
    ]
    return JSONResponse({"detail": problems}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _bad_data(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DataError)
    # `loc` as in FastAPI's own 422s, so that every 422 has the one documented shape.
    loc = ["body", *(error.field.split(".") if error.field else [])]
    problem = {"field": error.field, "loc": loc, "msg": error.problem, "type": "bad_data"}
    return JSONResponse({"detail": [problem]}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _storage_failed(request: Request, error: Exception) -> JSONResponse:
    """503 with a generic message: the cause (and the store's path) goes to the log only."""
    log.error("store write failed: %s", error)
    return JSONResponse(
        {"detail": "storage is unavailable; nothing was saved, try again later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def field_name(loc: tuple | list) -> str:
    """`("body", "events", 2, "item")` -> `events[2].item`; `("query", "k")` -> `k`."""
    name = ""
    for part in list(loc)[1:]:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or str(loc[0])
