"""Writing, pointing at, loading and scrubbing bundle versions.

`train_bundle` builds every artifact of the registry on all of a shop's data (production
training, not a split) into `out/<version>/` atomically, then points `out/current` at it.
`Bundle.load` checks every file against the manifest's digests, then loads each artifact.
Bundles are read-only once written, except that erasing a shopper rewrites the tables that
hold shoppers' rows (and their digests).
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopsense import __version__
from shopsense.bundle.artifact import BuildContext, StagedFile, erase_rows
from shopsense.bundle.assistant import AssistantParts
from shopsense.bundle.catalogue import Catalogue
from shopsense.bundle.manifest import (
    BUNDLE_FORMAT,
    MANIFEST,
    digest,
    digests,
    read_manifest,
    stage_manifest,
    verify,
    write_manifest,
)
from shopsense.bundle.precomputed import PRECOMPUTED, PrecomputedLists
from shopsense.bundle.recommender import default_models
from shopsense.bundle.registry import ARTIFACTS
from shopsense.bundle.reviews import ReadReviews
from shopsense.bundle.shop_data import ShopTables
from shopsense.data.dataset import Dataset
from shopsense.execution import Engine, LocalEngine
from shopsense.ranking.registry import expand_models
from shopsense.retrieval.base import Retriever

if TYPE_CHECKING:
    from shopsense.search.searcher import Searcher

CURRENT = "current"
_LIBRARIES = (
    "numpy",
    "scipy",
    "polars",
    "pyarrow",
    "duckdb",
    "implicit",
    "torch",
    "safetensors",
    "faiss-cpu",
    "sentence-transformers",
    "lightgbm",
    "bm25s",
    "fastapi",
)
#: Bundles of format 1 (before named artifacts) kept the shoppers' tables here, by these names.
_FORMAT_1_USER_TABLES = ("users", "interactions", "reviews", "queries", PRECOMPUTED)
#: One erasure at a time in this process: two would each rewrite a table from the same old copy.
_ERASING = threading.Lock()


def train_bundle(
    dataset: Dataset,
    out_dir: str | Path,
    models: Sequence[str] | None = None,
    configs: dict[str, dict[str, Any]] | None = None,
    metrics: dict[str, Any] | None = None,
    search: bool = True,
    precompute: bool = True,
    on_step: Callable[[str], None] | None = None,
    skip: Collection[str] = (),
    reviews_model: Path | None = None,
    policies: Path | None = None,
    assistant_model: Path | None = None,
    engine: Engine | None = None,
) -> Path:
    """Build every artifact of the registry on all of `dataset`, write a new bundle version
    under `out_dir` and make it current. Returns the version directory.

    `models` are the recommendation models (default `DEFAULT_MODELS`); `configs` maps a model
    name to config overrides. `metrics` (an offline evaluation of the same models, if one ran)
    is recorded in the manifest as-is. `skip` names optional artifacts to leave out;
    `search=False` and `precompute=False` leave out the search index and the shoppers' lists
    computed ahead (which the server answers with until a shopper's history changes).
    `reviews_model` is a review analyzer `shopsense reviews train` wrote (default: one fitted
    on the shop's own rated reviews); `policies` the shop's policy folder and `assistant_model`
    an evidence ranker `shopsense assistant train` wrote (`BuildContext`). `engine` runs the
    parallel parts (default: this process); the manifest records which it was.
    """
    names = expand_models(",".join(models)) if models else default_models()
    configs = configs or {}
    unknown = set(configs) - set(names)
    if unknown:
        raise ValueError(f"configs given for models not trained: {', '.join(sorted(unknown))}")
    skipped = set(skip) | ({"search"} if not search else set())
    skipped |= {"precomputed"} if not precompute else set()
    _check_skip(skipped)
    context = BuildContext(
        names,
        configs,
        on_step or (lambda message: None),
        reviews_model=reviews_model,
        policies=policies,
        assistant_model=assistant_model,
        engine=engine or LocalEngine(),
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    version = f"{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    staging = out_dir / f".{version}.partial"
    staging.mkdir()
    try:
        entries: dict[str, dict[str, Any]] = {}
        for name, artifact in ARTIFACTS.items():
            if name in skipped:
                continue
            started = time.perf_counter()
            built = artifact.build(dataset, context)
            context.built[name] = built
            directory = staging / name
            directory.mkdir()
            saved = artifact.save(built, directory)
            context.folders[name] = directory
            entries[name] = {
                "version": artifact.version,
                "config": saved["config"],
                "metrics": saved["metrics"],
                "seconds": round(time.perf_counter() - started, 3),
                "files": digests(staging, directory),
            }
        manifest = {
            "format": BUNDLE_FORMAT,
            "version": version,
            "created_at": created.isoformat(),
            "shopsense": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "libraries": _library_versions(),
            "dataset": dataset.stats(),
            "training": "all interactions (production fit, no held-out split)",
            "engine": context.engine.describe(),
            "artifacts": entries,
            "metrics": metrics,
        }
        write_manifest(staging, manifest)
        final = out_dir / version
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    set_current(out_dir, version)
    context.step(f"bundle {version} written to {final}")
    return final


def set_current(root: str | Path, version: str) -> None:
    """Point `root/current` at `version` atomically (a reader sees the old or the new one)."""
    root = Path(root)
    if not (root / version / MANIFEST).is_file():
        raise FileNotFoundError(f"{root / version} is not a bundle (no {MANIFEST})")
    pointer = root / f".{CURRENT}.{secrets.token_hex(4)}"
    with open(pointer, "w") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, root / CURRENT)


def resolve(path: str | Path) -> Path:
    """The version directory `path` names: itself if it holds a manifest, else what
    `path/current` points at."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return path
    pointer = path / CURRENT
    if not pointer.is_file():
        raise FileNotFoundError(
            f"{path} is not a bundle: no {MANIFEST} and no '{CURRENT}' pointer "
            "(make one with `shopsense train --out DIR`)"
        )
    version = path / pointer.read_text().strip()
    if not (version / MANIFEST).is_file():
        raise FileNotFoundError(f"{pointer} points at {version}, which is not a bundle")
    return version


@dataclass(frozen=True, eq=False)
class Bundle:
    """A loaded bundle: the manifest and each artifact as its `Artifact.load` returned it.

    The shop's other tables (users, events, reviews, queries) and the shoppers' precomputed
    lists stay on disk until `dataset()` or `precomputed.read()` reads them, so a server holds
    no per-shopper data it did not ask for.
    """

    path: Path
    manifest: dict[str, Any]
    artifacts: dict[str, Any]
    """Artifact name -> what it loaded; artifacts the bundle was built without are absent."""

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def catalogue(self) -> Catalogue:
        """The products, by item index and by id."""
        return self.artifacts["catalogue"]

    @property
    def items(self) -> pl.DataFrame:
        """The catalogue table; row order is the item index every model uses."""
        return self.catalogue.items

    @property
    def models(self) -> dict[str, Retriever]:
        """The fitted recommendation models, in cascade order."""
        return self.artifacts["recommender"]

    @property
    def searcher(self) -> Searcher | None:
        """Product search over the catalogue, where the bundle was built with it."""
        return self.artifacts.get("search")

    @property
    def reviews(self) -> ReadReviews | None:
        """The shop's review analyzer and analysed reviews, where the bundle has them."""
        return self.artifacts.get("reviews")

    @property
    def assistant(self) -> AssistantParts | None:
        """The assistant's policy passages and evidence ranker, where the bundle has them."""
        return self.artifacts.get("assistant")

    @property
    def precomputed(self) -> PrecomputedLists | None:
        """The shoppers' lists computed at training time, where the bundle has them."""
        return self.artifacts.get("precomputed")

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        """Read the bundle at `path` (a version directory, or a root with a `current` pointer):
        every file is checked against the manifest's SHA-256 first, then each artifact loads."""
        directory = resolve(path)
        manifest = read_manifest(directory)
        if manifest.get("format") != BUNDLE_FORMAT:
            raise ValueError(
                f"{directory} has bundle format {manifest.get('format')}; this ShopSense reads "
                f"format {BUNDLE_FORMAT} — retrain with `shopsense train`"
            )
        entries: dict[str, dict[str, Any]] = manifest["artifacts"]
        _check_artifacts(directory, entries)
        verify(directory, manifest)
        artifacts = {
            name: artifact.load(directory / name, entries[name])
            for name, artifact in ARTIFACTS.items()
            if name in entries
        }
        return cls(path=directory, manifest=manifest, artifacts=artifacts)

    def dataset(self) -> Dataset:
        """The data the bundle was trained on, read from its directory."""
        tables: ShopTables = self.artifacts["data"]
        stats = self.manifest["dataset"]
        return Dataset(
            items=self.items,
            **tables.read(),
            name=stats.get("name", "dataset"),
            synthetic=bool(stats.get("synthetic", False)),
            source=stats.get("source"),
            language=self.catalogue.language,
        )


def erase_user(
    root: str | Path, user_id: str, before_commit: Callable[[], object] | None = None
) -> int:
    """Remove a shopper's rows from every bundle version under `root` (a bundle root, or the
    directory holding version directories); returns the rows removed.

    Erasure must reach these copies too: a new store is seeded from a bundle's data. All or
    nothing: every table without the shopper (`Artifact.erase`) and every manifest with the new
    digests is first written beside the old file; then `before_commit()` runs (the caller's own
    step, e.g. deleting the shopper from the store); only if it returns are the new files
    renamed into place, manifests last. If staging or `before_commit` fails, the new files are
    removed and nothing changed.
    """
    with _ERASING:
        staged: list[StagedFile] = []
        try:
            for version in sorted(p for p in Path(root).iterdir() if (p / MANIFEST).is_file()):
                staged += _stage_erasure(version, user_id)
            if before_commit is not None:
                before_commit()
        except BaseException:
            for file in staged:
                file.discard()
            raise
        for file in staged:
            file.commit()
    return sum(file.rows for file in staged)


def _stage_erasure(version: Path, user_id: str) -> list[StagedFile]:
    """One version's files without the shopper, staged; its manifest (with their digests) last."""
    manifest = read_manifest(version)
    if manifest.get("format") != BUNDLE_FORMAT:
        # Format 1 (before artifacts): plain tables and no digests.
        data = version / "data"
        tables = (erase_rows(data / f"{t}.parquet", user_id) for t in _FORMAT_1_USER_TABLES)
        return [file for file in tables if file is not None]
    staged: list[StagedFile] = []
    for name, entry in manifest["artifacts"].items():
        if name not in ARTIFACTS:
            continue
        files = ARTIFACTS[name].erase(version / name, user_id)
        if files:
            entry["files"] = digests(version, version / name) | {
                file.target.relative_to(version).as_posix(): digest(file.partial) for file in files
            }
            staged += files
    if staged:
        partial = stage_manifest(version, manifest)
        staged.append(StagedFile(partial, version / MANIFEST, 0))
    return staged


def _check_skip(skipped: set[str]) -> None:
    unknown = sorted(skipped - set(ARTIFACTS))
    if unknown:
        raise ValueError(f"unknown artifacts {unknown}; known: {', '.join(ARTIFACTS)}")
    required = sorted(name for name in skipped if not ARTIFACTS[name].optional)
    if required:
        raise ValueError(f"every bundle needs {', '.join(required)}: it cannot be skipped")


def _check_artifacts(directory: Path, entries: dict[str, Any]) -> None:
    """Every artifact of the manifest is one this ShopSense reads, in the format it reads,
    and none that every bundle needs is missing."""
    for name, entry in entries.items():
        artifact = ARTIFACTS.get(name)
        if artifact is None:
            raise ValueError(
                f"{directory} holds an artifact {name!r} this ShopSense does not know; "
                "upgrade ShopSense or retrain the bundle"
            )
        if entry.get("version") != artifact.version:
            raise ValueError(
                f"{directory}: artifact {name!r} has format {entry.get('version')}; this "
                f"ShopSense reads format {artifact.version} — retrain with `shopsense train`"
            )
    missing = [n for n, a in ARTIFACTS.items() if not a.optional and n not in entries]
    if missing:
        raise ValueError(f"{directory} lacks the artifacts {', '.join(missing)}: retrain it")


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
