"""Several server processes on one listening socket (`shopsense serve --workers N`).

The parent binds the socket once and starts N processes (spawned, not forked: each loads the
bundle and opens its connections itself), each serving the app on that socket; the kernel
spreads connections over them. They share shoppers, reviews, conversations and bundle swaps
through the shared store (`ServingConfig.shared_store`). A worker that dies after it started is
started again; one that fails while starting stops them all (a bad bundle would fail again).
SIGINT or SIGTERM stop every worker gracefully.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

from shopsense.serving.app import create_app
from shopsense.serving.middleware import RequestIdFilter
from shopsense.serving.settings import ServingConfig
from shopsense.serving.transport import QuietStartup, uvicorn_options

__all__ = ["configure_logging", "serve", "serve_processes"]

log = logging.getLogger("shopsense.serving")

#: A worker that exits sooner than this after its start failed to start.
STARTUP_S = 60.0
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


def serve(
    config: ServingConfig,
    *,
    host: str,
    port: int,
    log_level: str,
    sockets: list[socket.socket] | None = None,
) -> None:
    """Serve the app of `config` in this process until interrupted (on `sockets` where given,
    else listening on `host`:`port`)."""
    server = uvicorn.Server(
        uvicorn.Config(
            QuietStartup(create_app(config)),
            host=host,
            port=port,
            log_level=log_level.lower(),
            **uvicorn_options(config),
        )
    )
    server.run(sockets=sockets)


def serve_processes(
    config: ServingConfig, *, host: str, port: int, workers: int, log_level: str
) -> int:
    """Serve `config` from `workers` processes on one socket until SIGINT/SIGTERM; returns the
    exit status (0, or 3 when a worker could not start)."""
    listening = uvicorn.Config(app=None, host=host, port=port).bind_socket()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(number: int) -> tuple[BaseProcess, float]:
        process = context.Process(
            target=_worker,
            args=(config, listening, host, port, log_level),
            name=f"shopsense-worker-{number}",
        )
        process.start()
        return process, time.monotonic()

    running = [start(number) for number in range(workers)]
    log.info("serving on %s:%d with %d worker processes", host, port, workers)
    status = 0
    try:
        while not stopping:
            time.sleep(0.25)
            for number, (process, started) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started < STARTUP_S and process.exitcode != 0:
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
    config: ServingConfig, listening: socket.socket, host: str, port: int, log_level: str
) -> None:
    """One worker process: the app on the inherited socket."""
    configure_logging(log_level)
    serve(config, host=host, port=port, log_level=log_level, sockets=[listening])
