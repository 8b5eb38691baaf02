"""Review understanding: sentiment per review, English and Chinese."""

from shopsense.reviews.corpora import LabelledReviews, load_corpus
from shopsense.reviews.features import FeatureConfig, ReviewFeatures
from shopsense.reviews.sentiment import (
    ReviewSentiment,
    SentimentConfig,
    SentimentModel,
)

__all__ = [
    "FeatureConfig",
    "LabelledReviews",
    "ReviewFeatures",
    "ReviewSentiment",
    "SentimentConfig",
    "SentimentModel",
    "load_corpus",
]
