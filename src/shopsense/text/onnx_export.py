"""Export a sentence-transformers model to ONNX and quantise its weights to int8.

The graph covers the whole sentence-transformers pipeline (transformer, pooling, normalisation),
so the exported model returns sentence vectors directly. Weights are quantised per channel:
per-tensor int8 loses too much (cosine to fp32 ~0.96 against ~0.99). We export with
`torch.onnx.export` ourselves because `sentence-transformers[onnx]` pins an older transformers.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from shopsense.text.cache import build_once, model_slug

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

ONNX_FILE = "model.int8.onnx"
_OPSET = 17


def onnx_int8_dir(model_name: str, cache_root: Path) -> Path:
    """Where the int8 export of `model_name` lives under the cache root."""
    return cache_root / "onnx" / f"{model_slug(model_name)}.int8-per-channel"


def ensure_onnx_int8(
    model_name: str, cache_root: Path, load_model: Callable[[], SentenceTransformer]
) -> Path:
    """The directory of the int8 export of `model_name`, exporting it first if missing.

    `load_model` is called only when an export is needed. The export is written to a private
    temporary directory and renamed into place, so concurrent processes never see half a model.
    """
    return build_once(
        onnx_int8_dir(model_name, cache_root),
        "meta.json",
        lambda staging: export_onnx_int8(load_model(), staging),
    )


def export_onnx_int8(model: SentenceTransformer, directory: Path) -> None:
    """Write `model.int8.onnx`, the tokenizer and `meta.json` of `model` into `directory`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tokenizer = model.tokenizer
    input_names = list(tokenizer.model_input_names)
    example = tokenizer(
        ["an example", "a slightly longer example"], padding=True, return_tensors="pt"
    )
    fp32_path = directory / "model.fp32.onnx"
    axes = {name: {0: "batch", 1: "tokens"} for name in input_names}
    with warnings.catch_warnings():
        # Tracing warns about shape checks that hold for every input we feed.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _sentence_embedding_module(model, input_names).eval(),
            tuple(example[name] for name in input_names),
            str(fp32_path),
            dynamo=False,
            input_names=input_names,
            output_names=["sentence_embedding"],
            dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
            opset_version=_OPSET,
        )
    quantiser_log = logging.getLogger()
    level = quantiser_log.level
    # The quantiser logs a generic hint about shape pre-processing at WARNING on the root logger.
    quantiser_log.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(fp32_path),
            str(directory / ONNX_FILE),
            per_channel=True,
            weight_type=QuantType.QInt8,
        )
    finally:
        quantiser_log.setLevel(level)
    fp32_path.unlink()
    tokenizer.save_pretrained(str(directory))
    meta = {
        "dimension": int(model.get_embedding_dimension()),
        "prompts": {kind: str(text) for kind, text in model.prompts.items()},
        "input_names": input_names,
        "quantisation": "dynamic int8, per channel",
        "opset": _OPSET,
    }
    (directory / "meta.json").write_text(json.dumps(meta, indent=2))


def _sentence_embedding_module(
    model: SentenceTransformer, input_names: list[str]
) -> torch.nn.Module:
    import torch

    class SentenceEmbedding(torch.nn.Module):
        """Tokenizer tensors in, sentence vectors out (for tracing)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            features = dict(zip(input_names, tensors, strict=True))
            return self.model(features)["sentence_embedding"]

    return SentenceEmbedding()
