"""Capabilities a retriever declares by inheriting them, so code asks `isinstance`, never probes.

Every `Retriever` scores, recommends, explains and saves. Some can do more:
- `ReadsText`: it holds one text vector per catalogue item and encodes shoppers' words into the
  same space (the server reuses them for interest profiles and sentences);
- `Composite`: it is built from fitted retrievers (the learned fusion's generators), which the
  server searches for such capabilities in turn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

import numpy as np

from shopsense.retrieval.base import Retriever, UserContext
from shopsense.text.encoder import EncoderConfig
from shopsense.text.item_text import ItemTextRecipe


class ReadsText(ABC):
    """A retriever that reads item text and shoppers' sentences."""

    item_vectors: np.ndarray
    """Unit text vector per catalogue item, row = item index."""

    @property
    @abstractmethod
    def text_encoder(self) -> EncoderConfig:
        """The encoder the item vectors were made with."""

    @property
    @abstractmethod
    def text_recipe(self) -> ItemTextRecipe:
        """The item fields that made up each item's text."""

    @abstractmethod
    def user_vectors(self, users: Sequence[UserContext]) -> np.ndarray:
        """One vector per user (history profile and/or sentence), in the item vectors' space."""


class Composite(ABC):
    """A model built from other fitted retrievers."""

    @abstractmethod
    def components(self) -> Mapping[str, Retriever]:
        """The fitted retrievers it is built from, by name."""


def find_text_reader(models: Sequence[Retriever]) -> ReadsText | None:
    """The first model that reads text among `models` or, depth first, their components."""
    for model in models:
        if isinstance(model, ReadsText):
            return model
        if isinstance(model, Composite):
            found = find_text_reader(list(model.components().values()))
            if found is not None:
                return found
    return None
