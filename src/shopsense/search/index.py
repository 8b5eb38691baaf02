"""`CatalogueIndex`: the products as search sees them.

Each product lives in a slot: its fields, its BM25 document (title, brand, categories and
description, the title weighted up), its dense vector (from `shopsense.text.Encoder`) in a faiss
index, and its entries in the filter maps (brand, category, attribute values, price). Products
can be added, changed and removed one at a time: the lexical side keeps a small delta segment
(see `lexical.py`), faiss adds and removes vectors by slot id, and a changed product gets a new
slot while its old one is retired. All text is read through the index's `Analyzer`, whose
dictionary of the catalogue's Chinese names grows with the catalogue and is saved with it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data import schema
from shopsense.data.errors import DataError
from shopsense.reviews.signals import ReviewFloor
from shopsense.search.analysis import Analyzer, char_grams
from shopsense.search.lexical import LexicalConfig, LexicalIndex
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
from shopsense.text import Encoder, EncoderConfig

FIELDS = ("title", "brand", "categories", "description")


class IndexConfig(BaseModel):
    """What goes into the lexical and dense sides of the index."""

    model_config = ConfigDict(extra="forbid")

    lexical: LexicalConfig = Field(
        default_factory=LexicalConfig, description="BM25 and delta-merge parameters."
    )
    field_weights: dict[str, int] = Field(
        default_factory=lambda: {"title": 2, "brand": 1, "categories": 1, "description": 1},
        description="Times each field's terms are repeated in the BM25 document (0 leaves it out).",
    )
    dense_fields: list[str] = Field(
        default_factory=lambda: ["title", "brand", "categories"],
        description="Fields joined into the text the encoder turns into a product's vector.",
    )
    hnsw_neighbours: int | None = Field(
        16,
        ge=2,
        description="Links per node of the faiss HNSW graph over product vectors (approximate, "
        "a query costs ~1 ms at 10^5 products); None: exact flat inner-product scan.",
    )
    hnsw_ef_construction: int = Field(64, ge=8, description="HNSW build-time beam width.")
    hnsw_ef_search: int = Field(
        256, ge=8, description="HNSW query-time beam width (>= the candidates asked for)."
    )


class Filters(BaseModel):
    """Hard constraints on the products a search may return; empty lists mean no constraint."""

    model_config = ConfigDict(extra="forbid")

    categories: list[str] = Field(default_factory=list, description="Any of these categories.")
    brands: list[str] = Field(default_factory=list, description="Any of these brands.")
    min_price: float | None = Field(None, ge=0, description="Lowest price (inclusive).")
    max_price: float | None = Field(None, ge=0, description="Highest price (inclusive).")
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="Attribute name -> any of these values."
    )
    min_rating: float | None = ReviewFloor.model_fields["min_rating"]
    min_positive: float | None = ReviewFloor.model_fields["min_positive"]
    require_reviews: bool = ReviewFloor.model_fields["require_reviews"]

    def is_empty(self) -> bool:
        """Whether no constraint is set."""
        return self.catalogue_is_empty() and self.review_floor().is_empty()

    def catalogue_is_empty(self) -> bool:
        """Whether no constraint on the products' own fields is set."""
        return not (
            self.categories
            or self.brands
            or self.attributes
            or self.min_price is not None
            or self.max_price is not None
        )

    def review_floor(self) -> ReviewFloor:
        """The constraints on the products' reviews (applied by the searcher, which holds the
        review signals; see `ReviewFloor` for products without reviews)."""
        return ReviewFloor(
            min_rating=self.min_rating,
            min_positive=self.min_positive,
            require_reviews=self.require_reviews,
        )


@dataclass(frozen=True)
class Product:
    """One product's searchable fields."""

    item_id: str
    title: str
    brand: str
    categories: tuple[str, ...]
    description: str
    price: float
    attributes: dict[str, str]


