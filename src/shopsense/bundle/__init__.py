"""Trained bundles: every artifact the server needs, in one versioned directory with a manifest.

A bundle is a registry of named artifacts (`registry.ARTIFACTS`), each in its own folder:

    manifest.json        versions, dataset fingerprint and stats, offline metrics, and per
                         artifact: format version, config, metrics, build seconds, and the
                         SHA-256 of every file it wrote
    catalogue/           the products (row order = item index)            `catalogue.py`
    data/                users, interactions, reviews, queries            `shop_data.py`
    reviews/             the review analyzer and every review's reading   `reviews.py`
    recommender/<name>/  each fitted model, as `Retriever.save` wrote it  `recommender.py`
    search/              the product search index, where built            `search.py`
    precomputed/         shoppers' lists computed ahead, where built      `precomputed.py`

Artifacts are saved as parquet, NumPy arrays, JSON and libraries' own index files, never as
pickles, and `Bundle.load` refuses a file whose digest does not match the manifest, so loading
a bundle into a running server runs no code from it. A new capability is one module with an
`Artifact` (`artifact.py`) and one entry in the registry.
"""

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.bundle.catalogue import Catalogue
from shopsense.bundle.manifest import BUNDLE_FORMAT, MANIFEST, BundleIntegrityError
from shopsense.bundle.precomputed import PRECOMPUTED, PrecomputedLists
from shopsense.bundle.recommender import DEFAULT_MODELS, default_models
from shopsense.bundle.registry import ARTIFACTS
from shopsense.bundle.versions import (
    CURRENT,
    Bundle,
    erase_user,
    resolve,
    set_current,
    train_bundle,
)

__all__ = [
    "ARTIFACTS",
    "BUNDLE_FORMAT",
    "CURRENT",
    "DEFAULT_MODELS",
    "MANIFEST",
    "PRECOMPUTED",
    "Artifact",
    "BuildContext",
    "Bundle",
    "BundleIntegrityError",
    "Catalogue",
    "PrecomputedLists",
    "Saved",
    "default_models",
    "erase_user",
    "resolve",
    "set_current",
    "train_bundle",
]
