"""Domain adaptation of the sentence encoder: contrastive fine-tuning on (query, document) pairs.

A shop's own judged or clicked (query, product) pairs teach the pretrained encoder the shop's
vocabulary ("sku" words, brand names, trade terms) that a general-purpose model ranks poorly.
Training is sentence-transformers' `MultipleNegativesRankingLoss`: each query must pick its own
document out of the batch, every other document in the batch being a negative. The result is
saved as an ordinary sentence-transformers model directory, so `EncoderConfig.model_name` (and
with it the ONNX export, the vector cache and serving) takes it like any other model.

The directory is named by a hash of the base model, the pairs and the settings: the same inputs
reuse the same model (re-running an evaluation trains nothing), and different inputs never
share a vector cache.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from rich.progress import Progress

from shopsense.text.backends import resolve_model_path
from shopsense.text.cache import build_once, model_slug

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["FineTuneConfig", "fine_tune"]


class FineTuneConfig(BaseModel):
    """How the encoder is adapted to a shop's (query, document) pairs."""

    model_config = ConfigDict(extra="forbid")

    epochs: float = Field(1.0, gt=0, description="Passes over the pairs (fractions allowed).")
    batch_size: int = Field(
        64, ge=2, description="Pairs per step; the other documents of a batch are its negatives."
    )
    learning_rate: float = Field(3e-5, gt=0, description="Peak AdamW learning rate.")
    warmup_fraction: float = Field(
        0.1, ge=0, lt=1, description="Share of steps with a linearly rising learning rate."
    )
    max_length: int = Field(64, ge=8, description="Tokens kept per query or document.")
    seed: int = Field(0, description="Seed of the pair order and of PyTorch.")


def fine_tune(
    base_model: str,
    pairs: Sequence[tuple[str, str]],
    cache_root: Path,
    config: FineTuneConfig | None = None,
    show_progress: bool = False,
) -> Path:
    """The directory of `base_model` fine-tuned on `pairs` (query, relevant document), training
    it first unless the same base model, pairs and settings were trained before."""
    config = config or FineTuneConfig()
    if len(pairs) < config.batch_size:
        raise ValueError(
            f"pairs: {len(pairs)} (query, document) pairs, fewer than one batch "
            f"(batch_size={config.batch_size}); fine-tuning needs more"
        )

    def write(staging: Path) -> None:
        _train(base_model, list(pairs), config, show_progress).save(str(staging))
        info = {"base_model": base_model, "pairs": len(pairs), **config.model_dump()}
        (staging / "fine_tune.json").write_text(json.dumps(info, indent=2))

    return build_once(_model_dir(base_model, pairs, config, cache_root), "fine_tune.json", write)


def _train(
    base_model: str, pairs: list[tuple[str, str]], config: FineTuneConfig, show_progress: bool
) -> SentenceTransformer:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.manual_seed(config.seed)
    order = random.Random(config.seed)
    model = SentenceTransformer(resolve_model_path(base_model), device="cpu")
    model.max_seq_length = config.max_length
    loss = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    steps = max(1, int(len(pairs) * config.epochs / config.batch_size))
    warmup = max(1, int(config.warmup_fraction * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )
    model.train()
    with Progress(disable=not show_progress, transient=True) as progress:
        task = progress.add_task(f"fine-tuning the encoder on {len(pairs):,} pairs", total=steps)
        for _, batch in zip(range(steps), _batches(pairs, config.batch_size, order), strict=False):
            batch = _distinct_documents(batch)
            queries = model.preprocess([query for query, _ in batch])
            documents = model.preprocess([document for _, document in batch])
            optimizer.zero_grad()
            loss([queries, documents], None).backward()
            optimizer.step()
            schedule.step()
            progress.advance(task)
    model.eval()
    return model


def _batches(
    pairs: list[tuple[str, str]], size: int, order: random.Random
) -> Iterator[list[tuple[str, str]]]:
    """Full batches of `pairs`, reshuffled at every pass, without end."""
    while True:
        order.shuffle(pairs)
        for start in range(0, len(pairs) - size + 1, size):
            yield pairs[start : start + size]


def _distinct_documents(batch: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The batch without pairs whose document is already in it: a second copy of a document
    would be scored as a negative of its own query."""
    seen: set[str] = set()
    kept = []
    for query, document in batch:
        if document not in seen:
            seen.add(document)
            kept.append((query, document))
    return kept


def _model_dir(
    base_model: str, pairs: Sequence[tuple[str, str]], config: FineTuneConfig, cache_root: Path
) -> Path:
    digest = hashlib.sha256(f"{base_model}\x00{config.model_dump_json()}".encode())
    for query, document in pairs:
        digest.update(f"{query}\x00{document}\x01".encode())
    return cache_root / "fine-tuned" / f"{model_slug(base_model)}-{digest.hexdigest()[:16]}"
