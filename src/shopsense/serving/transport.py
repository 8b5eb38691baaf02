"""How `shopsense serve` runs the app under uvicorn: bounded request heads, deadlines for slow
clients, a cap on connections and a one-line startup failure.

uvicorn's default HTTP parser (httptools) reads a request head of any size and waits for it for
ever; the h11 protocol here refuses a head over `max_header_bytes` (400), closes a connection
whose head has not arrived `header_timeout_s` after it opened (or after the previous response),
and one whose body pauses for more than `body_timeout_s`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from shopsense.serving.settings import ServingConfig


class DeadlineH11Protocol(H11Protocol):
    """h11 with a deadline for each request head and for each pause in a request body."""

    header_timeout = 10.0
    body_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return  # waiting for a head: its deadline is not moved by partial data
        if cycle.more_body:
            self._arm(self.body_timeout)
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        # Armed first: the call below may already start a pipelined request (and disarm).
        self._arm(self.header_timeout)
        super().on_response_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class QuietStartup:
    """Passes everything to `app`, but drops the traceback Starlette attaches to a failed
    startup: the app has already logged the failure in one line (the traceback at DEBUG)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def quiet_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                message = {**message, "message": ""}
            await send(message)

        await self.app(scope, receive, quiet_send)


def uvicorn_options(config: ServingConfig) -> dict[str, Any]:
    """`uvicorn.run` keyword arguments that apply `config`'s limits."""
    protocol = type(
        "DeadlineH11Protocol",
        (DeadlineH11Protocol,),
        {"header_timeout": config.header_timeout_s, "body_timeout": config.body_timeout_s},
    )
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": config.max_header_bytes,
        "timeout_keep_alive": config.keep_alive_s,
        "limit_concurrency": config.max_connections,
        # No `Server` header: it only tells an attacker what to try.
        "server_header": False,
        # Uvicorn's access log prints paths, which hold shopper ids and queries: the app logs
        # route templates instead.
        "access_log": False,
    }
