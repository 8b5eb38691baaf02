"""Training of `SASRecNetwork`: next-item prediction at every position of every training
sequence, softmax cross-entropy over the catalogue (or over sampled negatives), AdamW, and early
stopping on validation NDCG@10 with the best epoch's weights kept.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from rich.progress import Progress

from shopsense.retrieval.sasrec_model import PAD, SASRecNetwork, left_pad

log = logging.getLogger(__name__)

#: Validation users scored per forward pass.
EVAL_BATCH = 1024


@dataclass(frozen=True)
class TrainingPlan:
    """The optimisation settings the retriever's config hands to `train`."""

    batch_size: int
    lr: float
    weight_decay: float
    max_epochs: int
    patience: int
    grad_clip: float
    negatives: int
    id_dropout: float
    crop_ratio: float
    max_seconds: float | None
    show_progress: bool


@dataclass
class TrainingLog:
    """What happened during training, for reports."""

    epochs: int = 0
    best_epoch: int = 0
    best_validation_ndcg: float = float("nan")
    seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)


def train(
    network: SASRecNetwork,
    sequences: list[np.ndarray],
    validation: tuple[list[np.ndarray], np.ndarray],
    plan: TrainingPlan,
    rng: np.random.Generator,
) -> TrainingLog:
    """Fit `network` in place on `sequences` (item indices, oldest first) and leave it with the
    weights of the epoch with the best validation NDCG@10 (`validation` = histories, targets)."""
    optimizer = torch.optim.AdamW(network.parameters(), lr=plan.lr, weight_decay=plan.weight_decay)
    report = TrainingLog()
    best_state = copy.deepcopy(network.state_dict())
    started = time.perf_counter()
    trainable = [s for s in sequences if len(s) >= 2]
    with Progress(disable=not plan.show_progress, transient=True) as progress:
        task = progress.add_task("SASRec epochs", total=plan.max_epochs)
        for epoch in range(1, plan.max_epochs + 1):
            loss = _train_epoch(network, optimizer, trainable, plan, rng)
            ndcg = validation_ndcg(network, *validation)
            report.epochs = epoch
            report.history.append({"epoch": epoch, "loss": loss, "validation_ndcg10": ndcg})
            log.info("epoch %d loss %.4f validation NDCG@10 %.4f", epoch, loss, ndcg)
            progress.update(task, advance=1, description=f"SASRec NDCG@10 {ndcg:.4f}")
            if not ndcg <= report.best_validation_ndcg:  # also true for the first (nan) best
                report.best_epoch, report.best_validation_ndcg = epoch, ndcg
                best_state = copy.deepcopy(network.state_dict())
            elapsed = time.perf_counter() - started
            if epoch - report.best_epoch >= plan.patience:
                break
            if plan.max_seconds is not None and elapsed * (epoch + 1) / epoch > plan.max_seconds:
                break
    network.load_state_dict(best_state)
    network.eval()
    report.seconds = time.perf_counter() - started
    return report


