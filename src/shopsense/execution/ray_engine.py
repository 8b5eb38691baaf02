"""`RayEngine`: a job's tasks on the workers of a Ray cluster, one actor per worker.

Each actor opens the job once (loads the models it names from their files) and then runs the
tasks it is handed, two queued at a time so that it never waits for the driver between them;
the driver hands results back in task order. Ray is imported only when this engine is made, and
its absence is a one-line error. Workers read the files a job names, so the driver and every
node must share the filesystem those files are on (true of a local cluster) and have the same
ShopSense installed.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from shopsense.execution.engine import (
    Engine,
    EngineError,
    Job,
    Opened,
    Result,
    Task,
    WorkerUsage,
    peak_memory_mb,
)

#: Tasks queued on each actor at once: the next is waiting when one finishes.
IN_FLIGHT = 2


class RayMissingError(EngineError):
    """The ray engine was chosen and Ray is not installed."""

    def __init__(self) -> None:
        super().__init__("the ray engine needs Ray: pip install 'shopsense[ray]'")


#: Set before Ray is imported, these keep a local cluster on loopback (Ray otherwise binds its
#: servers to every interface and the machine's address) and its usage statistics at home.
LOCAL_ONLY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


def import_ray(local: bool = False) -> ModuleType:
    """The `ray` module, or `RayMissingError`. `local`: for a local cluster only (`LOCAL_ONLY`;
    it takes effect where this process has not imported Ray before)."""
    if local:
        for name, value in LOCAL_ONLY.items():
            os.environ.setdefault(name, value)
    try:
        import ray
    except ImportError as error:
        raise RayMissingError() from error
    return ray


class RayEngine(Engine):
    """Tasks on Ray actors, one per worker (one CPU each).

    `address` names a running cluster (`ray.init(address=...)`: "auto", "HOST:PORT",
    "ray://HOST:10001"); None starts a local one on loopback (`LOCAL_ONLY`) with `workers` CPUs
    and no dashboard. If this process is already connected to Ray, the engine uses that connection.
    It shuts down only a cluster or connection it made itself. `workers` defaults to this
    machine's CPUs (local) or the cluster's (an address). `shared_dir` is a folder every node
    reads, where work writes what workers load (default the system's temporary folder, which
    only a local cluster shares)."""

    name = "ray"
    in_process = False

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        shared_dir: Path | None = None,
    ) -> None:
        super().__init__()
        if workers is not None and workers < 1:
            raise ValueError(f"a ray engine needs at least 1 worker, not {workers}")
        self._ray = import_ray(local=address is None)
        self.address = address
        self.shared_dir = shared_dir
        if workers is None and address is None:
            workers = os.cpu_count() or 1
        self.workers = workers or 0
        """0 until `start` asks the cluster, where an address is given without a count."""
        self._owned = False

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "address": self.address}

    def start(self) -> None:
        ray = self._ray
        if self.shared_dir is not None:
            self.shared_dir.mkdir(parents=True, exist_ok=True)
        if not ray.is_initialized():
            self._connect()
        if not self.workers:
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def _connect(self) -> None:
        ray = self._ray
        try:
            if self.address is None:
                ray.init(
                    _node_ip_address="127.0.0.1",
                    num_cpus=self.workers,
                    include_dashboard=False,
                    logging_level=logging.WARNING,
                )
            else:
                ray.init(address=self.address, logging_level=logging.WARNING)
        except ConnectionError as error:
            raise EngineError(f"cannot reach the Ray cluster at {self.address}: {error}") from None
        self._owned = True

    def close(self) -> None:
        if self._owned:
            self._ray.shutdown()
            self._owned = False

    def map(
        self,
        job: Job[Opened, Task, Result],
        tasks: Sequence[Task],
        opened: Opened | None = None,
    ) -> Iterator[Result]:
        self.start()
        if not tasks:
            self.usage = []
            return
        ray = self._ray
        actor = ray.remote(num_cpus=1)(JobWorker)
        workers = [actor.remote(job) for _ in range(min(self.workers, len(tasks)))]
        try:
            yield from _in_order(ray, workers, tasks)
            self.usage = ray.get([worker.usage.remote() for worker in workers])
        finally:
            for worker in workers:
                ray.kill(worker)


class JobWorker:
    """One actor's side of `RayEngine.map`: opens the job once, then runs tasks."""

    def __init__(self, job: Job[Any, Any, Any]) -> None:
        started = time.perf_counter()
        self.job = job
        self.opened = job.open()
        self.open_seconds = time.perf_counter() - started
        self.tasks = 0
        self.busy_seconds = 0.0

    def run(self, task: Any) -> Any:
        started = time.perf_counter()
        result = self.job.run(self.opened, task)
        self.busy_seconds += time.perf_counter() - started
        self.tasks += 1
        return result

    def usage(self) -> WorkerUsage:
        return WorkerUsage(self.tasks, self.open_seconds, self.busy_seconds, peak_memory_mb())


def _in_order(ray: ModuleType, workers: list[Any], tasks: Sequence[Any]) -> Iterator[Any]:
    """Every task's result in task order, each task given to the next actor with room."""
    upcoming = iter(enumerate(tasks))
    running: dict[Any, tuple[int, Any]] = {}
    done: dict[int, Any] = {}

    def give(worker: Any) -> None:
        for index, task in itertools.islice(upcoming, 1):
            running[worker.run.remote(task)] = (index, worker)

    for worker in workers * IN_FLIGHT:
        give(worker)
    next_index = 0
    while running:
        ready, _ = ray.wait(list(running), num_returns=1)
        index, worker = running.pop(ready[0])
        done[index] = ray.get(ready[0])
        give(worker)
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1
