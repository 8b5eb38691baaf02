"""Fine-tune a pretrained encoder as a text (or text-pair) classifier, and serve it as ONNX int8.

The classifier is the encoder's mean-pooled last hidden states (how multilingual-e5 is trained to
be read) followed by dropout and one linear layer. Training is AdamW with a linear warm-up and
decay, batches padded to their longest text, and early stopping on a validation set: the weights
that scored the best validation accuracy are the ones kept. The word-embedding matrix (most of
e5-small's parameters, a 250k-piece vocabulary) is frozen by default, which halves the optimiser's
memory and time and keeps the pieces that the training set never shows where pretraining put them.

After training the model is exported to ONNX and its weights quantised to int8 per channel
(onnxruntime `quantize_dynamic`); every prediction, before and after `save`/`load`, runs that
graph on ONNX Runtime, so a saved model scores exactly as the fitted one. A saved directory holds
`encoder/` (the fine-tuned encoder and its tokenizer as a Hugging Face directory, safetensors),
`head.safetensors`, `model.onnx` and `classifier.json`; no pickles.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.model_selection import train_test_split

from shopsense.text.backends import resolve_model_path
from shopsense.text.encoder import MULTILINGUAL_MODEL

if TYPE_CHECKING:
    import onnxruntime
    import torch
    from transformers import PreTrainedTokenizerBase

__all__ = ["ClassifierConfig", "Examples", "TextClassifier", "split_examples"]

ONNX_FILE = "model.onnx"
_SETTINGS_FILE = "classifier.json"
_HEAD_FILE = "head.safetensors"
_ENCODER_DIR = "encoder"
_OPSET = 17


class ClassifierConfig(BaseModel):
    """How an encoder is fine-tuned into a classifier."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = Field(
        MULTILINGUAL_MODEL,
        description="The pretrained encoder: a model name `shopsense.text` resolves or a local "
        "Hugging Face directory.",
    )
    cache_dir: str | None = Field(
        None, description="Cache root where a converted base model lives; None: the default."
    )
    max_length: int = Field(128, ge=8, description="Tokens kept per example (pair included).")
    epochs: float = Field(3.0, gt=0, description="Most passes over the training examples.")
    max_steps: int | None = Field(
        None, ge=1, description="Most optimiser steps (a time budget); None: `epochs` decide."
    )
    batch_size: int = Field(32, ge=1, description="Examples per optimiser step.")
    learning_rate: float = Field(5e-5, gt=0, description="Peak AdamW learning rate.")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay.")
    warmup_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of steps with a linearly rising learning rate."
    )
    dropout: float = Field(0.1, ge=0, lt=1, description="Dropout before the linear head.")
    freeze_word_embeddings: bool = Field(
        True, description="Keep the word-embedding matrix at its pretrained values."
    )
    frozen_layers: int = Field(
        0,
        ge=0,
        description="Lowest encoder layers kept at their pretrained values (no backward pass "
        "through them: cheaper steps).",
    )
    evaluations_per_epoch: int = Field(
        2, ge=1, description="Validation passes per epoch (each may stop training early)."
    )
    patience: int = Field(
        2, ge=1, description="Validation passes without a better accuracy before stopping."
    )
    quantize: bool = Field(True, description="Serve int8 weights (per channel); False: fp32.")
    threads: int = Field(2, ge=1, description="CPU threads for training and inference.")
    inference_batch_size: int = Field(64, ge=1, description="Examples per inference batch.")
    seed: int = Field(0, description="Seed of the example order, dropout and the head.")


@dataclass(frozen=True)
class Examples:
    """Texts with one label each; `pairs`, where given, is each text's second segment."""

    texts: list[str]
    labels: np.ndarray
    pairs: list[str] | None = None

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")
        if self.pairs is not None and len(self.pairs) != len(self.texts):
            raise ValueError(f"{len(self.texts)} texts but {len(self.pairs)} pairs")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows: np.ndarray) -> Examples:
        """The examples at positions `rows`."""
        pairs = None if self.pairs is None else [self.pairs[i] for i in rows]
        return Examples([self.texts[i] for i in rows], self.labels[rows], pairs)


def split_examples(examples: Examples, share: float, seed: int) -> tuple[Examples, Examples]:
    """(train, validation): a seeded split that keeps each label's share in both parts."""
    train, valid = train_test_split(
        np.arange(len(examples)), test_size=share, stratify=examples.labels, random_state=seed
    )
    return examples.subset(np.sort(train)), examples.subset(np.sort(valid))


@dataclass(frozen=True)
class TrainingLog:
    """What training did."""

    steps: int
    best_step: int
    best_validation_accuracy: float | None
    seconds: float


