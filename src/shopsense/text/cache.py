"""`EmbeddingCache`: vectors already computed, on disk, keyed by text hash.

One SQLite file per (model, backend, max_length) under the cache directory, so changing any of
them never serves a stale vector. SQLite because several processes (tests, the CLI, the server)
may share the directory: writes are transactional, so an interrupted run keeps every finished
batch and never corrupts the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

#: Parameters per `IN (...)` lookup; SQLite's default limit is 999 on old builds.
_LOOKUP_CHUNK = 900


def default_cache_root() -> Path:
    """`$SHOPSENSE_CACHE_DIR` if set, otherwise `~/.cache/shopsense`."""
    configured = os.environ.get("SHOPSENSE_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "shopsense"


def model_slug(model_name: str) -> str:
    """A file-name-safe, collision-free name for a model name or path."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name).strip("_")[-60:]
    return f"{readable}-{hashlib.sha256(model_name.encode()).hexdigest()[:8]}"


def build_once(directory: Path, marker: str, write: Callable[[Path], None]) -> Path:
    """`directory`, calling `write(staging)` first unless it already holds `marker` (the file
    `write` puts there last). The build goes to a private temporary directory that is renamed
    into place, so concurrent processes never see half of it."""
    if (directory / marker).is_file():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write(staging)
        os.rename(staging, directory)
    except OSError:
        if not (directory / marker).is_file():
            raise
        # Another process finished the same build first; theirs is as good as ours.
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def text_key(kind: str, text: str) -> bytes:
    """The cache key of one text: sha256 of the text, within its kind (query or document)."""
    return hashlib.sha256(f"{kind}\x00{text}".encode()).digest()


class EmbeddingCache:
    """Unit vectors of one encoder set-up, stored by `text_key`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # A long timeout: other processes may be writing a batch into the same file. One
        # connection serves every thread of the process (the API server), one call at a time.
        self._db = sqlite3.connect(path, timeout=120.0, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")

    @classmethod
    def for_encoder(
        cls, root: Path, model_name: str, backend: str, max_length: int
    ) -> EmbeddingCache:
        """The store of one (model, backend, max_length) under `root/embeddings`."""
        name = f"{model_slug(model_name)}.{backend}.len{max_length}.sqlite3"
        return cls(root / "embeddings" / name)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The stored vectors of those `keys` that are present."""
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = list(keys[start : start + _LOOKUP_CHUNK])
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                ).fetchall()
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store `vectors[i]` under `keys[i]` in one transaction."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                ((key, vector.tobytes()) for key, vector in zip(keys, vectors, strict=True)),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
