"""Ranking: candidates from several generators, features, a learned ranker (the "best"
recommender), re-ranking for the shop window, and explanations."""

from shopsense.ranking.candidates import Candidates, GeneratorSpec
from shopsense.ranking.explain import Explainer, Explanation, SourceSignal
from shopsense.ranking.features import FeatureBuilder, FeatureConfig
from shopsense.ranking.fusion import FusionConfig, FusionRetriever
from shopsense.ranking.ranker import LambdaRanker, RankerConfig
from shopsense.ranking.rerank import BusinessRules, Exposure, RerankConfig, Reranker

__all__ = [
    "BusinessRules",
    "Candidates",
    "Explainer",
    "Explanation",
    "Exposure",
    "FeatureBuilder",
    "FeatureConfig",
    "FusionConfig",
    "FusionRetriever",
    "GeneratorSpec",
    "LambdaRanker",
    "RankerConfig",
    "RerankConfig",
    "Reranker",
    "SourceSignal",
]
