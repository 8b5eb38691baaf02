"""Fit time and peak memory of a piece of work, measured from the outside."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import psutil

T = TypeVar("T")


@dataclass(frozen=True)
class Usage:
    """Wall-clock seconds and the peak resident-memory growth (MiB) during the work."""

    seconds: float
    peak_memory_mb: float


def measure(work: Callable[[], T], interval: float = 0.05) -> tuple[T, Usage]:
    """Run `work`, sampling this process's RSS; return its result and the usage.

    RSS covers memory that Python's allocator does not see (torch, faiss, implicit), which is
    why it is sampled instead of traced.
    """
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(interval):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        result = work()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    peak = max(peak, process.memory_info().rss)
    return result, Usage(seconds=seconds, peak_memory_mb=(peak - baseline) / 2**20)
