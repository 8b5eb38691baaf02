"""Plain ASGI middleware: request ids, security headers, metrics and an access log without ids.

The access log names the route template (`/v1/users/{user_id}`), never the path itself, so no
shopper id or query text reaches the logs. Every response carries `X-Request-ID` (the client's,
if it sent a well-formed one, else a new one), which every log line of the request repeats.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopsense.serving.metrics import Metrics

access_log = logging.getLogger("shopsense.serving.access")
log = logging.getLogger("shopsense.serving")

#: The id of the request being handled ("-" outside requests).
request_id: ContextVar[str] = ContextVar("shopsense_request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
#: A client's request id is echoed only if it is short and plain (it ends up in logs).
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Sent with every response.
_ALWAYS = [(b"x-content-type-options", b"nosniff")]
#: Sent with responses about one shopper, which no cache may keep or share.
_PERSONAL = [(b"cache-control", b"private, no-store")]


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record (for a `%(request_id)s` format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def is_personal(scope: Scope) -> bool:
    """Whether a routed request is about one shopper: the `/v1/users` routes, a search
    personalised for a shopper, or any request that carries a shopper token."""
    route = getattr(scope.get("route"), "path", "")
    if route.startswith("/v1/users"):
        return True
    if route == "/v1/search" and "user" in parse_qs(scope.get("query_string", b"").decode()):
        return True
    return any(name == b"authorization" for name, _ in scope.get("headers", ()))


class Observe:
    """Give every request an id and the security headers; count and time it by route
    template; log one line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        started_response = False
        rid = _request_id(scope)
        token = request_id.set(rid)

        async def recording_send(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"server"]
                headers += _ALWAYS + [(b"x-request-id", rid.encode())]
                if is_personal(scope):
                    headers = [(k, v) for k, v in headers if k != b"cache-control"] + _PERSONAL
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except Exception:
            # Logged here with the request id; the client learns nothing about the cause.
            log.exception("request failed")
            if started_response:
                raise
            await _server_error(recording_send)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(seconds)
            access_log.info("%s %s %d %.1fms id=%s", method, route, status, seconds * 1000, rid)
            request_id.reset(token)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _CLIENT_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


async def _server_error(send: Send) -> None:
    body = b'{"detail":"internal error; the request id is in the X-Request-ID header"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
