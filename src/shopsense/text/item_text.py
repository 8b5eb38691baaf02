"""Item text: a configurable recipe that writes each catalogue row as one string to encode.

The recipe lists the fields to use, in order, each with an optional label ("Brand: Acme") and
an optional length cap, so a shop can say how much of a long description is worth encoding.
"""

from __future__ import annotations

import json
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError
from shopsense.text.encoder import Encoder

ItemField = Literal["title", "brand", "categories", "description", "attributes"]


class TextPart(BaseModel):
    """One field of the item text."""

    model_config = ConfigDict(extra="forbid")

    field: ItemField = Field(description="Column of the items table to write.")
    label: str = Field("", description="Written as 'label: value'; empty writes the value alone.")
    max_chars: int | None = Field(
        None, ge=1, description="Cut the value to at most this many characters, at a word end."
    )
    keys: list[str] | None = Field(
        None, description="For 'attributes': the keys to write, in order (None: all of them)."
    )


def _default_parts() -> list[TextPart]:
    return [
        TextPart(field="title"),
        TextPart(field="brand", label="Brand"),
        TextPart(field="categories", label="Category"),
        TextPart(field="description", max_chars=300),
    ]


class ItemTextRecipe(BaseModel):
    """Which item fields make up the text, in what order and with what labels."""

    model_config = ConfigDict(extra="forbid")

    parts: list[TextPart] = Field(
        default_factory=_default_parts,
        description="Fields in order; the default is title, brand, category path and the "
        "first 300 characters of the description.",
    )
    separator: str = Field(". ", description="Between parts.")
    category_separator: str = Field(" > ", description="Between levels of the category path.")


def item_texts(items: pl.DataFrame, recipe: ItemTextRecipe | None = None) -> list[str]:
    """One string per row of a conformed items table; an item with no text gives ''."""
    recipe = recipe or ItemTextRecipe()
    columns = {part.field: items[part.field].to_list() for part in recipe.parts}
    ids = items["item_id"].to_list()
    texts = []
    for row, item_id in enumerate(ids):
        pieces = []
        for part in recipe.parts:
            value = _value(columns[part.field][row], part, recipe, item_id)
            if value:
                pieces.append(f"{part.label}: {value}" if part.label else value)
        texts.append(recipe.separator.join(pieces))
    return texts


def item_vectors(
    dataset: Dataset,
    encoder: Encoder,
    recipe: ItemTextRecipe | None = None,
    show_progress: bool = False,
) -> np.ndarray:
    """Unit text vectors of every catalogue item, shape (n_items, dimension), in index order.

    Items with no text at all get a zero vector: they score 0 for every query rather than
    all sharing the vector of the empty string.
    """
    texts = item_texts(dataset.items, recipe)
    rows = [row for row, text in enumerate(texts) if text]
    if not rows:
        return np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    # Read the dimension off the vectors: a fully cached catalogue never loads the model.
    encoded = encoder.encode([texts[row] for row in rows], show_progress=show_progress)
    vectors = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
    vectors[rows] = encoded
    return vectors


def _value(raw: object, part: TextPart, recipe: ItemTextRecipe, item_id: str) -> str:
    if raw is None:
        return ""
    if part.field == "categories":
        text = recipe.category_separator.join(str(level) for level in raw if level)
    elif part.field == "attributes":
        text = _attributes_text(str(raw), part.keys, item_id)
    else:
        text = " ".join(str(raw).split())
    return _cut(text, part.max_chars)


def _attributes_text(raw: str, keys: list[str] | None, item_id: str) -> str:
    try:
        attributes = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DataError(
            f"not valid JSON ({error.msg})", source="items", record=item_id, field="attributes"
        ) from error
    if not isinstance(attributes, dict):
        raise DataError(
            "expected a JSON object", source="items", record=item_id, field="attributes"
        )
    chosen = keys if keys is not None else list(attributes)
    return "; ".join(f"{key}: {attributes[key]}" for key in chosen if attributes.get(key))


def _cut(text: str, max_chars: int | None) -> str:
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut
