"""Shared fixtures: the real data folder (skipped with a message where absent) and tiny data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import psycopg
import pytest
from postgres_server import INSTALL_HINT, find_binaries, postgres_server

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
def postgres_server_url() -> Iterator[str]:
    """A throw-away PostgreSQL server for the session (skipped where none is installed)."""
    if find_binaries() is None:
        pytest.skip(f"PostgreSQL's server is not installed: {INSTALL_HINT}")
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return postgres_server_url.rsplit("/", 1)[0] + f"/{name}"


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
