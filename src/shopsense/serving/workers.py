"""Several server processes on one listening socket (`shopsense serve --workers N`).

The parent binds the socket once and starts N processes (spawned, not forked: each loads the
bundle and opens its connections itself), each serving the app on that socket; the kernel
spreads connections over them. They share shoppers, reviews, conversations and bundle swaps
through the shared store (`ServingConfig.shared_store`). A worker that dies after it finished
starting is started again; one that fails before it is ready stops them all (a bad bundle would
fail again). SIGINT or SIGTERM stop every worker gracefully.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType

import uvicorn
from fastapi import FastAPI

from shopsense.serving.app import create_app
from shopsense.serving.middleware import RequestIdFilter
from shopsense.serving.settings import ServingConfig
from shopsense.serving.transport import QuietStartup, uvicorn_options

__all__ = ["AppFactory", "configure_logging", "serve", "serve_processes"]

#: What builds the served app from the settings: the REST API (`create_app`), or the API with
#: the storefront and console (`shopsense.web.create_site`). A module-level function: worker
#: processes are spawned and receive it by reference.
AppFactory = Callable[[ServingConfig], FastAPI]

log = logging.getLogger("shopsense.serving")

#: Seconds a stopping worker is given before it is killed.
STOP_S = 30.0


def configure_logging(log_level: str) -> None:
    """Log lines with time, level, logger and request id at `log_level`."""
    logging.basicConfig(
        level=log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())


class _Server(uvicorn.Server):
    """uvicorn's server, telling `ready` once it has started (the app loaded, listening)."""

    def __init__(self, config: uvicorn.Config, ready: EventType | None) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._ready is not None:
            self._ready.set()


def serve(
    config: ServingConfig,
    *,
    host: str,
    port: int,
    log_level: str,
    sockets: list[socket.socket] | None = None,
    ready: EventType | None = None,
    make_app: AppFactory = create_app,
) -> None:
    """Serve the app `make_app` builds from `config` in this process until interrupted (on
    `sockets` where given, else listening on `host`:`port`); `ready` is set once it serves."""
    server = _Server(
        uvicorn.Config(
            QuietStartup(make_app(config)),
            host=host,
            port=port,
            log_level=log_level.lower(),
            **uvicorn_options(config),
        ),
        ready,
    )
    server.run(sockets=sockets)


def serve_processes(
    config: ServingConfig,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    make_app: AppFactory = create_app,
) -> int:
    """Serve `make_app(config)` from `workers` processes on one socket until SIGINT/SIGTERM;
    returns the exit status (0, or 3 when a worker could not start)."""
    listening = uvicorn.Config(app=None, host=host, port=port).bind_socket()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(number: int) -> tuple[BaseProcess, EventType]:
        ready = context.Event()
        process = context.Process(
            target=_worker,
            args=(config, listening, host, port, log_level, ready, make_app),
            name=f"shopsense-worker-{number}",
        )
        process.start()
        return process, ready

    running = [start(number) for number in range(workers)]
    log.info("serving on %s:%d with %d worker processes", host, port, workers)
    status = 0
    try:
        while not stopping:
            time.sleep(0.25)
            for number, (process, ready) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if not ready.is_set():
                    log.error(
                        "worker %d could not start (exit %s); stopping", number, process.exitcode
                    )
                    stopping, status = True, 3
                    break
                log.error("worker %d exited (%s); starting it again", number, process.exitcode)
                running[number] = start(number)
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()
        for process, _ in running:
            process.join(STOP_S)
            if process.is_alive():
                process.kill()
                process.join()
        listening.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _worker(
    config: ServingConfig,
    listening: socket.socket,
    host: str,
    port: int,
    log_level: str,
    ready: EventType,
    make_app: AppFactory,
) -> None:
    """One worker process: the app on the inherited socket."""
    configure_logging(log_level)
    serve(
        config,
        host=host,
        port=port,
        log_level=log_level,
        sockets=[listening],
        ready=ready,
        make_app=make_app,
    )
