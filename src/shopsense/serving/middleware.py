"""Plain ASGI middleware: metrics and an access log without ids.

The access log names the route template (`/v1/users/{user_id}`), never the path itself, so no
shopper id or query text reaches the logs.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopsense.serving.metrics import Metrics

access_log = logging.getLogger("shopsense.serving.access")


class Observe:
    """Count and time every request by route template; log one line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(seconds)
            access_log.info("%s %s %d %.1fms", method, route, status, seconds * 1000)
