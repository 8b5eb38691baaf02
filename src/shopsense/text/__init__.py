"""Text understanding: the sentence encoder, item texts, user interest profiles."""

from shopsense.text.encoder import Encoder, EncoderConfig

__all__ = ["Encoder", "EncoderConfig"]