class TextClassifier:
    """A fine-tuned encoder classifier served from its ONNX graph; `probabilities` per example."""

    def __init__(
        self,
        config: ClassifierConfig,
        classes: np.ndarray,
        tokenizer: PreTrainedTokenizerBase,
        onnx_model: bytes,
        log: TrainingLog,
        trained: torch.nn.Module | None = None,
    ) -> None:
        self.config = config
        self.classes = classes
        self.tokenizer = tokenizer
        self.onnx_model = onnx_model
        self.log = log
        self._trained = trained
        self._session: onnxruntime.InferenceSession | None = None

    @classmethod
    def fit(
        cls,
        train: Examples,
        validation: Examples | None = None,
        config: ClassifierConfig | None = None,
    ) -> TextClassifier:
        """Fine-tune the base encoder on `train`, keeping the weights with the best accuracy
        on `validation` (without one: the weights after the last step)."""
        import torch
        from transformers import AutoModel, AutoTokenizer

        config = config or ClassifierConfig()
        classes = np.unique(train.labels)
        if len(classes) < 2:
            raise ValueError("training needs at least two labels")
        if validation is not None and not set(np.unique(validation.labels)) <= set(classes):
            raise ValueError("validation has labels that training does not")
        torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        base = resolve_model_path(config.base_model, _cache_root(config))
        tokenizer = AutoTokenizer.from_pretrained(base)
        module = _pooled_classifier(AutoModel.from_pretrained(base), len(classes), config.dropout)
        _freeze(module.encoder, config)
        log = _train(module, tokenizer, classes, train, validation, config)
        onnx_model = _export_onnx(module, tokenizer, config.quantize)
        return cls(config, classes, tokenizer, onnx_model, log, module)

    def logits(self, examples: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        """Class scores before the softmax, one row per example, columns as `classes`."""
        session = self._onnx_session()
        out = np.empty((len(examples), len(self.classes)), dtype=np.float32)
        for rows, batch in _batches(
            self.tokenizer, examples, pairs, self.config, self.config.inference_batch_size
        ):
            feed = {name: batch[name].astype(np.int64) for name in _INPUTS}
            out[rows] = session.run(None, feed)[0]
        return out

    def probabilities(
        self, examples: Sequence[str], pairs: Sequence[str] | None = None
    ) -> np.ndarray:
        """Class probabilities, one row per example, columns in the order of `classes`."""
        logits = self.logits(examples, pairs)
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def save(self, directory: Path) -> None:
        """Write the classifier into `directory` (created if needed). The encoder's weights
        are written only by the process that trained them; a loaded model keeps its graph."""
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        self.tokenizer.save_pretrained(str(directory / _ENCODER_DIR))
        if self._trained is not None:
            self._trained.encoder.save_pretrained(str(directory / _ENCODER_DIR))
            head = {
                name: p.detach().contiguous() for name, p in self._trained.head.named_parameters()
            }
            save_file(head, str(directory / _HEAD_FILE))
        (directory / ONNX_FILE).write_bytes(self.onnx_model)
        settings = {
            "config": self.config.model_dump(mode="json"),
            "classes": self.classes.tolist(),
            "log": self.log.__dict__,
        }
        (directory / _SETTINGS_FILE).write_text(json.dumps(settings, indent=2, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path) -> TextClassifier:
        """The classifier saved in `directory`."""
        from transformers import AutoTokenizer

        for name in (_SETTINGS_FILE, ONNX_FILE, _ENCODER_DIR):
            if not (directory / name).exists():
                raise FileNotFoundError(
                    f"{directory}: no fine-tuned classifier here ({name} missing)"
                )
        settings = json.loads((directory / _SETTINGS_FILE).read_text())
        return cls(
            ClassifierConfig.model_validate(settings["config"]),
            np.array(settings["classes"]),
            AutoTokenizer.from_pretrained(str(directory / _ENCODER_DIR)),
            (directory / ONNX_FILE).read_bytes(),
            TrainingLog(**settings["log"]),
        )

    def _onnx_session(self) -> onnxruntime.InferenceSession:
        if self._session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.config.threads
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                self.onnx_model, options, providers=["CPUExecutionProvider"]
            )
        return self._session


_INPUTS = ("input_ids", "attention_mask")
#: Batches whose examples are sorted by length together in training.
_BUCKET_BATCHES = 16
_log = logging.getLogger(__name__)


def _cache_root(config: ClassifierConfig) -> Path | None:
    return Path(config.cache_dir).expanduser() if config.cache_dir else None


def _pooled_classifier(encoder: Any, classes: int, dropout: float) -> torch.nn.Module:
    """The encoder, mean pooling over real tokens, dropout and a linear head, as one module."""
    import torch

    class PooledClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(encoder.config.hidden_size, classes)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            pooled = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)
            return self.head(self.dropout(pooled))

    return PooledClassifier()


def _freeze(encoder: torch.nn.Module, config: ClassifierConfig) -> None:
    """Keep the word embeddings and the lowest `frozen_layers` layers as pretrained."""
    if config.freeze_word_embeddings or config.frozen_layers:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    layers = encoder.encoder.layer
    if config.frozen_layers > len(layers):
        raise ValueError(f"frozen_layers {config.frozen_layers}: the encoder has {len(layers)}")
    if config.frozen_layers:
        encoder.embeddings.requires_grad_(False)
        for layer in layers[: config.frozen_layers]:
            layer.requires_grad_(False)


