"""BM25 over the catalogue, updatable without a full rebuild.

The bulk of the catalogue sits in one `bm25s` index (the base segment), whose scores are
computed at build time. Items added or changed afterwards go to a small delta segment scored at
query time with the same BM25 formula and the base segment's collection statistics, so its
scores are comparable with the base's; removed and replaced base documents are masked out. When
the delta outgrows a share of the base, both are merged into a new base (the only full rebuild).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import sparse

from shopsense.search.stored import (
    load_arrays,
    prefixed,
    ragged,
    read_json,
    rows_of,
    save_arrays,
    vocabulary_ids,
    write_json,
)

# bm25s sets its own logger to DEBUG when imported, so its notes on every index build and empty
# query reach whatever handler the application configures (`DEBUG:bm25s:...` in the output of a
# program that calls `logging.basicConfig`, the server's log at INFO): keep its warnings only.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalConfig(BaseModel):
    """BM25 parameters and when the delta segment is merged into the base."""

    model_config = ConfigDict(extra="forbid")

    k1: float = Field(1.2, gt=0, description="BM25 term-frequency saturation.")
    b: float = Field(0.75, ge=0, le=1, description="BM25 document-length normalisation.")
    merge_fraction: float = Field(
        0.1, gt=0, description="Merge the delta into the base once it holds this share of it."
    )
    min_merge_size: int = Field(
        2000, ge=1, description="...but never while the delta holds fewer documents than this."
    )


class LexicalIndex:
    """BM25 scores of every slot for a list of query terms; slots can be set and removed."""

    def __init__(self, config: LexicalConfig | None = None) -> None:
        self.config = config or LexicalConfig()
        self._docs: dict[int, list[str]] = {}
        self._n_slots = 0
        self._base: bm25s.BM25 | None = None
        self._base_slots = np.empty(0, dtype=np.int64)
        self._base_live = np.empty(0, dtype=np.float32)
        self._document_frequency: dict[str, int] = {}
        self._n_base = 0
        self._average_length = 1.0
        self._delta_slots: list[int] = []
        self._delta_matrix = sparse.csc_matrix((0, 0), dtype=np.float32)
        self._delta_vocabulary: dict[str, int] = {}
        self.merges = 0

    @property
    def delta_size(self) -> int:
        """Documents in the delta segment (added or changed since the last merge)."""
        return len(self._delta_slots)

    def build(self, documents: Sequence[list[str]]) -> None:
        """Index `documents` (term lists) as slots 0..n-1, replacing everything."""
        self._docs = dict(enumerate(documents))
        self._n_slots = len(documents)
        self._merge()

    def set(self, slots: Sequence[int], documents: Sequence[list[str]]) -> None:
        """Add or replace the documents of `slots`; they are searchable at once."""
        for slot, document in zip(slots, documents, strict=True):
            self._docs[int(slot)] = document
            self._n_slots = max(self._n_slots, int(slot) + 1)
        self._hide_from_base(slots)
        pending = set(self._delta_slots).union(int(slot) for slot in slots)
        self._delta_slots = sorted(pending)
        self._after_change()

    def remove(self, slots: Sequence[int]) -> None:
        """Stop returning `slots`."""
        for slot in slots:
            self._docs.pop(int(slot), None)
        self._hide_from_base(slots)
        self._delta_slots = [slot for slot in self._delta_slots if slot in self._docs]
        self._after_change()

    def scores(self, query_terms: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every slot (0 for removed slots and those `mask` leaves out)."""
        scores = np.zeros(self._n_slots, dtype=np.float32)
        if not query_terms:
            return scores
        if self._base is not None and self._n_base:
            scores[self._base_slots] = self._base.get_scores(
                list(query_terms), weight_mask=self._base_live
            )
        if self._delta_slots:
            scores[self._delta_slots] = self._delta_scores(query_terms)
        if mask is not None:
            scores[~mask[: self._n_slots]] = 0.0
        return scores

    def idf(self, query_terms: Sequence[str]) -> np.ndarray:
        """Lucene BM25 idf of each term over the base and delta segments together."""
        n_docs = self._n_base + len(self._delta_slots)
        delta_df = np.diff(self._delta_matrix.indptr)
        df = np.array(
            [
                self._document_frequency.get(term, 0)
                + (delta_df[self._delta_vocabulary[term]] if term in self._delta_vocabulary else 0)
                for term in query_terms
            ],
            dtype=np.float64,
        )
        return np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))

    # ---- persistence -----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the segments to `directory`: the base with bm25s's own `save` (arrays and
        JSON), the documents as term ids, the counters as JSON. The delta segment is rebuilt
        from its documents on `load`."""
        directory.mkdir(parents=True, exist_ok=True)
        vocabulary: dict[str, int] = {}
        slots = list(self._docs)
        documents = ragged(vocabulary_ids((self._docs[slot] for slot in slots), vocabulary))
        write_json(
            directory / "lexical.json",
            {
                "config": self.config.model_dump(mode="json"),
                "n_slots": self._n_slots,
                "n_base": self._n_base,
                "average_length": self._average_length,
                "merges": self.merges,
                "delta_slots": self._delta_slots,
                "document_frequency": dict(self._document_frequency),
                "terms": list(vocabulary),
            },
        )
        save_arrays(
            directory / "lexical.npz",
            slots=np.asarray(slots, dtype=np.int64),
            base_slots=self._base_slots,
            base_live=self._base_live,
            **prefixed("documents", documents),
        )
        if self._base is not None:
            self._base.save(str(directory / "bm25"), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read segments written by `save`."""
        meta = read_json(directory / "lexical.json")
        arrays = load_arrays(directory / "lexical.npz")
        index = cls(LexicalConfig.model_validate(meta["config"]))
        terms = meta["terms"]
        documents = rows_of(arrays, "documents")
        index._docs = {
            slot: [terms[i] for i in row.tolist()]
            for slot, row in zip(arrays["slots"].tolist(), documents, strict=True)
        }
        index._n_slots = int(meta["n_slots"])
        index._n_base = int(meta["n_base"])
        index._average_length = float(meta["average_length"])
        index.merges = int(meta["merges"])
        index._document_frequency = Counter(meta["document_frequency"])
        index._base_slots, index._base_live = arrays["base_slots"], arrays["base_live"]
        if (directory / "bm25").is_dir():
            index._base = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        index._delta_slots = [int(slot) for slot in meta["delta_slots"]]
        index._build_delta()
        return index

    # ---- segments --------------------------------------------------------------------------
    def _after_change(self) -> None:
        threshold = max(self.config.min_merge_size, self.config.merge_fraction * self._n_base)
        if len(self._delta_slots) >= threshold:
            self._merge()
        else:
            self._build_delta()

    def _merge(self) -> None:
        slots = np.array(sorted(self._docs), dtype=np.int64)
        documents = [self._docs[int(slot)] for slot in slots]
        self._base_slots = slots
        self._base_live = np.ones(len(slots), dtype=np.float32)
        self._n_base = len(slots)
        self._document_frequency = Counter(term for doc in documents for term in set(doc))
        self._average_length = max(1.0, float(np.mean([len(doc) for doc in documents] or [1])))
        self._base = None
        if documents:
            self._base = bm25s.BM25(k1=self.config.k1, b=self.config.b, method="lucene")
            self._base.index(documents, show_progress=False)
        self._delta_slots = []
        self._build_delta()
        self.merges += 1

    def _hide_from_base(self, slots: Sequence[int]) -> None:
        slots = np.asarray(slots, dtype=np.int64)
        positions = np.searchsorted(self._base_slots, slots)
        inside = positions < len(self._base_slots)
        inside[inside] &= self._base_slots[positions[inside]] == slots[inside]
        self._base_live[positions[inside]] = 0.0

    def _build_delta(self) -> None:
        """Per-term BM25 weights of the delta documents under the base's statistics."""
        documents = [self._docs[slot] for slot in self._delta_slots]
        vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, document in enumerate(documents):
            for term, count in Counter(document).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(count)
        tf = np.asarray(counts, dtype=np.float32)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        k1, b = self.config.k1, self.config.b
        norm = k1 * ((1 - b) + b * lengths[np.asarray(rows, dtype=np.int64)] / self._average_length)
        weights = tf / (norm + tf) if len(tf) else tf
        self._delta_vocabulary = vocabulary
        self._delta_matrix = sparse.csc_matrix(
            (weights, (rows, cols)), shape=(len(documents), len(vocabulary)), dtype=np.float32
        )

    def _delta_scores(self, query_terms: list[str]) -> np.ndarray:
        # Lucene's BM25 idf, as the base segment (bm25s method="lucene") uses.
        scores = np.zeros(len(self._delta_slots), dtype=np.float32)
        for term, idf in zip(query_terms, self.idf(query_terms), strict=True):
            column = self._delta_vocabulary.get(term)
            if column is not None:
                scores += idf * self._delta_matrix[:, column].toarray().ravel()
        return scores
