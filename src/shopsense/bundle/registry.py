"""The artifacts a bundle can hold, in build order: a new capability adds its module and one
entry here (and, to serve it, one router in `shopsense.serving.routers`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shopsense.bundle.artifact import Artifact
from shopsense.bundle.assistant import AssistantArtifact
from shopsense.bundle.catalogue import CatalogueArtifact
from shopsense.bundle.precomputed import PrecomputedArtifact
from shopsense.bundle.recommender import RecommenderArtifact
from shopsense.bundle.reviews import ReviewsArtifact
from shopsense.bundle.search import SearchArtifact
from shopsense.bundle.shop_data import DataArtifact

#: Name -> artifact; later ones may read what earlier ones built (`BuildContext.built`).
ARTIFACTS: Mapping[str, Artifact] = MappingProxyType(
    {
        artifact.name: artifact
        for artifact in (
            CatalogueArtifact(),
            DataArtifact(),
            ReviewsArtifact(),
            RecommenderArtifact(),
            SearchArtifact(),
            PrecomputedArtifact(),
            AssistantArtifact(),
        )
    }
)
