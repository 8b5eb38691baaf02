"""Jobs and the engines that run them: batch work cut into tasks that workers run apart.

A `Job` names what its workers need (files on a filesystem they share, settings) and how to run
one task; an `Engine` runs a job's tasks and hands the results back in task order, so what is
built from them does not depend on where they ran. `LocalEngine` runs them one after another
in this process (the default, and how ShopSense always ran); `RayEngine`
(`ray_engine.py`) on the workers of a Ray cluster.
"""

from __future__ import annotations

import resource
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

Opened = TypeVar("Opened")
Task = TypeVar("Task")
Result = TypeVar("Result")


class EngineError(RuntimeError):
    """An engine could not start (a missing library, a cluster that does not answer)."""


class Job(ABC, Generic[Opened, Task, Result]):
    """Work cut into tasks that run apart. Every worker opens the job once (loads what it
    names: fitted models from a bundle's folder, say), then runs tasks against what it opened.

    A job travels to its workers pickled, so it holds paths and settings, never fitted models
    (a faiss index or a LightGBM booster may not pickle, and a bundle promises no pickles):
    workers read the same files the server would."""

    @abstractmethod
    def open(self) -> Opened:
        """What every task needs, built once per worker."""

    @abstractmethod
    def run(self, opened: Opened, task: Task) -> Result:
        """One task's result."""


@dataclass(frozen=True)
class WorkerUsage:
    """What one worker did in an engine's last `map`."""

    tasks: int
    open_seconds: float
    """Time to open the job (0 where the engine was handed what it opens)."""
    busy_seconds: float
    """Time spent running tasks."""
    peak_memory_mb: float
    """The worker process's peak resident memory since it started."""


class Engine(ABC):
    """Runs a job's tasks, in this process or on other workers."""

    name: ClassVar[str]
    """How the command line and a bundle's manifest call it."""
    in_process: ClassVar[bool]
    """Whether tasks run in this process, so `map` can use objects already at hand."""
    workers: int
    """How many workers run tasks at once."""
    shared_dir: Path | None = None
    """Where work writes files for the workers to read (a job's models): a folder every worker
    reads; None: the system's temporary folder."""

    def __init__(self) -> None:
        self.usage: list[WorkerUsage] = []
        """Per worker, what the last `map` that ran to the end did."""

    @abstractmethod
    def map(
        self,
        job: Job[Opened, Task, Result],
        tasks: Sequence[Task],
        opened: Opened | None = None,
    ) -> Iterator[Result]:
        """The result of every task of `job`, in task order, as they come. `opened` is what
        `job.open()` returns, already built in this process: an engine that runs tasks here
        uses it instead of opening the job again; others open the job on their workers."""

    def describe(self) -> dict[str, Any]:
        """What a manifest records of the engine."""
        return {"name": self.name, "workers": self.workers}

    @abstractmethod
    def start(self) -> None:
        """Make the workers ready (`map` starts them too, where `start` was not called)."""

    @abstractmethod
    def close(self) -> None:
        """Release what `start` set up."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class LocalEngine(Engine):
    """Every task in this process, one after another: how ShopSense always ran."""

    name = "local"
    in_process = True
    workers = 1

    def start(self) -> None:
        """Nothing to start: this process is the worker."""

    def close(self) -> None:
        """Nothing to release."""

    def map(
        self,
        job: Job[Opened, Task, Result],
        tasks: Sequence[Task],
        opened: Opened | None = None,
    ) -> Iterator[Result]:
        started = time.perf_counter()
        state = job.open() if opened is None else opened
        open_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for task in tasks:
            yield job.run(state, task)
        busy = time.perf_counter() - started
        self.usage = [WorkerUsage(len(tasks), open_seconds, busy, peak_memory_mb())]


def peak_memory_mb() -> float:
    """This process's peak resident memory since it started, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