class CatalogueIndex:
    """Lexical and dense indexes plus filter maps over the products, kept in slots."""

    def __init__(self, encoder: Encoder, config: IndexConfig | None = None) -> None:
        self.encoder = encoder
        self.config = config or IndexConfig()
        self.products: list[Product | None] = []
        self.slot_of: dict[str, int] = {}
        self.title_terms: list[tuple[str, ...]] = []
        #: Per slot, the ids of its title terms in title order (see `term_ids`), so that the
        #: ranking features compare a query with a whole candidate pool in array operations.
        self.title_term_ids: list[np.ndarray] = []
        self._term_ids: dict[str, int] = {}
        self.title_words: list[tuple[str, ...]] = []
        #: Per slot, the ids of its title words (unstemmed) in title order, from `term_ids` too.
        self.title_word_ids: list[np.ndarray] = []
        #: Per slot, the sorted ids of the character trigrams of its title (see `trigram_ids`).
        self.title_trigrams: list[np.ndarray] = []
        self._trigram_ids: dict[str, int] = {}
        self.match_words: list[frozenset[str]] = []
        #: Text analysis for this catalogue: its Chinese brand, category and attribute names
        #: are kept whole (products and queries alike are read through it).
        self.analyzer = Analyzer()
        self.prices = np.empty(0, dtype=np.float64)
        self.live = np.empty(0, dtype=bool)
        self.vectors = np.empty((0, 0), dtype=np.float32)
        #: word -> number of live products whose text holds it (the spelling vocabulary).
        self.word_counts: Counter[str] = Counter()
        #: Bumped on every change, so readers of the vocabulary know when to refresh.
        self.generation = 0
        self._by_brand: dict[str, set[int]] = defaultdict(set)
        self._by_category: dict[str, set[int]] = defaultdict(set)
        self._by_attribute: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.lexical = LexicalIndex(self.config.lexical)
        self._dense: faiss.Index | None = None

    # ---- building and updating -------------------------------------------------------------
    @classmethod
    def build(
        cls,
        items: pl.DataFrame,
        encoder: Encoder,
        config: IndexConfig | None = None,
        show_progress: bool = False,
    ) -> CatalogueIndex:
        """An index over every row of `items` (a frame with the `schema.ITEMS` columns)."""
        index = cls(encoder, config)
        products = list(products_from_frame(items))
        index.analyzer.add_names(catalogue_names(products))
        index._append(products, show_progress)
        index.lexical.build([index._document(product) for product in products])
        return index

    def upsert(self, items: pl.DataFrame) -> list[int]:
        """Add new products and replace changed ones (matched by item id); returns their slots.

        Only the new rows are analysed and encoded; nothing else is rebuilt.
        """
        products = list(products_from_frame(items))
        self.analyzer.add_names(catalogue_names(products))
        old = [self.slot_of[p.item_id] for p in products if p.item_id in self.slot_of]
        self._retire(old)
        slots = self._append(products, show_progress=False)
        self.lexical.set(slots, [self._document(product) for product in products])
        if old:
            self.lexical.remove(old)
        self.generation += 1
        return slots

    def remove(self, item_ids: Iterable[str]) -> None:
        """Take products out of search; unknown ids are an error."""
        slots = []
        for item_id in item_ids:
            if item_id not in self.slot_of:
                raise DataError("no such product in the search index", record=item_id)
            slots.append(self.slot_of[item_id])
        self._retire(slots)
        self.lexical.remove(slots)
        self.generation += 1

    def _append(self, products: Sequence[Product], show_progress: bool) -> list[int]:
        start = len(self.products)
        slots = list(range(start, start + len(products)))
        texts = [dense_text(product, self.config.dense_fields) for product in products]
        vectors = self.encoder.encode(texts, kind="document", show_progress=show_progress)
        if self._dense is None:
            self._dense = self._new_dense(vectors.shape[1])
            self.vectors = np.empty((0, vectors.shape[1]), dtype=np.float32)
        self._dense.add_with_ids(vectors, np.asarray(slots, dtype=np.int64))
        self.vectors = np.vstack([self.vectors, vectors])
        self.prices = np.concatenate([self.prices, [p.price for p in products]])
        self.live = np.concatenate([self.live, np.ones(len(products), dtype=bool)])
        words = self.analyzer.words
        for slot, product in zip(slots, products, strict=True):
            self.products.append(product)
            self.slot_of[product.item_id] = slot
            title_words = tuple(words(product.title))
            self.title_words.append(title_words)
            self.title_terms.append(tuple(self.analyzer.terms(list(title_words))))
            self.title_term_ids.append(self.term_ids(self.title_terms[slot], grow=True))
            self.title_word_ids.append(self.term_ids(title_words, grow=True))
            self.title_trigrams.append(self.trigram_ids(" ".join(title_words), grow=True))
            every_word = words(" ".join([product.brand, *product.categories, product.description]))
            every_word += [w for value in product.attributes.values() for w in words(value)]
            self.match_words.append(frozenset(every_word).union(title_words))
            self.word_counts.update(self.match_words[slot])
            self._add_to_maps(slot, product)
        return slots

    def _retire(self, slots: Sequence[int]) -> None:
        if not slots:
            return
        if self.config.hnsw_neighbours is None:
            self._dense.remove_ids(np.asarray(slots, dtype=np.int64))
        # An HNSW graph cannot drop nodes: retired slots stay in it and the live mask,
        # passed to every search, keeps them out of results.
        for slot in slots:
            product = self.products[slot]
            self.live[slot] = False
            self.products[slot] = None
            del self.slot_of[product.item_id]
            self.word_counts.subtract(self.match_words[slot])
            self._remove_from_maps(slot, product)

    def _add_to_maps(self, slot: int, product: Product) -> None:
        if product.brand:
            self._by_brand[product.brand.lower()].add(slot)
        for category in product.categories:
            self._by_category[category.lower()].add(slot)
        for key, value in product.attributes.items():
            self._by_attribute[(key.lower(), value.lower())].add(slot)

    def _remove_from_maps(self, slot: int, product: Product) -> None:
        self._by_brand[product.brand.lower()].discard(slot)
        for category in product.categories:
            self._by_category[category.lower()].discard(slot)
        for key, value in product.attributes.items():
            self._by_attribute[(key.lower(), value.lower())].discard(slot)

    def _document(self, product: Product) -> list[str]:
        weights = self.config.field_weights
        document: list[str] = []
        for name in FIELDS:
            value = getattr(product, name)
            text = " ".join(value) if isinstance(value, tuple) else value
            if text and weights.get(name, 0) > 0:
                document += self.analyzer.analyze(text) * weights[name]
        return document

    def _new_dense(self, dimension: int) -> faiss.Index:
        neighbours = self.config.hnsw_neighbours
        if neighbours is None:
            return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        graph = faiss.IndexHNSWFlat(dimension, neighbours, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = self.config.hnsw_ef_construction
        return faiss.IndexIDMap2(graph)

    def term_ids(self, words: Sequence[str], grow: bool = False) -> np.ndarray:
        """Ids of index terms or title words (one id space), in order; unseen ones get new ids
        when `grow`, otherwise
        -1, -2, ... (distinct, so they match nothing and no two of them match each other)."""
        ids = self._term_ids
        if grow:
            return np.array([ids.setdefault(w, len(ids)) for w in words], dtype=np.int64)
        return np.array([ids.get(w, -1 - i) for i, w in enumerate(words)], dtype=np.int64)

    def trigram_ids(self, text: str, grow: bool = False) -> np.ndarray:
        """Sorted ids of the character n-grams of `text` (`analysis.char_grams`: trigrams, and
        bigrams of Chinese); unseen grams get new ids when `grow`, otherwise they are left
        out."""
        grams = char_grams(text)
        ids = self._trigram_ids
        if grow:
            found = [ids.setdefault(gram, len(ids)) for gram in grams]
        else:
            found = [ids[gram] for gram in grams if gram in ids]
        return np.array(sorted(found), dtype=np.int32)

    # ---- reading ---------------------------------------------------------------------------
    @property
    def n_slots(self) -> int:
        """Slots ever used (live and retired)."""
        return len(self.products)

    @property
    def n_products(self) -> int:
        """Products currently searchable."""
        return len(self.slot_of)

    @property
    def brands(self) -> dict[str, int]:
        """Lower-cased brand -> number of live products."""
        return {brand: len(slots) for brand, slots in self._by_brand.items() if slots}

    @property
    def categories(self) -> dict[str, int]:
        """Lower-cased category -> number of live products."""
        return {name: len(slots) for name, slots in self._by_category.items() if slots}

    def attribute_values(self, keys: Iterable[str]) -> set[str]:
        """Lower-cased values of the named attributes across live products."""
        wanted = {key.lower() for key in keys}
        return {
            value for (key, value), slots in self._by_attribute.items() if key in wanted and slots
        }

    def mask(self, filters: Filters | None) -> np.ndarray:
        """Live slots that satisfy the catalogue constraints of `filters` (its review floor is
        the searcher's to apply: the index holds no reviews)."""
        mask = self.live.copy()
        if filters is None or filters.catalogue_is_empty():
            return mask
        if filters.brands:
            mask &= self._any_of(self._by_brand, [brand.lower() for brand in filters.brands])
        if filters.categories:
            names = [name.lower() for name in filters.categories]
            mask &= self._any_of(self._by_category, names)
        for key, values in filters.attributes.items():
            pairs = [(key.lower(), value.lower()) for value in values]
            mask &= self._any_of(self._by_attribute, pairs)
        # Products without a price cannot be shown to satisfy a price constraint.
        if filters.min_price is not None:
            mask &= np.nan_to_num(self.prices, nan=-np.inf) >= filters.min_price
        if filters.max_price is not None:
            mask &= np.nan_to_num(self.prices, nan=np.inf) <= filters.max_price
        return mask

    def _any_of(self, mapping: dict[Any, set[int]], keys: list[Any]) -> np.ndarray:
        selected = np.zeros(self.n_slots, dtype=bool)
        for key in keys:
            slots = mapping.get(key)
            if slots:
                selected[list(slots)] = True
        return selected

    def lexical_scores(self, query_terms: list[str], mask: np.ndarray | None) -> np.ndarray:
        """BM25 score of every slot (0 outside `mask`)."""
        return self.lexical.scores(query_terms, mask)

    def dense_search(
        self, vector: np.ndarray, k: int, mask: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` slots nearest to `vector` (cosine) within `mask`, best first."""
        selector = None
        if mask is not None and not mask.all():
            selector = faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))
        if self.config.hnsw_neighbours is None:
            params = faiss.SearchParameters(sel=selector)
        else:
            ef = max(self.config.hnsw_ef_search, k)
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector)
        scores, slots = self._dense.search(vector[None, :].astype(np.float32), k, params=params)
        found = slots[0] >= 0
        return slots[0][found].astype(np.int64), scores[0][found]

    # ---- persistence -----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the index to `directory` as arrays, JSON, a parquet table of the products, the
        faiss index (`faiss.write_index`) and the BM25 segments (`LexicalIndex.save`)."""
        directory.mkdir(parents=True, exist_ok=True)
        words = {word: i for i, word in enumerate(self.word_counts)}
        match_words = ragged(vocabulary_ids(self.match_words, words))
        maps = {"brand": self._by_brand, "category": self._by_category}
        write_json(
            directory / "index.json",
            {
                "config": self.config.model_dump(mode="json"),
                "encoder": self.encoder.config.model_dump(mode="json"),
                "generation": self.generation,
                "dictionary": self.analyzer.dictionary,
                "terms": list(self._term_ids),
                "trigrams": list(self._trigram_ids),
                "words": list(words),
                "maps": {name: list(mapping) for name, mapping in maps.items()},
                "attributes": [list(key) for key in self._by_attribute],
            },
        )
        save_arrays(
            directory / "index.npz",
            prices=self.prices,
            live=self.live,
            vectors=self.vectors,
            word_counts=np.array(list(self.word_counts.values()), dtype=np.int64),
            **prefixed("title_terms", ragged(self.title_term_ids)),
            **prefixed("title_words", ragged(self.title_word_ids)),
            **prefixed("title_trigrams", ragged(self.title_trigrams, np.int32)),
            **prefixed("match_words", match_words),
            **prefixed("brand", ragged([sorted(s) for s in self._by_brand.values()])),
            **prefixed("category", ragged([sorted(s) for s in self._by_category.values()])),
            **prefixed("attribute", ragged([sorted(s) for s in self._by_attribute.values()])),
        )
        products_frame(self.products).write_parquet(directory / "products.parquet")
        if self._dense is not None:
            faiss.write_index(self._dense, str(directory / "dense.faiss"))
        self.lexical.save(directory / "lexical")

    @classmethod
    def load(cls, directory: Path) -> CatalogueIndex:
        """Read an index written by `save`."""
        meta = read_json(directory / "index.json")
        arrays = load_arrays(directory / "index.npz")
        index = cls(
            Encoder(EncoderConfig.model_validate(meta["encoder"])),
            IndexConfig.model_validate(meta["config"]),
        )
        # Indexes saved before Chinese analysis hold no catalogue words.
        index.analyzer = Analyzer(meta.get("dictionary", []))
        index.products = list(products_from_table(pl.read_parquet(directory / "products.parquet")))
        index.slot_of = {p.item_id: slot for slot, p in enumerate(index.products) if p is not None}
        terms, words = meta["terms"], meta["words"]
        index._term_ids = {term: i for i, term in enumerate(terms)}
        index._trigram_ids = {gram: i for i, gram in enumerate(meta["trigrams"])}
        index.title_term_ids = rows_of(arrays, "title_terms")
        index.title_terms = [tuple(terms[i] for i in row.tolist()) for row in index.title_term_ids]
        index.title_word_ids = rows_of(arrays, "title_words")
        index.title_words = [tuple(terms[i] for i in row.tolist()) for row in index.title_word_ids]
        index.title_trigrams = rows_of(arrays, "title_trigrams")
        index.match_words = [
            frozenset(words[i] for i in row.tolist()) for row in rows_of(arrays, "match_words")
        ]
        index.word_counts = Counter(dict(zip(words, arrays["word_counts"].tolist(), strict=True)))
        index.prices, index.live = arrays["prices"], arrays["live"]
        index.vectors = arrays["vectors"]
        index.generation = int(meta["generation"])
        keys = {**meta["maps"], "attribute": [tuple(key) for key in meta["attributes"]]}
        for name, mapping in (
            ("brand", index._by_brand),
            ("category", index._by_category),
            ("attribute", index._by_attribute),
        ):
            for key, slots in zip(keys[name], rows_of(arrays, name), strict=True):
                mapping[key] = set(slots.tolist())
        if (directory / "dense.faiss").is_file():
            index._dense = faiss.read_index(str(directory / "dense.faiss"))
        index.lexical = LexicalIndex.load(directory / "lexical")
        return index

    # In-memory copies only (`copy.deepcopy`, `pickle.dumps` in tests): files use `save`.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_dense"] = faiss.serialize_index(self._dense) if self._dense is not None else None
        state["_by_brand"] = dict(self._by_brand)
        state["_by_category"] = dict(self._by_category)
        state["_by_attribute"] = dict(self._by_attribute)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state["_dense"] is not None:
            state["_dense"] = faiss.deserialize_index(state["_dense"])
        for name in ("_by_brand", "_by_category", "_by_attribute"):
            state[name] = defaultdict(set, state[name])
        self.__dict__.update(state)


def catalogue_names(products: Iterable[Product]) -> set[str]:
    """The brands, categories and attribute values of `products`: the names analysis keeps
    whole."""
    names: set[str] = set()
    for product in products:
        names.add(product.brand)
        names.update(product.categories)
        names.update(product.attributes.values())
    return names


def dense_text(product: Product, fields: Sequence[str]) -> str:
    """The text the encoder turns into a product's vector: its `fields` joined."""
    parts = []
    for name in fields:
        value = getattr(product, name)
        text = " ".join(value) if isinstance(value, tuple) else value
        if text:
            parts.append(text)
    return ". ".join(parts)


#: Columns of the saved products table; a retired slot is a row with a null item id.
_PRODUCT_SCHEMA = {
    "item_id": pl.String,
    "title": pl.String,
    "brand": pl.String,
    "categories": pl.List(pl.String),
    "description": pl.String,
    "price": pl.Float64,
    "attributes": pl.String,
}


def products_frame(products: Sequence[Product | None]) -> pl.DataFrame:
    """The products of every slot as a table (what `CatalogueIndex.save` writes)."""
    columns: dict[str, list[Any]] = {name: [] for name in _PRODUCT_SCHEMA}
    for product in products:
        for name in _PRODUCT_SCHEMA:
            value = None if product is None else getattr(product, name)
            if product is not None and name == "attributes":
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, tuple):
                value = list(value)
            columns[name].append(value)
    return pl.DataFrame(columns, schema=_PRODUCT_SCHEMA)


def products_from_table(table: pl.DataFrame) -> Iterable[Product | None]:
    """The slots of a `products_frame` table (None for retired slots)."""
    for row in table.iter_rows(named=True):
        if row["item_id"] is None:
            yield None
            continue
        yield Product(
            item_id=row["item_id"],
            title=row["title"],
            brand=row["brand"],
            categories=tuple(row["categories"]),
            description=row["description"],
            price=row["price"],
            attributes=json.loads(row["attributes"]),
        )


def products_from_frame(items: pl.DataFrame) -> Iterable[Product]:
    """`Product`s from an items frame; a malformed attributes value is a `DataError`."""
    for row in schema.conform(items, "items").iter_rows(named=True):
        if not row["item_id"]:
            raise DataError("missing or empty id", field="item_id")
        try:
            attributes = json.loads(row["attributes"] or "{}")
        except json.JSONDecodeError as error:
            raise DataError(
                f"not a JSON object ({error.msg})", record=row["item_id"], field="attributes"
            ) from None
        price = row["price"]
        yield Product(
            item_id=row["item_id"],
            title=row["title"] or "",
            brand=row["brand"] or "",
            categories=tuple(row["categories"] or ()),
            description=row["description"] or "",
            price=float("nan") if price is None else float(price),
            attributes={str(key): str(value) for key, value in attributes.items()},
        )
