"""Named retrievers: a `Registry` maps names to classes, presets and groups.

`GENERATORS` holds the candidate generators of this package. The ranking layer extends it with
the fused recommender (`shopsense.ranking.registry.RECOMMENDERS`), which is what the CLI, the
evaluation harness and bundles build from, so no lower layer ever names a higher one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from shopsense.retrieval.base import Retriever


@dataclass(frozen=True)
class Registry:
    """Retriever names: classes (imported lazily, so heavy models load only when asked for),
    presets (a registered model with config overrides, e.g. an ablation) and groups."""

    classes: Mapping[str, str]
    """name -> "module:Class"."""
    presets: Mapping[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """name -> (registered model, config overrides)."""
    groups: Mapping[str, list[str]] = field(default_factory=dict)
    """name -> model names, accepted wherever model names are."""

    def extended(
        self,
        classes: Mapping[str, str] | None = None,
        presets: Mapping[str, tuple[str, dict[str, Any]]] | None = None,
        groups: Mapping[str, list[str]] | None = None,
    ) -> Registry:
        """This registry plus more names."""
        return Registry(
            {**self.classes, **(classes or {})},
            {**self.presets, **(presets or {})},
            {**self.groups, **(groups or {})},
        )

    def available(self) -> list[str]:
        """Names accepted by `create` and `expand`."""
        return sorted(self.classes) + sorted(self.presets) + sorted(self.groups)

    def expand(self, names: str) -> list[str]:
        """Comma-separated model and group names -> model names (unknown names are errors)."""
        expanded: list[str] = []
        for name in (part.strip() for part in names.split(",")):
            for model in self.groups.get(name, [name]):
                self.retriever_class(model)
                if model not in expanded:
                    expanded.append(model)
        if not expanded:
            raise ValueError("no model named; available: " + ", ".join(self.available()))
        return expanded

    def retriever_class(self, name: str) -> type[Retriever]:
        """The class registered under `name` (a preset's model class for a preset)."""
        name = self.presets.get(name, (name, {}))[0]
        try:
            module_name, class_name = self.classes[name].split(":")
        except KeyError:
            raise ValueError(
                f"unknown model {name!r}; available: {', '.join(self.available())}"
            ) from None
        retriever_class = import_module(module_name).__dict__[class_name]
        if not (isinstance(retriever_class, type) and issubclass(retriever_class, Retriever)):
            raise TypeError(f"{self.classes[name]} is not a Retriever")
        return retriever_class

    def create(self, name: str, **config: Any) -> Retriever:
        """A new, unfitted retriever `name` (a model or a preset) with config overrides."""
        _, preset = self.presets.get(name, (name, {}))
        return self.retriever_class(name)(**{**preset, **config})


#: The candidate generators of the retrieval layer.
GENERATORS = Registry(
    classes={
        "popularity": "shopsense.retrieval.popularity:PopularityRetriever",
        "cooccurrence": "shopsense.retrieval.cooccurrence:CooccurrenceRetriever",
        "itemknn": "shopsense.retrieval.itemknn:ItemKNNRetriever",
        "als": "shopsense.retrieval.matrix_factorization:ALSRetriever",
        "bpr": "shopsense.retrieval.matrix_factorization:BPRRetriever",
        "sasrec": "shopsense.retrieval.sequential:SASRecRetriever",
        "content": "shopsense.retrieval.content:ContentRetriever",
        "bridge": "shopsense.retrieval.text_bridge:TextBridgeRetriever",
    },
    presets={"sasrec-id": ("sasrec", {"item_representation": "id"})},
    groups={"baselines": ["popularity", "cooccurrence", "itemknn", "als", "bpr"]},
)
