"""Trained bundles: everything the server needs, in one versioned directory with a manifest.

`train_bundle` fits the configured retrievers on all of a shop's data (production training, not a
split) and writes `out/<version>/` atomically, then points `out/current` at it. A bundle holds

    manifest.json       versions, dataset fingerprint and stats, models with configs, metrics
    data/<table>.parquet the five tables (items = the catalogue; row order = item index)
    models/<name>/      each fitted retriever, as written by `Retriever.save`
    search/             the product search index (BM25 + dense), where built

so it can be moved, served and audited. `Bundle.load` reads a version directory, or the root
(following `current`). Bundles are read-only once written: a new training writes a new version.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shopsense import __version__
from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.retrieval.base import Retriever
from shopsense.retrieval.registry import available, create, expand_models

if TYPE_CHECKING:
    from shopsense.retrieval.search.searcher import Searcher

#: What `shopsense train` builds when no models are named: the learned fusion, the product's
#: recommended configuration. It already holds popularity as a generator and as its fallback
#: order and scores every item, so a separate popularity model after it would never be asked.
DEFAULT_MODELS: tuple[str, ...] = ("best",)

#: Bumped when the directory layout changes incompatibly.
BUNDLE_FORMAT = 1
CURRENT = "current"
MANIFEST = "manifest.json"
SEARCH = "search"
#: Shoppers' lists computed at training time (`serving/precomputed.py`), in the data folder.
PRECOMPUTED = "recommendations"
#: Tables that hold rows about shoppers (erased with them).
_USER_TABLES = ("users", "interactions", "reviews", "queries", PRECOMPUTED)
_LIBRARIES = (
    "numpy",
    "scipy",
    "polars",
    "pyarrow",
    "duckdb",
    "implicit",
    "torch",
    "faiss-cpu",
    "sentence-transformers",
    "lightgbm",
    "bm25s",
    "fastapi",
)


def default_models() -> list[str]:
    """`DEFAULT_MODELS` (groups expanded) without the names this installation does not register."""
    return expand_models(",".join(name for name in DEFAULT_MODELS if name in available()))


def train_bundle(
    dataset: Dataset,
    out_dir: str | Path,
    models: Sequence[str] | None = None,
    configs: dict[str, dict[str, Any]] | None = None,
    metrics: dict[str, Any] | None = None,
    search: bool = True,
    precompute: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> Path:
    """Fit `models` (default `DEFAULT_MODELS`) on all of `dataset`, write a new bundle version
    under `out_dir` and make it current. Returns the version directory.

    `configs` maps a model name to config overrides. `metrics` (an offline evaluation of the same
    models, if one ran) is recorded in the manifest as-is. `search` also builds the product
    search index (BM25 + dense) over the catalogue. `precompute` also stores every shopper's
    recommendations, which the server answers with until the shopper's history changes.
    """
    names = expand_models(",".join(models)) if models else default_models()
    configs = configs or {}
    unknown = set(configs) - set(names)
    if unknown:
        raise ValueError(f"configs given for models not trained: {', '.join(sorted(unknown))}")
    step = on_step or (lambda message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    version = f"{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    staging = out_dir / f".{version}.partial"
    staging.mkdir()
    try:
        step("writing the catalogue and data")
        _write_tables(dataset, staging / "data")
        entries = []
        fitted: dict[str, Retriever] = {}
        for name in names:
            step(f"fitting {name} on {dataset.interactions.height:,} interactions")
            retriever = create(name, **configs.get(name, {}))
            started = time.perf_counter()
            retriever.fit(dataset)
            fit_seconds = time.perf_counter() - started
            retriever.save(staging / "models" / name)
            fitted[name] = retriever
            entries.append(
                {
                    "name": name,
                    "class": f"{type(retriever).__module__}.{type(retriever).__qualname__}",
                    "config": retriever.config.model_dump(mode="json"),
                    "fit_seconds": round(fit_seconds, 3),
                    "path": f"models/{name}",
                }
            )
        search_entry = None
        if search:
            step(f"indexing {dataset.n_items:,} products for search")
            search_entry = _build_search(dataset, staging / SEARCH)
        precomputed = _precompute(dataset, staging, fitted, step) if precompute else None
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
            "models": entries,
            "search": search_entry,
            "precomputed": precomputed,
            "metrics": metrics,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        final = out_dir / version
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    set_current(out_dir, version)
    step(f"bundle {version} written to {final}")
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
    """A loaded bundle: the manifest, the catalogue and the fitted retrievers, in order.

    The shop's other tables (users, events, reviews, queries) stay on disk until `dataset()`
    reads them, so a server holds no per-shopper data it did not ask for.
    """

    path: Path
    manifest: dict[str, Any]
    items: pl.DataFrame
    """The catalogue; row order is the item index every model uses."""
    models: dict[str, Retriever]
    searcher: Searcher | None = None
    """Product search over the catalogue, where the bundle was built with it."""

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        """Read the bundle at `path` (a version directory, or a root with a `current` pointer)."""
        directory = resolve(path)
        manifest = json.loads((directory / MANIFEST).read_text())
        if manifest.get("format") != BUNDLE_FORMAT:
            raise ValueError(
                f"{directory} has bundle format {manifest.get('format')}; this ShopSense reads "
                f"format {BUNDLE_FORMAT} — retrain with `shopsense train`"
            )
        items = schema.conform(pl.read_parquet(directory / "data" / "items.parquet"), "items")
        models = {
            entry["name"]: Retriever.load(directory / entry["path"]) for entry in manifest["models"]
        }
        searcher = None
        if manifest.get("search"):
            from shopsense.retrieval.search.searcher import Searcher

            searcher = Searcher.load(directory / SEARCH)
        return cls(path=directory, manifest=manifest, items=items, models=models, searcher=searcher)

    def dataset(self) -> Dataset:
        """The data the bundle was trained on, read from its directory."""
        stats = self.manifest["dataset"]
        return Dataset(
            **{
                table: pl.read_parquet(self.path / "data" / f"{table}.parquet")
                for table in schema.TABLES
            },
            name=stats.get("name", "dataset"),
            synthetic=bool(stats.get("synthetic", False)),
            source=stats.get("source"),
        )


def erase_user(root: str | Path, user_id: str) -> int:
    """Remove a shopper's rows from the data tables of every bundle version under `root` (a
    bundle root, or the directory holding version directories); returns the rows removed.

    Erasure must reach these copies too: a new store is seeded from a bundle's data. Each table
    is rewritten to a temporary file and renamed over the old one, so a crash leaves either.
    """
    removed = 0
    for version in sorted(p for p in Path(root).iterdir() if (p / MANIFEST).is_file()):
        for table in _USER_TABLES:
            path = version / "data" / f"{table}.parquet"
            if not path.is_file():
                continue
            frame = pl.read_parquet(path)
            kept = frame.filter(pl.col("user_id").ne_missing(user_id))
            if kept.height == frame.height:
                continue
            partial = path.with_suffix(".parquet.partial")
            kept.write_parquet(partial)
            os.replace(partial, path)
            removed += frame.height - kept.height
    return removed


def _precompute(
    dataset: Dataset,
    directory: Path,
    models: dict[str, Retriever],
    step: Callable[[str], None],
) -> dict[str, Any]:
    """Store every shopper's recommendations from the just-fitted `models` in the bundle at
    `directory`, exactly as its server computes them; returns the manifest entry."""
    # The serving layer builds the lists: imported here, where a bundle for serving is made.
    from shopsense.serving.precomputed import PRECOMPUTED_K, precompute
    from shopsense.serving.recommender import Recommender

    items = schema.conform(pl.read_parquet(directory / "data" / "items.parquet"), "items")
    bundle = Bundle(path=directory, manifest={}, items=items, models=models)
    step(f"computing recommendations ahead for {dataset.n_users:,} shoppers")
    started = time.perf_counter()
    table = precompute(Recommender(bundle), dataset, PRECOMPUTED_K)
    table.write_parquet(directory / "data" / f"{PRECOMPUTED}.parquet")
    return {
        "k": PRECOMPUTED_K,
        "shoppers": table["user_id"].n_unique(),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _build_search(dataset: Dataset, directory: Path) -> dict[str, Any]:
    from shopsense.retrieval.search.searcher import Searcher

    started = time.perf_counter()
    # Built over the catalogue alone: the searcher personalises from the request's history,
    # so no shopper's data is stored in (or has to be erased from) the index.
    searcher = Searcher.build(Dataset(items=dataset.items))
    searcher.save(directory)
    return {
        "config": searcher.config.model_dump(mode="json"),
        "fit_seconds": round(time.perf_counter() - started, 3),
        "path": SEARCH,
    }


def _write_tables(dataset: Dataset, directory: Path) -> None:
    directory.mkdir(parents=True)
    for table in schema.TABLES:
        getattr(dataset, table).write_parquet(directory / f"{table}.parquet")


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
