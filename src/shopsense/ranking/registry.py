"""Every recommender by name: the retrieval layer's generators plus the learned fusion.

This is the registry the CLI, the evaluation harness and bundles build models from.
"""

from __future__ import annotations

from typing import Any

from shopsense.retrieval.base import Retriever
from shopsense.retrieval.registry import GENERATORS, Registry

RECOMMENDERS: Registry = GENERATORS.extended(
    classes={"best": "shopsense.ranking.fusion:FusionRetriever"},
    presets={
        "best-id": ("best", {"text": False}),
        "best-seq": ("best", {"sequential": True}),
    },
)
#: What `shopsense evaluate` runs when no models are named.
DEFAULT_EVALUATION = "best"


def create(name: str, **config: Any) -> Retriever:
    """A new, unfitted recommender `name` (a model or a preset) with config overrides."""
    return RECOMMENDERS.create(name, **config)


def expand_models(names: str) -> list[str]:
    """Comma-separated model and group names -> model names (unknown names are errors)."""
    return RECOMMENDERS.expand(names)


def available() -> list[str]:
    """Names accepted by `create` and `expand_models`."""
    return RECOMMENDERS.available()
