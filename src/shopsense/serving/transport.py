"""How `shopsense serve` runs the app under uvicorn: bounded request heads, deadlines for slow
clients, a cap on connections and a one-line startup failure.

uvicorn's httptools protocol buffers a request head of any size and waits for it for ever; the
protocol here refuses a head over `max_header_bytes` (400) as soon as that much has arrived,
closes a connection whose head has not arrived `header_timeout_s` after it opened (or after the
head's first bytes, on a kept-alive connection, whose idle time `keep_alive_s` bounds), and one
whose body pauses for more than `body_timeout_s`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shopsense.serving.settings import ServingConfig


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a size limit and a deadline for each request head, and a deadline for
    each pause in a request body."""

    max_header_bytes = 16_384
    header_timeout = 10.0
    body_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None
    #: Whether a request head is awaited or being read, and its bytes so far.
    _in_head = True
    _head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._in_head:
            # Counted after parsing: bytes of a head completed in this chunk do not count.
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                self._disarm()
                self.send_400_response("Request header too large.")
            elif self._deadline is None:
                # The first bytes of a head on a kept-alive connection start its deadline,
                # which later bytes do not move.
                self._arm(self.header_timeout)
            return
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not cycle.response_complete:
            self._arm(self.body_timeout)
        else:
            self._disarm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._in_head, self._head_bytes = False, 0

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
        "DeadlineHttpToolsProtocol",
        (DeadlineHttpToolsProtocol,),
        {
            "max_header_bytes": config.max_header_bytes,
            "header_timeout": config.header_timeout_s,
            "body_timeout": config.body_timeout_s,
        },
    )
    return {
        "http": protocol,
        "timeout_keep_alive": config.keep_alive_s,
        "limit_concurrency": config.max_connections,
        # No `Server` header: it only tells an attacker what to try.
        "server_header": False,
        # Uvicorn's access log prints paths, which hold shopper ids and queries: the app logs
        # route templates instead.
        "access_log": False,
    }
