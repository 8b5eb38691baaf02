"""Encoder fine-tuning: it learns a shop's own words, is reused once trained, refuses too little."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopsense.text import Encoder, EncoderConfig
from shopsense.text.fine_tune import FineTuneConfig, fine_tune

# Shop jargon (model codes) a general-purpose encoder cannot know, each naming one product.
PAIRS = [
    ("qx-71", "Cordless hammer drill with two batteries"),
    ("brl-9", "Stainless steel kitchen sink, double bowl"),
    ("tmz-4", "Ceramic floor tile, matte grey, 12 x 24 in"),
    ("vrk-22", "Outdoor LED flood light with motion sensor"),
    ("plo-3", "Copper pipe fitting, 90 degree elbow"),
    ("gha-8", "Fibreglass step ladder, 6 ft"),
]
FAST = FineTuneConfig(epochs=25, batch_size=6, learning_rate=2e-4, warmup_fraction=0.0)


def _hits(encoder: Encoder) -> int:
    """How many jargon queries find their own product first among the six."""
    queries = encoder.encode([q for q, _ in PAIRS], kind="query")
    documents = encoder.encode([d for _, d in PAIRS], kind="document")
    return int(((queries @ documents.T).argmax(axis=1) == np.arange(len(PAIRS))).sum())


def test_fine_tuning_learns_the_shops_words(encoder_config: EncoderConfig, tmp_path: Path) -> None:
    stock = Encoder(EncoderConfig(cache_dir=str(tmp_path), backend="torch")).config
    model = fine_tune(stock.model_name, PAIRS, tmp_path, FAST)
    tuned = Encoder(stock.model_copy(update={"model_name": str(model)}))
    assert _hits(tuned) == len(PAIRS) > _hits(Encoder(stock)) + 2
    # The ONNX int8 backend (the default) takes the fine-tuned model like any other.
    assert _hits(Encoder(encoder_config.model_copy(update={"model_name": str(model)}))) >= 5

    # Same base model, pairs and settings: the trained model is reused, not trained again.
    written = (model / "fine_tune.json").stat().st_mtime_ns
    assert fine_tune(stock.model_name, PAIRS, tmp_path, FAST) == model
    assert (model / "fine_tune.json").stat().st_mtime_ns == written
    # Different pairs: a different model (and so a different vector cache).
    assert fine_tune(stock.model_name, PAIRS[::-1], tmp_path, FAST.model_copy(update={"epochs": 1}))
    assert len(list((tmp_path / "fine-tuned").iterdir())) == 2


def test_too_few_pairs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pairs: 2 .*fewer than one batch"):
        fine_tune("sentence-transformers/all-MiniLM-L6-v2", PAIRS[:2], tmp_path, FAST)
