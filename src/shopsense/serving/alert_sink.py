"""Where review alerts go as they are raised: one JSON log line each (logger
`shopsense.alerts`), and a POST of the same JSON to the shop's webhook where one is configured.

Delivery to the webhook is best effort and never holds up the request that raised the alert:
it runs as a task, waits at most `WEBHOOK_TIMEOUT_S`, and a failure is logged (the alert stays
listed at `GET /v1/insights/alerts`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Any

import httpx

from shopsense.reviews.alerts import Alert

log = logging.getLogger("shopsense.alerts")
WEBHOOK_TIMEOUT_S = 5.0


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as a JSON object."""
    fields = dataclasses.asdict(alert)
    fields["raised_at"] = alert.raised_at.isoformat()
    fields["reviews"] = list(alert.reviews)
    return fields


class AlertSink:
    """Logs alerts and posts them to `webhook` (None: log only)."""

    def __init__(self, webhook: str | None) -> None:
        self.webhook = webhook
        self._client: httpx.AsyncClient | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def send(self, alerts: list[Alert]) -> None:
        """Log each alert now and post it in the background (on the running event loop)."""
        for alert in alerts:
            payload = alert_json(alert)
            log.warning("review alert %s", json.dumps(payload, ensure_ascii=False))
            if self.webhook is not None:
                task = asyncio.get_running_loop().create_task(self._post(payload))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def close(self) -> None:
        """Wait for posts in flight (each bounded by the timeout), then close the client."""
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _post(self, payload: dict[str, Any]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S)
        try:
            response = await self._client.post(str(self.webhook), json=payload)
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.error("alert %s not delivered to the webhook: %s", payload["id"], error)