def _train_epoch(
    network: SASRecNetwork,
    optimizer: torch.optim.Optimizer,
    sequences: list[np.ndarray],
    plan: TrainingPlan,
    rng: np.random.Generator,
) -> float:
    network.train()
    total, count = 0.0, 0
    if plan.crop_ratio > 0:
        sequences = sequences + random_crops(sequences, plan.crop_ratio, rng)
    for inputs, targets in training_batches(sequences, plan.batch_size, network.max_len, rng):
        id_keep = None
        if plan.id_dropout > 0 and network.item_ids is not None:
            id_keep = (torch.rand(network.n_items) >= plan.id_dropout).float()
        valid = targets != PAD
        if 0 < plan.negatives < network.n_items - 1:
            loss = _sampled_loss(network, inputs, targets, id_keep, plan.negatives)
        else:
            table = network.item_table(id_keep=id_keep)
            states = network.encode(inputs, table)[valid]
            # Items never seen in training are no one's negative: pushing them down would
            # teach the shared unknown-ID embedding to bury every new item.
            logits = (states @ table.T).masked_fill(network.warm == 0, float("-inf"))
            loss = F.cross_entropy(logits, targets[valid] - 1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if plan.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(network.parameters(), plan.grad_clip)
        optimizer.step()
        positions = int(valid.sum())
        total += loss.item() * positions
        count += positions
    return total / max(count, 1)


def _sampled_loss(
    network: SASRecNetwork,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    id_keep: torch.Tensor | None,
    negatives: int,
) -> torch.Tensor:
    """Cross-entropy of each next item (`targets`, tokens) against `negatives` uniformly drawn
    items seen in training (as in the full softmax), shared by the batch, accidental hits
    masked. Only the items the batch touches are represented, which is what makes this cheaper
    than the full softmax on large catalogues."""
    valid = targets != PAD
    seen = torch.nonzero(network.warm).squeeze(1)
    drawn = seen[torch.randint(len(seen), (negatives,))]
    items = torch.unique(torch.cat([inputs[inputs != PAD] - 1, targets[valid] - 1, drawn]))
    table = network.item_table(items, id_keep)
    local_inputs = torch.where(inputs == PAD, PAD, torch.searchsorted(items, inputs - 1) + 1)
    states = network.encode(local_inputs, table)[valid]
    target_rows = torch.searchsorted(items, targets[valid] - 1)
    negative_rows = torch.searchsorted(items, drawn)
    positive = (states * table[target_rows]).sum(-1, keepdim=True)
    negative = states @ table[negative_rows].T
    negative = negative.masked_fill(negative_rows[None, :] == target_rows[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)
    return F.cross_entropy(logits, torch.zeros(len(target_rows), dtype=torch.long))


def random_crops(
    sequences: list[np.ndarray], ratio: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """One random contiguous crop of each sequence of at least 3 items, `ratio` of its length
    (at least 2 items): the crops start mid-history, so the model also learns to predict from
    the few items a sparse shopper has (the "crop" augmentation of CL4SRec, Xie et al. 2022)."""
    crops = []
    for sequence in sequences:
        if len(sequence) < 3:
            continue
        length = min(len(sequence) - 1, max(2, int(np.ceil(ratio * len(sequence)))))
        start = int(rng.integers(0, len(sequence) - length + 1))
        crops.append(sequence[start : start + length])
    return crops


def training_batches(
    sequences: list[np.ndarray], batch_size: int, max_len: int, rng: np.random.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Shuffled batches of (input tokens, next-item tokens), left-padded to the batch's longest
    window. Users of similar length share batches, so little compute goes to padding."""
    windows = [s[-(max_len + 1) :] for s in sequences]
    lengths = np.array([len(w) for w in windows], dtype=np.float64)
    # Sort by length with random jitter, cut into batches, then shuffle the batch order.
    order = np.argsort(lengths + rng.random(len(lengths)) * 2.0, kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for b in rng.permutation(len(batches)):
        chosen = [windows[i] for i in batches[b]]
        inputs = left_pad([w[:-1] for w in chosen], max_len)
        targets = left_pad([w[1:] for w in chosen], max_len)
        yield inputs, targets


@torch.no_grad()
def validation_ndcg(
    network: SASRecNetwork, histories: list[np.ndarray], targets: np.ndarray, k: int = 10
) -> float:
    """NDCG@k of the targets under full ranking with each history excluded."""
    if len(targets) == 0:
        return 0.0
    network.eval()
    table = network.item_table()
    gains = 0.0
    for start in range(0, len(targets), EVAL_BATCH):
        chunk = histories[start : start + EVAL_BATCH]
        target = torch.as_tensor(targets[start : start + EVAL_BATCH], dtype=torch.long)
        tokens = left_pad(chunk, network.max_len)
        scores = network.encode(tokens, table)[:, -1] @ table.T
        rows = torch.repeat_interleave(
            torch.arange(len(chunk)), torch.tensor([len(h) for h in chunk])
        )
        seen = torch.as_tensor(np.concatenate(chunk) if chunk else np.empty(0), dtype=torch.long)
        scores[rows, seen] = float("-inf")
        target_score = scores.gather(1, target[:, None])
        rank = (scores > target_score).sum(1)
        hit = rank < k
        gains += float((1.0 / torch.log2(rank[hit].double() + 2.0)).sum())
    return gains / len(targets)
