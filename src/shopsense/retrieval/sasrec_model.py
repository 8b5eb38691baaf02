"""The SASRec network: causal self-attention over a user's recent items, scored against a
table of item representations built from a learned ID embedding and/or a learned projection of
each item's frozen text vector.

Item index `i` is token `i + 1`; token 0 is padding. Sequences are left-padded (right-aligned)
so the most recent item is always the last column, and positions count back from it, which is
how SASRec's fixed-length windows behave.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

#: Token of padding positions in a batch of sequences.
PAD = 0


class SASRecNetwork(nn.Module):
    """Transformer encoder over item sequences with a tied item table as the output layer."""

    def __init__(
        self,
        n_items: int,
        *,
        hidden: int,
        blocks: int,
        heads: int,
        ffn_multiplier: int,
        dropout: float,
        max_len: int,
        text_vectors: np.ndarray | None,
        use_ids: bool,
        warm_items: np.ndarray,
    ) -> None:
        super().__init__()
        if text_vectors is None and not use_ids:
            raise ValueError("an item representation needs ID embeddings, text vectors or both")
        self.n_items = n_items
        self.hidden = hidden
        self.max_len = max_len
        self.item_ids = nn.Embedding(n_items, hidden) if use_ids else None
        if self.item_ids is not None:
            nn.init.normal_(self.item_ids.weight, std=hidden**-0.5)
        # Stands in for the ID embedding of items never seen in training (and of items whose ID
        # is dropped during training), so those items carry a learned prior rather than noise.
        self.unknown_id = nn.Parameter(torch.zeros(hidden)) if use_ids else None
        text = torch.as_tensor(
            np.zeros((n_items, 0), dtype=np.float32) if text_vectors is None else text_vectors
        )
        self.register_buffer("text_vectors", text.float())
        self.text_projection = nn.Linear(text.shape[1], hidden) if text.shape[1] else None
        if self.text_projection is not None:
            self._init_text_projection()
        # Items never seen in training have an untrained ID embedding: it must not add noise.
        self.register_buffer("warm", torch.as_tensor(warm_items, dtype=torch.float32))
        self.positions = nn.Embedding(max_len, hidden)
        self.input_dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            hidden,
            heads,
            dim_feedforward=hidden * ffn_multiplier,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, blocks, norm=nn.LayerNorm(hidden), enable_nested_tensor=False
        )
        self.heads = heads

    def _init_text_projection(self) -> None:
        """Start the projection on the text vectors' principal directions, so that items with
        similar texts start with similar representations."""
        assert self.text_projection is not None
        text = self.text_vectors - self.text_vectors.mean(0, keepdim=True)
        rank = min(self.hidden, text.shape[0], text.shape[1])
        _, _, directions = torch.linalg.svd(text, full_matrices=False)
        weight = torch.zeros(self.hidden, text.shape[1])
        weight[:rank] = directions[:rank]
        # Scale so projected vectors have about the ID embeddings' per-coordinate spread.
        spread = (text @ weight.T)[:, :rank].std().clamp_min(1e-6)
        with torch.no_grad():
            self.text_projection.weight.copy_(weight * (self.hidden**-0.5) / spread)
            self.text_projection.bias.zero_()

    def item_table(
        self, items: torch.Tensor | None = None, id_keep: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Representations (len(items), hidden) of `items` (all items when None). `id_keep`
        (n_items,) says which items keep their ID embedding (ID dropout during training); items
        never seen in training always use the shared unknown-item embedding instead."""
        rows = slice(None) if items is None else items
        parts = []
        if self.item_ids is not None and self.unknown_id is not None:
            keep = self.warm if id_keep is None else self.warm * id_keep
            weight = self.item_ids.weight if items is None else self.item_ids(items)
            keep = keep[rows][:, None]
            parts.append(weight * keep + self.unknown_id[None, :] * (1.0 - keep))
        if self.text_projection is not None:
            parts.append(self.text_projection(self.text_vectors[rows]))
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]

    def encode(self, tokens: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
        """Hidden states (batch, width, hidden) of left-padded token rows (batch, width)."""
        batch, width = tokens.shape
        padded = tokens == PAD
        # Padding reads item 0's row here and is zeroed below, after the positions are added:
        # no copy of the whole table with a padding row in front on every call.
        states = table[(tokens - 1).clamp_min(0)] * self.hidden**0.5
        # Column j of a right-aligned row is (width - 1 - j) steps before the latest item.
        back = torch.arange(width - 1, -1, -1, device=tokens.device).clamp_max(self.max_len - 1)
        states = states + self.positions(back)[None]
        states = self.input_dropout(states) * (~padded)[..., None]
        states = self.encoder(states, mask=self._attention_mask(padded))
        return states

    def _attention_mask(self, padded: torch.Tensor) -> torch.Tensor:
        """Additive mask (batch * heads, width, width): causal, padding keys hidden, and each
        position may always see itself so that no row is fully masked."""
        width = padded.shape[1]
        future = torch.ones(width, width, dtype=torch.bool, device=padded.device).triu(1)
        blocked = future[None] | padded[:, None, :]
        blocked = blocked & ~torch.eye(width, dtype=torch.bool, device=padded.device)[None]
        mask = torch.zeros(blocked.shape, dtype=torch.float32, device=padded.device)
        mask = mask.masked_fill(blocked, float("-inf"))
        return mask.repeat_interleave(self.heads, dim=0)


def left_pad(histories: list[np.ndarray], max_len: int) -> torch.Tensor:
    """Tokens (len(histories), width) of the last `max_len` items of each history, right-aligned;
    width is the longest kept history (at least 1)."""
    kept = [np.asarray(h, dtype=np.int64)[-max_len:] if max_len else h[:0] for h in histories]
    width = max(1, max((len(h) for h in kept), default=0))
    tokens = np.zeros((len(kept), width), dtype=np.int64)
    for row, history in enumerate(kept):
        if len(history):
            tokens[row, width - len(history) :] = history + 1
    return torch.from_numpy(tokens)
