"""Item text recipes: fields, order, labels, truncation, attributes; vectors per item."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from shopsense.data import Dataset
from shopsense.data.errors import DataError
from shopsense.text import (
    Encoder,
    EncoderConfig,
    ItemTextRecipe,
    TextPart,
    item_texts,
    item_vectors,
)


def _items(**columns: list) -> pl.DataFrame:
    return Dataset(items=pl.DataFrame(columns)).items


def test_default_recipe_writes_title_brand_categories_and_a_cut_description() -> None:
    items = _items(
        item_id=["a"],
        title=["Trail shoe"],
        brand=["Peakline"],
        categories=[["Sports", "Running"]],
        description=["word " * 200],
    )
    (text,) = item_texts(items)
    head = "Trail shoe. Brand: Peakline. Category: Sports > Running. word word"
    assert text.startswith(head)
    assert len(text) <= len(head) + 300 and text.endswith("word")


def test_recipe_order_labels_cut_and_attribute_keys() -> None:
    items = _items(
        item_id=["a", "b"],
        title=["Mug", ""],
        attributes=[json.dumps({"colour": "red", "size": "L", "sku": "x1"}), "{}"],
    )
    recipe = ItemTextRecipe(
        parts=[
            TextPart(field="attributes", keys=["size", "colour"]),
            TextPart(field="title", label="Name", max_chars=2),
        ],
        separator=" | ",
    )
    assert item_texts(items, recipe) == ["size: L; colour: red | Name: Mu", ""]


def test_bad_attributes_name_the_item_and_field() -> None:
    items = _items(item_id=["a"], attributes=["not json"])
    recipe = ItemTextRecipe(parts=[TextPart(field="attributes")])
    with pytest.raises(DataError, match="record a.*field 'attributes'"):
        item_texts(items, recipe)


def test_recipe_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        TextPart(field="colour")


def test_item_vectors_in_catalogue_order_with_zero_for_no_text(
    encoder_config: EncoderConfig,
) -> None:
    dataset = Dataset(items=pl.DataFrame({"item_id": ["a", "b", "c"], "title": ["pen", "", "ink"]}))
    vectors = item_vectors(dataset, Encoder(encoder_config))
    assert vectors.shape == (3, 384)
    assert not vectors[1].any()
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[0], Encoder(encoder_config).encode(["pen"])[0])
