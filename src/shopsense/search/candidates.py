"""Candidate pool of one query: the union of the lexical and dense top lists, with the features
the fusion step reads (retrieval scores and ranks, how the title matches the query's words,
rare words included, whether the product meets what the query understanding found, and what
shoppers chose in similar past searches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopsense.retrieval.base import top_k
from shopsense.search.analysis import char_grams, is_number
from shopsense.search.index import CatalogueIndex
from shopsense.search.query_understanding import ParsedQuery
from shopsense.search.search_log import LOG_FEATURES, SearchLog, empty_features

#: Reciprocal-rank-fusion constant (Cormack et al. 2009): damps the weight of the very top ranks.
RRF_K = 60

FEATURES: tuple[str, ...] = (
    "lexical",
    "lexical_share_of_best",
    "lexical_log_rank",
    "dense",
    "dense_gap_to_best",
    "dense_log_rank",
    "rrf",
    "term_coverage",
    "all_terms",
    "last_term",
    "first_term",
    "number_coverage",
    "bigram_coverage",
    "title_precision",
    "title_terms",
    "first_match_position",
    "char_trigram_jaccard",
    "constraint_matches",
    "brand_match",
    "category_match",
    "query_terms",
    "query_numbers",
    "corrections",
    "best_lexical",
    "best_dense",
    "idf_coverage",
    "missing_max_idf",
    "word_coverage",
    "compound",
    "rrf_rank",
    *LOG_FEATURES,
)
_FIRST_LOG_FEATURE = FEATURES.index(LOG_FEATURES[0])


@dataclass(frozen=True)
class SearchCandidates:
    """A query's candidate slots with their retrieval scores and ranks (missing rank = depth)."""

    slots: np.ndarray
    lexical: np.ndarray
    lexical_rank: np.ndarray
    dense: np.ndarray
    dense_rank: np.ndarray
    depth: int
    """Length of each top list; the rank of a slot missing from a list."""
    chosen: np.ndarray
    """Per slot, what the search log says of it (`search_log.LOG_FEATURES`)."""

    def __len__(self) -> int:
        return len(self.slots)

    @property
    def rrf(self) -> np.ndarray:
        """Reciprocal-rank fusion of the two lists (a list the slot is missing from adds 0)."""
        total = np.zeros(len(self.slots))
        for ranks in (self.lexical_rank, self.dense_rank):
            total += np.where(ranks < self.depth, 1.0 / (RRF_K + 1 + ranks), 0.0)
        return total


def gather(
    index: CatalogueIndex,
    lexical_scores: np.ndarray,
    query_vector: np.ndarray,
    mask: np.ndarray,
    depth: int,
    log: SearchLog | None = None,
    leave_out: int | None = None,
) -> SearchCandidates:
    """The top `depth` slots by BM25 (positive scores only) and by cosine, within `mask`, with
    what `log` holds of them (its searches of fold `leave_out` ignored)."""
    lexical_top = top_k(lexical_scores, depth)
    lexical_top = lexical_top[lexical_scores[lexical_top] > 0]
    dense_top, _ = index.dense_search(query_vector, depth, mask)
    slots = np.unique(np.concatenate([lexical_top, dense_top]))
    lexical_rank = np.full(len(slots), depth, dtype=np.int64)
    lexical_rank[np.searchsorted(slots, lexical_top)] = np.arange(len(lexical_top))
    dense_rank = np.full(len(slots), depth, dtype=np.int64)
    dense_rank[np.searchsorted(slots, dense_top)] = np.arange(len(dense_top))
    return SearchCandidates(
        slots=slots,
        lexical=lexical_scores[slots].astype(np.float64),
        lexical_rank=lexical_rank,
        dense=(index.vectors[slots] @ query_vector).astype(np.float64),
        dense_rank=dense_rank,
        depth=depth,
        chosen=(
            log.features(query_vector, [index.products[slot].item_id for slot in slots], leave_out)
            if log is not None
            else empty_features(len(slots))
        ),
    )