def _batches(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    pairs: Sequence[str] | None,
    config: ClassifierConfig,
    batch_size: int,
    rows_per_batch: list[np.ndarray] | None = None,
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """(rows, padded numpy batch) over the examples: `rows_per_batch`, or else batches of
    `batch_size` examples by length, so that a batch pads little."""
    if rows_per_batch is None:
        order = np.argsort([len(text) for text in texts], kind="stable")
        rows_per_batch = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for rows in rows_per_batch:
        batch = tokenizer(
            [texts[i] for i in rows],
            [pairs[i] for i in rows] if pairs is not None else None,
            truncation=True,
            max_length=config.max_length,
            padding=True,
            return_tensors="np",
        )
        yield rows, {name: batch[name] for name in _INPUTS}


def _train(
    module: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    classes: np.ndarray,
    train: Examples,
    validation: Examples | None,
    config: ClassifierConfig,
) -> TrainingLog:
    import torch
    from transformers import get_linear_schedule_with_warmup

    started = time.perf_counter()
    targets = torch.as_tensor(np.searchsorted(classes, train.labels))
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total = math.ceil(steps_per_epoch * config.epochs)
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    evaluate_every = max(1, steps_per_epoch // config.evaluations_per_epoch)
    parameters = [p for p in module.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        parameters, lr=config.learning_rate, weight_decay=config.weight_decay
    )
    schedule = get_linear_schedule_with_warmup(
        optimiser, int(total * config.warmup_fraction), total
    )
    generator = np.random.default_rng(config.seed)
    best: tuple[float, int, dict[str, torch.Tensor]] | None = None
    stale, step = 0, 0
    lengths = np.array([len(text) for text in train.texts])
    while step < total and stale < config.patience:
        batches = _length_buckets(generator.permutation(len(train)), lengths, config, generator)
        for rows, batch in _batches(
            tokenizer, train.texts, train.pairs, config, config.batch_size, batches
        ):
            module.train()
            logits = module(*(torch.as_tensor(batch[name]) for name in _INPUTS))
            loss = torch.nn.functional.cross_entropy(logits, targets[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if validation is not None and (step % evaluate_every == 0 or step == total):
                accuracy = _accuracy(module, tokenizer, classes, validation, config)
                _log.info("step %d of %d: validation accuracy %.4f", step, total, accuracy)
                if best is None or accuracy > best[0]:
                    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
                    best, stale = (accuracy, step, state), 0
                else:
                    stale += 1
            if step >= total or stale >= config.patience:
                break
    module.eval()
    if best is None:
        return TrainingLog(step, step, None, time.perf_counter() - started)
    module.load_state_dict(best[2])
    return TrainingLog(step, best[1], best[0], time.perf_counter() - started)


def _length_buckets(
    order: np.ndarray, lengths: np.ndarray, config: ClassifierConfig, generator: np.random.Generator
) -> list[np.ndarray]:
    """The rows of each training batch, texts of similar length together (less padding): runs
    of `_BUCKET_BATCHES` batches of `order` are sorted by length and cut into batches, and the
    batches shuffled."""
    size = config.batch_size * _BUCKET_BATCHES
    batches = []
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [
            chunk[i : i + config.batch_size] for i in range(0, len(chunk), config.batch_size)
        ]
    return [batches[i] for i in generator.permutation(len(batches))]


def _accuracy(
    module: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    classes: np.ndarray,
    examples: Examples,
    config: ClassifierConfig,
) -> float:
    import torch

    module.eval()
    correct = 0
    with torch.inference_mode():
        for rows, batch in _batches(
            tokenizer, examples.texts, examples.pairs, config, config.inference_batch_size
        ):
            logits = module(*(torch.as_tensor(batch[name]) for name in _INPUTS))
            correct += int((classes[logits.argmax(1).numpy()] == examples.labels[rows]).sum())
    return correct / len(examples)


def _export_onnx(
    module: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, quantize: bool
) -> bytes:
    """The module as an ONNX graph (tokens in, logits out), int8 per channel if `quantize`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    module.eval()
    example = tokenizer(
        ["an example", "a slightly longer example"], padding=True, return_tensors="pt"
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with tempfile.TemporaryDirectory() as staging:
        fp32 = Path(staging) / "model.fp32.onnx"
        with warnings.catch_warnings():
            # Tracing warns about shape checks that hold for every input we feed.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                tuple(example[name] for name in _INPUTS),
                str(fp32),
                dynamo=False,
                input_names=list(_INPUTS),
                output_names=["logits"],
                dynamic_axes={**axes, "logits": {0: "batch"}},
                opset_version=_OPSET,
            )
        if not quantize:
            return fp32.read_bytes()
        int8 = Path(staging) / "model.int8.onnx"
        root = logging.getLogger()
        level = root.level
        # The quantiser logs a generic hint about shape pre-processing at WARNING on the root.
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        return int8.read_bytes()
