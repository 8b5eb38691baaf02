"""Failed-auth rate limiting: a client address that keeps presenting wrong keys or tokens is
refused (429) for a while, so keys cannot be guessed at network speed."""

from __future__ import annotations

import time
from collections import OrderedDict, deque

#: Most addresses remembered; the least recently failing are forgotten first.
MAX_ADDRESSES = 100_000


class FailedAuthLimiter:
    """At most `limit` failures per address in any `window` seconds; then the address is
    blocked until its oldest counted failure is `window` seconds old."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, address: str) -> float:
        """Seconds until `address` may try again (0: it may now)."""
        failures = self._failures.get(address)
        if failures is None:
            return 0.0
        self._forget_old(failures)
        if len(failures) < self.limit:
            return 0.0
        return max(failures[0] + self.window - time.monotonic(), 0.0)

    def failed(self, address: str) -> None:
        """Count one failure of `address`."""
        failures = self._failures.setdefault(address, deque())
        self._forget_old(failures)
        failures.append(time.monotonic())
        self._failures.move_to_end(address)
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.popitem(last=False)

    def _forget_old(self, failures: deque[float]) -> None:
        cutoff = time.monotonic() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
