"""The recommender artifact: the fitted models, in cascade order, each in its own folder as
written by `Retriever.save` (arrays, sparse matrices, JSON, faiss and safetensors files).

The learned fusion reads its review features from the reviews artifact's analysed reviews
where that was built before it (else from the shop's star ratings)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.data.dataset import Dataset
from shopsense.ranking.registry import available, create, expand_models
from shopsense.retrieval.base import Retriever

#: What `shopsense train` builds when no models are named: the learned fusion, the product's
#: recommended configuration. It already holds popularity as a generator and as its fallback
#: order and scores every item, so a separate popularity model after it would never be asked.
DEFAULT_MODELS: tuple[str, ...] = ("best",)


def default_models() -> list[str]:
    """`DEFAULT_MODELS` (groups expanded) without the names this installation does not register."""
    return expand_models(",".join(name for name in DEFAULT_MODELS if name in available()))


@dataclass(frozen=True)
class FittedModels:
    """The models a training fitted, by name in cascade order, and how long each took."""

    models: dict[str, Retriever]
    fit_seconds: dict[str, float]


class RecommenderArtifact(Artifact):
    name = "recommender"
    version = 1
    optional = False

    def build(self, dataset: Dataset, context: BuildContext) -> FittedModels:
        # Imported here, like the registry imports it: the fusion pulls in LightGBM.
        from shopsense.ranking.fusion import FusionRetriever

        models: dict[str, Retriever] = {}
        seconds: dict[str, float] = {}
        read = context.built.get("reviews")
        for name in context.models:
            context.step(f"fitting {name} on {dataset.interactions.height:,} interactions")
            retriever = create(name, **context.configs.get(name, {}))
            if read is not None and isinstance(retriever, FusionRetriever):
                retriever.use_reviews(read.analyzed)
            started = time.perf_counter()
            models[name] = retriever.fit(dataset)
            seconds[name] = round(time.perf_counter() - started, 3)
        return FittedModels(models, seconds)

    def save(self, built: FittedModels, directory: Path) -> Saved:
        described = []
        for name, retriever in built.models.items():
            retriever.save(directory / name)
            described.append(
                {
                    "name": name,
                    "class": f"{type(retriever).__module__}.{type(retriever).__qualname__}",
                    "config": retriever.config.model_dump(mode="json"),
                }
            )
        return {"config": {"models": described}, "metrics": {"fit_seconds": built.fit_seconds}}

    def load(self, directory: Path, entry: Mapping[str, Any]) -> dict[str, Retriever]:
        return {
            model["name"]: Retriever.load(directory / model["name"])
            for model in entry["config"]["models"]
        }
