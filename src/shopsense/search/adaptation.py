"""The search encoder adapted to a shop: fine-tuned on its judged (or clicked) queries.

Each judged query and each product judged relevant to it (gain >= `min_relevance`) become one
(query, product text) pair, the product text being exactly what the index encodes
(`IndexConfig.dense_fields`); `shopsense.text.fine_tune` trains the encoder on them and the
returned `Encoder` builds the index and encodes queries like the stock one.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.judgments import JudgedQuery
from shopsense.search.index import IndexConfig, Product, dense_text
from shopsense.text import Encoder
from shopsense.text.fine_tune import FineTuneConfig, fine_tune

__all__ = ["AdaptationConfig", "adapted_encoder", "judged_pairs"]


class AdaptationConfig(BaseModel):
    """Which judged pairs teach the encoder, and how."""

    model_config = ConfigDict(extra="forbid")

    min_relevance: float = Field(
        2.33,
        description="Smallest judged gain that makes a (query, product) pair a positive "
        "(Home Depot grades 1-3: 2.33 = at least 'mostly relevant' on average).",
    )
    fine_tune: FineTuneConfig = Field(default_factory=FineTuneConfig, description="Training.")


def judged_pairs(
    queries: Sequence[JudgedQuery],
    products: dict[str, Product],
    dense_fields: Sequence[str],
    min_relevance: float,
) -> list[tuple[str, str]]:
    """(query text, product text) for every judged product with gain >= `min_relevance`;
    products not in `products` are skipped (they cannot be retrieved either)."""
    return [
        (query.text, dense_text(products[item_id], dense_fields))
        for query in queries
        for item_id, gain in query.relevance.items()
        if gain >= min_relevance and item_id in products
    ]


def adapted_encoder(
    encoder: Encoder,
    queries: Sequence[JudgedQuery],
    products: Sequence[Product],
    index: IndexConfig,
    config: AdaptationConfig | None = None,
    show_progress: bool = False,
) -> Encoder:
    """`encoder` with its model fine-tuned on the judged `queries` over `products` (same
    backend, cache and token limit; only the model changes)."""
    config = config or AdaptationConfig()
    by_id = {product.item_id: product for product in products}
    pairs = judged_pairs(queries, by_id, index.dense_fields, config.min_relevance)
    model = fine_tune(
        encoder.config.model_name, pairs, encoder.cache_root, config.fine_tune, show_progress
    )
    return Encoder(encoder.config.model_copy(update={"model_name": str(model)}))
