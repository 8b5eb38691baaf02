"""What a bundle is made of: named artifacts, each built, saved and loaded by one `Artifact`.

An artifact owns one folder of the bundle, named after it, and writes plain data there
(parquet, NumPy arrays read with `allow_pickle=False`, JSON, safetensors, a library's own index
format), never a pickle: a bundle is loaded into a running server, and loading must run no code
from its files. The manifest records each artifact's format version, config, metrics, build
time and the digest of every file it wrote (`manifest.py`); `registry.py` lists them in build
order. A new capability adds one module with its `Artifact` and one entry in that registry.
"""

from __future__ import annotations

import os
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import polars as pl

from shopsense.data.dataset import Dataset
from shopsense.execution import Engine, LocalEngine


class Saved(TypedDict):
    """What `Artifact.save` reports for the manifest."""

    config: dict[str, Any]
    """How it was built (the full config, defaults included)."""
    metrics: dict[str, Any]
    """What it measured of itself while built (sizes, fit times)."""


@dataclass
class BuildContext:
    """What a training run tells the artifacts it builds."""

    models: list[str]
    """The recommendation models to fit, in cascade order."""
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Config overrides by model name."""
    step: Callable[[str], None] = lambda message: None
    """Reports progress in one line."""
    built: dict[str, Any] = field(default_factory=dict)
    """What the artifacts built before this one returned, by name (registry order)."""
    folders: dict[str, Path] = field(default_factory=dict)
    """Where each of them is saved already (its folder in the version being written; whoever
    builds the artifacts records it after `save`), for workers that load an artifact from its
    files rather than from this process."""
    engine: Engine = field(default_factory=LocalEngine)
    """Where the parallel parts of a build run (`shopsense.execution`)."""
    reviews_model: Path | None = None
    """A review analyzer `shopsense reviews train` wrote; None: fit one on the shop's ratings."""
    policies: Path | None = None
    """The shop's policy folder (Markdown or text files); None: the demo shop's own policies
    for the demo shop, none for another."""
    assistant_model: Path | None = None
    """An evidence ranker `shopsense assistant train` wrote; None: the packaged one."""


class Artifact(ABC):
    """One named, versioned part of a bundle: `build` from a shop's data, `save` to its folder,
    `load` back. Instances hold no state: the registry keeps one of each."""

    name: ClassVar[str]
    """Its key in the manifest and the name of its folder."""
    version: ClassVar[int]
    """Format of what `save` writes; bumped when `load` can no longer read older files."""
    optional: ClassVar[bool] = True
    """Whether a bundle may be trained without it (`train_bundle(skip=...)`)."""

    @abstractmethod
    def build(self, dataset: Dataset, context: BuildContext) -> Any:
        """Fit or compute the artifact from all of `dataset` (earlier ones in `context.built`)."""

    @abstractmethod
    def save(self, built: Any, directory: Path) -> Saved:
        """Write what `build` returned into the empty folder `directory`."""

    @abstractmethod
    def load(self, directory: Path, entry: Mapping[str, Any]) -> Any:
        """Read the artifact back from its folder; `entry` is its manifest entry. The files
        have been checked against their digests already."""

    def erase(self, directory: Path, user_id: str) -> list[StagedFile]:
        """Write the artifact's files without a shopper's rows beside the old ones (not yet in
        place: see `StagedFile`). The default holds nothing about shoppers."""
        return []


@dataclass(frozen=True)
class StagedFile:
    """A rewritten file waiting beside the one it replaces (`.<name>.<token>.partial`, which
    readers skip) until `commit` renames it over it."""

    partial: Path
    target: Path
    rows: int

    def commit(self) -> None:
        os.replace(self.partial, self.target)

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)


def erase_rows(path: Path, user_id: str) -> StagedFile | None:
    """`path`, a parquet table, without the rows of `user_id`, staged beside it; None if it
    holds none."""
    if not path.is_file():
        return None
    frame = pl.read_parquet(path)
    kept = frame.filter(pl.col("user_id").ne_missing(user_id))
    if kept.height == frame.height:
        return None
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    kept.write_parquet(partial)
    return StagedFile(partial, path, frame.height - kept.height)
