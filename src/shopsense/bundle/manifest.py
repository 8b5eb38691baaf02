"""The manifest of a bundle version and the digests that tie it to the files.

`manifest.json` holds the versions, the data fingerprint and, per artifact, the SHA-256 of
every file it wrote (`files`, keyed by path relative to the version folder). `verify` checks the
folder against it before anything is read: a changed, missing or unlisted file is an error that
names it. The manifest itself is replaced atomically (`write_manifest`), so a reader sees the old
or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
#: Bumped when the layout of a bundle changes incompatibly (2: named artifacts with digests).
BUNDLE_FORMAT = 2


class BundleIntegrityError(ValueError):
    """A bundle's files do not match its manifest."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}; the bundle was changed after training — retrain it")
        self.path = path


def digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def digests(root: Path, directory: Path) -> dict[str, str]:
    """Digest of every file under `directory`, keyed by its path relative to `root`."""
    return {
        path.relative_to(root).as_posix(): digest(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not _in_progress(path)
    }


def verify(root: Path, manifest: dict[str, Any]) -> None:
    """Check that the version folder `root` holds exactly the files its manifest lists, with
    their digests; raises `BundleIntegrityError` naming the first file that differs."""
    expected: dict[str, str] = {}
    for entry in manifest["artifacts"].values():
        expected.update(entry["files"])
    present = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not _in_progress(path)
    }
    present.discard(MANIFEST)
    for name in sorted(present - set(expected)):
        raise BundleIntegrityError(root / name, "file not listed in the manifest")
    for name, wanted in sorted(expected.items()):
        path = root / name
        if not path.is_file():
            raise BundleIntegrityError(path, "file listed in the manifest is missing")
        if digest(path) != wanted:
            raise BundleIntegrityError(path, "SHA-256 does not match the manifest")


def read_manifest(root: Path) -> dict[str, Any]:
    return json.loads((root / MANIFEST).read_text())


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Write `root/manifest.json` atomically: a temporary file, flushed, renamed over it."""
    os.replace(stage_manifest(root, manifest), root / MANIFEST)


def stage_manifest(root: Path, manifest: dict[str, Any]) -> Path:
    """Write `manifest` to a temporary file beside `root/manifest.json` (flushed to disk) and
    return its path, for the caller to rename over it."""
    partial = root / f".{MANIFEST}.{secrets.token_hex(4)}.partial"
    with open(partial, "w") as handle:
        handle.write(json.dumps(manifest, indent=2, default=str))
        handle.flush()
        os.fsync(handle.fileno())
    return partial


def _in_progress(path: Path) -> bool:
    """A temporary file of an atomic rewrite (`.<name>.<token>.partial`): never read, and
    left behind only by a crash."""
    return path.name.startswith(".") and path.name.endswith(".partial")
