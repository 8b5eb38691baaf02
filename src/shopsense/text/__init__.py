"""Text understanding: the sentence encoder, item texts, user interest profiles."""

from shopsense.text.encoder import Encoder, EncoderConfig
from shopsense.text.item_text import ItemTextRecipe, TextPart, item_texts, item_vectors
from shopsense.text.profiles import (
    DecayConfig,
    Interest,
    InterestProfiler,
    ProfileConfig,
    UserProfile,
)

__all__ = [
    "DecayConfig",
    "Encoder",
    "EncoderConfig",
    "Interest",
    "InterestProfiler",
    "ItemTextRecipe",
    "ProfileConfig",
    "TextPart",
    "UserProfile",
    "item_texts",
    "item_vectors",
]
