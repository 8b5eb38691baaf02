"""`SASRecRetriever` ("sasrec"): a SASRec-family sequential transformer whose items are
represented by a learned ID embedding plus a learned projection of their frozen text vector, so
that an item never seen in training is still scored through its text.

Training predicts the next item at every position of each training sequence with softmax
cross-entropy over the whole catalogue (or sampled negatives for large catalogues) and stops
early on validation NDCG@10, keeping the best epoch's weights.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import Field
from safetensors.torch import load_file, save_file

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.history import checked_histories
from shopsense.retrieval.sasrec_model import SASRecNetwork, left_pad
from shopsense.retrieval.sasrec_training import TrainingLog, TrainingPlan, train
from shopsense.text import Encoder, EncoderConfig, ItemTextRecipe, item_vectors


class SASRecConfig(RetrieverConfig):
    """Architecture, item representation and training of the sequential transformer."""

    item_representation: Literal["id", "text", "id+text"] = Field(
        "id+text",
        description="How items are represented: learned ID embedding, projected text vector, "
        "or their sum (unseen items then still have their text part).",
    )
    max_len: int = Field(50, ge=1, description="Most recent history items the model reads.")
    hidden: int = Field(64, ge=8, description="Width of item representations and states.")
    blocks: int = Field(2, ge=1, description="Self-attention blocks.")
    heads: int = Field(1, ge=1, description="Attention heads per block (must divide hidden).")
    ffn_multiplier: int = Field(
        1, ge=1, description="Feed-forward width as a multiple of hidden (SASRec uses 1)."
    )
    dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Dropout in and between blocks.")
    id_dropout: float = Field(
        0.1,
        ge=0.0,
        lt=1.0,
        description="Share of items whose ID embedding is zeroed per training batch, so the "
        "model also learns to score from text alone (what unseen items have).",
    )
    crop_ratio: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Data augmentation for sparse shoppers: each epoch also trains on one "
        "random crop of every sequence of at least 3 items, this share of its length; 0 = none.",
    )
    negatives: int = Field(
        0,
        ge=0,
        description="Sampled negatives per batch for the softmax; 0 = full softmax over all items "
        "(best quality; use sampling only for catalogues too large to score per step).",
    )
    batch_size: int = Field(128, ge=1, description="Training sequences per step.")
    lr: float = Field(1e-3, gt=0.0, description="AdamW learning rate.")
    weight_decay: float = Field(0.0, ge=0.0, description="AdamW weight decay.")
    grad_clip: float = Field(1.0, ge=0.0, description="Gradient norm clip; 0 = none.")
    max_epochs: int = Field(200, ge=1, description="Upper bound on training epochs.")
    patience: int = Field(
        10, ge=1, description="Stop after this many epochs without a better validation NDCG@10."
    )
    max_fit_seconds: float | None = Field(
        None, gt=0.0, description="Stop before an epoch would end past this budget; None = none."
    )
    seed: int = Field(0, description="Seed of weights, batching and dropout.")
    threads: int = Field(2, ge=1, description="CPU threads torch may use.")
    encoder: EncoderConfig = Field(
        default_factory=EncoderConfig, description="Text encoder of the item vectors."
    )
    text_recipe: ItemTextRecipe = Field(
        default_factory=ItemTextRecipe, description="Which item fields make up the item text."
    )
    show_progress: bool = Field(False, description="Show a progress bar while training.")


class SASRecRetriever(Retriever):
    """Self-attentive sequential recommendation with text-aware item representations."""

    name = "sasrec"
    learns_from_validation = True  # early stopping picks the epoch on them
    config_class = SASRecConfig
    config: SASRecConfig

    def __init__(self, config: SASRecConfig | None = None, **overrides: object) -> None:
        super().__init__(config, **overrides)
        self.network: SASRecNetwork | None = None
        self.training_log = TrainingLog()
        self._table: torch.Tensor | None = None

    # ---- fitting ---------------------------------------------------------------------------
    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        config = self.config
        torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        started = time.perf_counter()
        sequences = dataset.sequences
        text = None
        if config.item_representation != "id":
            encoder = Encoder(config.encoder, dataset.languages)
            self.config = config = config.model_copy(update={"encoder": encoder.config})
            text = item_vectors(dataset, encoder, config.text_recipe, config.show_progress)
        warm = dataset.item_popularity > 0
        self.network = self._build(text, warm)
        sequences, cases = _training_and_validation(sequences, validation)
        budget = config.max_fit_seconds
        if budget is not None:
            budget = max(budget - (time.perf_counter() - started), 1.0)
        plan = TrainingPlan(
            batch_size=config.batch_size,
            lr=config.lr,
            weight_decay=config.weight_decay,
            max_epochs=config.max_epochs,
            patience=config.patience,
            grad_clip=config.grad_clip,
            negatives=config.negatives,
            id_dropout=config.id_dropout if config.item_representation == "id+text" else 0.0,
            crop_ratio=config.crop_ratio,
            max_seconds=budget,
            show_progress=config.show_progress,
        )
        self.training_log = train(self.network, sequences, cases, plan, rng)
        self._cache_table()

    def _build(self, text: np.ndarray | None, warm: np.ndarray) -> SASRecNetwork:
        config = self.config
        return SASRecNetwork(
            self.n_items,
            hidden=config.hidden,
            blocks=config.blocks,
            heads=config.heads,
            ffn_multiplier=config.ffn_multiplier,
            dropout=config.dropout,
            max_len=config.max_len,
            text_vectors=text,
            use_ids=config.item_representation != "text",
            warm_items=warm,
        )

    def _cache_table(self) -> None:
        assert self.network is not None
        self.network.eval()
        with torch.no_grad():
            self._table = self.network.item_table()

    # ---- scoring ---------------------------------------------------------------------------
    @torch.no_grad()
    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        """Dot products of each user's latest state with every item representation. Users
        without history get zeros (the base class then ranks by popularity)."""
        assert self.network is not None and self._table is not None
        torch.set_num_threads(self.config.threads)
        histories = checked_histories(users, self.n_items, self.config.max_len)
        rows = [r for r, h in enumerate(histories) if len(h)]
        if not rows:
            return np.zeros((len(users), self.n_items), dtype=np.float32)
        tokens = left_pad([histories[r] for r in rows], self.config.max_len)
        states = self.network.encode(tokens, self._table)[:, -1]
        known = (states @ self._table.T).numpy()
        if len(rows) == len(users):
            return known
        scores = np.zeros((len(users), self.n_items), dtype=np.float32)
        scores[rows] = known
        return scores

    def item_representations(self) -> np.ndarray:
        """The item table the scores are dot products with (n_items, hidden)."""
        self._check_fitted()
        assert self._table is not None
        return self._table.numpy().copy()

    # ---- persistence -----------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        assert self.network is not None
        # safetensors holds tensors only: loading it runs no code (a torch.save file is a pickle).
        tensors = {k: v.detach().contiguous().clone() for k, v in self.network.state_dict().items()}
        save_file(tensors, path / "network.safetensors")
        (path / "state.json").write_text(
            json.dumps(
                {
                    "n_items": self.n_items,
                    "text_dimension": int(self.network.text_vectors.shape[1]),
                    "training": self.training_log.__dict__,
                },
                indent=2,
            )
        )
        np.save(path / "tie_breaker.npy", self._tie_breaker)

    def _load_state(self, path: Path) -> None:
        meta = json.loads((path / "state.json").read_text())
        self.n_items = int(meta["n_items"])
        self.training_log = TrainingLog(**meta["training"])
        self._tie_breaker = np.load(path / "tie_breaker.npy", allow_pickle=False)
        state = load_file(path / "network.safetensors")
        text = state["text_vectors"].numpy() if meta["text_dimension"] else None
        self.network = self._build(text, state["warm"].numpy())
        self.network.load_state_dict(state)
        self._cache_table()


def _training_and_validation(
    sequences: list[np.ndarray], validation: EvalCases | None
) -> tuple[list[np.ndarray], tuple[list[np.ndarray], np.ndarray]]:
    """Training sequences and the cases early stopping watches: the given cases, or else each
    sequence's last item (of those with at least 3) predicted from the items before it, which
    is then held out of training."""
    if validation is not None and len(validation):
        targets = np.asarray(validation.targets, dtype=np.int64)
        return sequences, (list(validation.histories), targets)
    held = [len(s) >= 3 for s in sequences]
    histories = [s[:-1] for s, h in zip(sequences, held, strict=True) if h]
    targets = np.array([s[-1] for s, h in zip(sequences, held, strict=True) if h], dtype=np.int64)
    training = [s[:-1] if h else s for s, h in zip(sequences, held, strict=True)]
    return training, (histories, targets)
