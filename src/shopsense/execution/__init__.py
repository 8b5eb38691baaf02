"""Where batch work runs: in this process, or on the workers of a Ray cluster.

Training's parallel parts (every shopper's precomputed list, ranking the evaluation's cases) are
`Job`s whose tasks an `Engine` runs and hands back in order, so a bundle is the same whichever
engine built it. `make_engine("local")` is the default; `make_engine("ray", address, workers)`
imports Ray only then.
"""

from __future__ import annotations

from pathlib import Path

from shopsense.execution.engine import Engine, EngineError, Job, LocalEngine, WorkerUsage

#: The engines `make_engine` knows, by name.
ENGINES = ("local", "ray")


def make_engine(
    name: str = "local",
    address: str | None = None,
    workers: int | None = None,
    shared_dir: Path | None = None,
) -> Engine:
    """The engine called `name`; `address`, `workers` and `shared_dir` are the ray engine's
    (`RayEngine`; a local engine needs no shared folder)."""
    if name == "local":
        if address is not None or workers is not None:
            raise ValueError("an address and a worker count are for the ray engine only")
        return LocalEngine()
    if name == "ray":
        from shopsense.execution.ray_engine import RayEngine

        return RayEngine(address, workers, shared_dir)
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "EngineError", "Job", "LocalEngine", "WorkerUsage", "make_engine"]
