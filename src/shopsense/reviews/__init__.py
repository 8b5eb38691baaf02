"""Review understanding, English and Chinese: sentiment and aspects per review
(`ReviewAnalyzer`), per-product summaries whose every claim cites a quote (`summarize`),
trends and burst alerts over the review stream (`ReviewMonitor`), the per-product signals that
search and the recommender read (`ItemReviewSignals`), and a shop's reviews kept current as
they arrive (`ShopReviews`).

The names below are imported on first use: search and ranking read `reviews.signals` and should
not pay for the models' libraries (scikit-learn, jieba, the encoder) when they do.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopsense.reviews.alerts import Alert, MonitorConfig, ReviewMonitor
    from shopsense.reviews.analysis import AspectMention, ReviewAnalysis
    from shopsense.reviews.analyzer import AnalyzerConfig, ReviewAnalyzer
    from shopsense.reviews.corpora import LabelledReviews, load_corpus
    from shopsense.reviews.features import FeatureConfig, ReviewFeatures
    from shopsense.reviews.insights import ShopReviews
    from shopsense.reviews.polarity import AspectPolarityModel, PolarityConfig
    from shopsense.reviews.sentiment import ReviewSentiment, SentimentConfig, SentimentModel
    from shopsense.reviews.signals import ItemReviewSignals, ReviewFloor
    from shopsense.reviews.summary import ProductSummary, summarize

#: Each exported name and the module that defines it.
_HOMES = {
    "Alert": "alerts",
    "MonitorConfig": "alerts",
    "ReviewMonitor": "alerts",
    "AspectMention": "analysis",
    "ReviewAnalysis": "analysis",
    "AnalyzerConfig": "analyzer",
    "ReviewAnalyzer": "analyzer",
    "LabelledReviews": "corpora",
    "load_corpus": "corpora",
    "FeatureConfig": "features",
    "ReviewFeatures": "features",
    "ShopReviews": "insights",
    "AspectPolarityModel": "polarity",
    "PolarityConfig": "polarity",
    "ReviewSentiment": "sentiment",
    "SentimentConfig": "sentiment",
    "SentimentModel": "sentiment",
    "ItemReviewSignals": "signals",
    "ReviewFloor": "signals",
    "ProductSummary": "summary",
    "summarize": "summary",
}
__all__ = [
    "Alert",
    "AnalyzerConfig",
    "AspectMention",
    "AspectPolarityModel",
    "FeatureConfig",
    "ItemReviewSignals",
    "LabelledReviews",
    "MonitorConfig",
    "PolarityConfig",
    "ProductSummary",
    "ReviewAnalysis",
    "ReviewAnalyzer",
    "ReviewFeatures",
    "ReviewFloor",
    "ReviewMonitor",
    "ReviewSentiment",
    "SentimentConfig",
    "SentimentModel",
    "ShopReviews",
    "load_corpus",
    "summarize",
]


def __getattr__(name: str) -> Any:
    """The exported `name`, imported from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
