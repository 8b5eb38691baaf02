"""Names of the retrievers the CLI and the evaluation harness can build."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from shopsense.retrieval.base import Retriever

#: name -> "module:Class". Imported lazily so that heavy models load only when asked for.
RETRIEVERS: dict[str, str] = {
    "popularity": "shopsense.retrieval.popularity:PopularityRetriever",
    "cooccurrence": "shopsense.retrieval.cooccurrence:CooccurrenceRetriever",
    "itemknn": "shopsense.retrieval.itemknn:ItemKNNRetriever",
    "als": "shopsense.retrieval.matrix_factorization:ALSRetriever",
    "bpr": "shopsense.retrieval.matrix_factorization:BPRRetriever",
    "sasrec": "shopsense.retrieval.sequential:SASRecRetriever",
    "content": "shopsense.retrieval.content:ContentRetriever",
    "bridge": "shopsense.retrieval.text_bridge:TextBridgeRetriever",
    "best": "shopsense.ranking.fusion:FusionRetriever",
}

#: name -> (registered model, config overrides): named variants, e.g. the ablations of a report.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "best-id": ("best", {"text": False}),
    "sasrec-id": ("sasrec", {"item_representation": "id"}),
}

#: Named groups accepted wherever model names are.
GROUPS: dict[str, list[str]] = {
    "baselines": ["popularity", "cooccurrence", "itemknn", "als", "bpr"],
}
#: What `shopsense evaluate` runs when no models are named.
DEFAULT_EVALUATION = "best"


def expand_models(names: str) -> list[str]:
    """Comma-separated model and group names -> model names (unknown names are errors)."""
    expanded: list[str] = []
    for name in (part.strip() for part in names.split(",")):
        for model in GROUPS.get(name, [name]):
            retriever_class(model)
            if model not in expanded:
                expanded.append(model)
    if not expanded:
        raise ValueError("no model named; available: " + ", ".join(available()))
    return expanded


def available() -> list[str]:
    """Names accepted by `create` and `expand_models`."""
    return sorted(RETRIEVERS) + sorted(PRESETS) + sorted(GROUPS)


def retriever_class(name: str) -> type[Retriever]:
    """The class registered under `name` (a preset's model class for a preset)."""
    name = PRESETS.get(name, (name, {}))[0]
    try:
        module_name, class_name = RETRIEVERS[name].split(":")
    except KeyError:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(available())}") from None
    return getattr(import_module(module_name), class_name)


def create(name: str, **config: Any) -> Retriever:
    """A new, unfitted retriever `name` (a model or a preset) with config overrides."""
    _, preset = PRESETS.get(name, (name, {}))
    return retriever_class(name)(**{**preset, **config})
