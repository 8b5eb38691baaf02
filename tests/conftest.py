"""Shared fixtures: the real data folder (skipped with a message where absent) and tiny data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shopsense.data import Dataset
from shopsense.text import EncoderConfig

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data` beside the checkout; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (needs ../shared beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def encoder_config(tmp_path_factory: pytest.TempPathFactory) -> EncoderConfig:
    """The default encoder with its caches (vectors, ONNX export) in a folder of this test
    session: tests never touch the user's cache, and the model is exported once per session."""
    return EncoderConfig(cache_dir=str(tmp_path_factory.mktemp("shopsense-cache")))


@pytest.fixture
def tiny_dataset() -> Dataset:
    """Six items, four users with known sequences: small enough to check results by hand."""
    sequences = {
        "u1": ["a", "b", "c", "d"],
        "u2": ["a", "b", "c"],
        "u3": ["b", "c", "e"],
        "u4": ["a", "c", "d", "e", "f"],
    }
    rows = [(user, item) for user, items in sequences.items() for item in items]
    return Dataset(
        items=pl.DataFrame(
            {
                "item_id": list("abcdef"),
                "title": [f"product {c}" for c in "abcdef"],
                "categories": [["beauty", "nails"]] * 3 + [["beauty", "skin"]] * 3,
            }
        ),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id"], orient="row"),
        name="tiny",
    )