def features(
    parsed: ParsedQuery, candidates: SearchCandidates, index: CatalogueIndex
) -> np.ndarray:
    """Feature matrix (candidates x `FEATURES`), float32."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    best_lexical = float(candidates.lexical.max())
    best_dense = float(candidates.dense.max())
    out[:, 0] = candidates.lexical
    out[:, 1] = candidates.lexical / best_lexical if best_lexical > 0 else 0.0
    out[:, 2] = np.log1p(candidates.lexical_rank)
    out[:, 3] = candidates.dense
    out[:, 4] = candidates.dense - best_dense
    out[:, 5] = np.log1p(candidates.dense_rank)
    out[:, 6] = candidates.rrf
    query_terms = list(dict.fromkeys(parsed.terms))
    numbers = [i for i, term in enumerate(query_terms) if is_number(term)]
    titles = _TitleTokens([index.title_term_ids[slot] for slot in candidates.slots])
    out[:, 14] = titles.lengths
    out[:, 15] = 1.0
    if query_terms:
        query = index.term_ids(query_terms)
        hits = titles.hits(query)
        out[:, 7] = hits.mean(axis=1)
        out[:, 8] = hits.all(axis=1)
        out[:, 9] = hits[:, -1]
        out[:, 10] = hits[:, 0]
        if numbers:
            out[:, 11] = hits[:, numbers].mean(axis=1)
        if len(query) > 1:
            out[:, 12] = titles.bigram_hits(query[:-1], query[1:]).mean(axis=1)
        unique = titles.unique_counts()
        out[:, 13] = np.where(unique > 0, hits.sum(axis=1) / np.maximum(unique, 1), 0.0)
        out[:, 15] = titles.first_position(query)
        idf = index.lexical.idf(query_terms)
        out[:, 25] = hits @ idf / idf.sum() if idf.sum() > 0 else 0.0
        out[:, 26] = np.where(hits, 0.0, idf[None, :]).max(axis=1)
    out[:, 27], out[:, 28] = _word_matches(parsed.search_text.split(), candidates.slots, index)
    # Candidates with equal RRF share their rank: a tie broken by slot (catalogue) order would
    # teach the ranker a position in the catalogue instead of a match.
    out[:, 29] = np.log1p(np.searchsorted(np.sort(-candidates.rrf), -candidates.rrf))
    out[:, 16] = _trigram_jaccard(parsed.search_text, candidates.slots, index)
    _constraint_features(parsed, candidates.slots, index, out)
    out[:, 20] = len(query_terms)
    out[:, 21] = len(numbers)
    out[:, 22] = len(parsed.corrections)
    out[:, 23] = best_lexical
    out[:, 24] = best_dense
    out[:, _FIRST_LOG_FEATURE : _FIRST_LOG_FEATURE + len(LOG_FEATURES)] = candidates.chosen
    return out


class _TitleTokens:
    """The title term (or word) ids of a candidate pool laid end to end, with each id's owner
    row."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.lengths = np.array([len(ids) for ids in arrays], dtype=np.int64)
        self.ids = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
        self.owner = np.repeat(np.arange(len(arrays)), self.lengths)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])

    def hits(self, query: np.ndarray) -> np.ndarray:
        """(candidates x query terms) bool: whether each title holds each query term."""
        found = np.zeros((len(self.lengths), len(query)), dtype=bool)
        rows, cols = np.nonzero(self.ids[:, None] == query[None, :])
        found[self.owner[rows], cols] = True
        return found

    def bigram_hits(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """(candidates x query bigrams) bool: whether each title holds each adjacent pair."""
        found = np.zeros((len(self.lengths), len(first)), dtype=bool)
        inside = self.owner[:-1] == self.owner[1:]
        pair = (self.ids[:-1][:, None] == first[None, :]) & (self.ids[1:][:, None] == second)
        rows, cols = np.nonzero(pair & inside[:, None])
        found[self.owner[rows], cols] = True
        return found

    def unique_counts(self) -> np.ndarray:
        """Distinct terms per title."""
        # One int64 key per (row, term) pair: a 1-d unique sorts far faster than axis=1.
        base = int(self.ids.max(initial=0)) + 1
        keys = np.unique(self.owner * base + self.ids)
        return np.bincount(keys // base, minlength=len(self.lengths))

    def first_position(self, query: np.ndarray) -> np.ndarray:
        """Position of each title's first query term over its length (1 where none is)."""
        matched = np.isin(self.ids, query)
        first = self.lengths.astype(np.float64)
        positions = np.arange(len(self.ids)) - self.starts[self.owner]
        np.minimum.at(first, self.owner[matched], positions[matched])
        return np.where(first < self.lengths, first / np.maximum(self.lengths, 1), 1.0)


def _constraint_features(
    parsed: ParsedQuery, slots: np.ndarray, index: CatalogueIndex, out: np.ndarray
) -> None:
    """Understood colours/materials/sizes, brands and categories each candidate meets."""
    wanted = {c.value for c in parsed.boosts() if c.kind in ("colour", "material", "size")}
    brands = {value.lower() for value in parsed.values("brand")}
    categories = {value.lower() for value in parsed.values("category")}
    if not (wanted or brands or categories):
        return  # the usual case: skip the per-candidate loop
    for row, slot in enumerate(slots):
        product = index.products[slot]
        out[row, 17] = len(wanted & index.match_words[slot])
        out[row, 18] = bool(product and product.brand.lower() in brands)
        out[row, 19] = bool(product and categories & {c.lower() for c in product.categories})


def _word_matches(
    query: list[str], slots: np.ndarray, index: CatalogueIndex
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate, the share of the query's words (unstemmed) in its title, and whether a
    compound is split or joined between them ("fiber glass" / "fiberglass"): 1 for a pair of
    adjacent query words found joined in the title, plus 1 for a query word that two adjacent
    title words make."""
    coverage = np.zeros(len(slots))
    compound = np.zeros(len(slots))
    unique = list(dict.fromkeys(query))
    if not unique or not len(slots):
        return coverage, compound
    titles = _TitleTokens([index.title_word_ids[slot] for slot in slots])
    coverage = titles.hits(index.term_ids(unique)).mean(axis=1)
    joined = index.term_ids([a + b for a, b in zip(unique, unique[1:], strict=False)])
    if len(joined):
        compound += titles.hits(joined).any(axis=1)
    # Every split of every query word; a half no title holds gets an id that matches nothing.
    cuts = [(word[:cut], word[cut:]) for word in unique for cut in range(1, len(word))]
    if cuts:
        first, second = (index.term_ids(list(halves)) for halves in zip(*cuts, strict=True))
        compound += titles.bigram_hits(first, second).any(axis=1)
    return coverage, compound


def _trigram_jaccard(text: str, slots: np.ndarray, index: CatalogueIndex) -> np.ndarray:
    """Jaccard similarity of the character n-grams (`analysis.char_grams`) of `text` and of
    each slot's title."""
    n_query = len(char_grams(text))
    query = index.trigram_ids(text)
    titles = [index.title_trigrams[slot] for slot in slots]
    sizes = np.array([len(grams) for grams in titles])
    shared = np.zeros(len(slots))
    if sizes.sum():
        owner = np.repeat(np.arange(len(slots)), sizes)
        hits = np.isin(np.concatenate(titles), query)
        shared = np.bincount(owner, weights=hits, minlength=len(slots))
    union = n_query + sizes - shared
    return np.where(union > 0, shared / np.maximum(union, 1), 0.0)
