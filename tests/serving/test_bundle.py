"""Bundles: versioned directories with a manifest, an atomic `current` pointer, and a CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopsense import __version__
from shopsense.bundle import CURRENT, MANIFEST, Bundle, resolve, train_bundle
from shopsense.cli import app
from shopsense.data import Dataset
from shopsense.serving.app import create_app
from tests.serving.conftest import LIGHT_MODELS, READ, serving_config


def test_manifest_records_versions_data_and_models(shop: Dataset, tmp_path: Path) -> None:
    version = train_bundle(shop, tmp_path, LIGHT_MODELS, metrics={"ndcg@10": 0.5}, search=False)
    manifest = json.loads((version / MANIFEST).read_text())
    assert manifest["version"] == version.name
    assert manifest["shopsense"] == __version__ and manifest["python"].startswith("3.")
    assert {"numpy", "polars"} <= set(manifest["libraries"])
    assert manifest["dataset"]["fingerprint"] == shop.fingerprint
    assert manifest["dataset"]["interactions"] == shop.interactions.height
    assert [m["name"] for m in manifest["models"]] == LIGHT_MODELS
    assert manifest["models"][0]["config"]["window"] >= 1  # the full config, defaults included
    assert manifest["metrics"] == {"ndcg@10": 0.5}
    assert manifest["created_at"] and manifest["search"] is None


def test_a_new_version_becomes_current_and_both_stay(shop: Dataset, tmp_path: Path) -> None:
    first = train_bundle(shop, tmp_path, LIGHT_MODELS, search=False)
    second = train_bundle(shop, tmp_path, ["popularity"], search=False)
    assert (tmp_path / CURRENT).read_text().strip() == second.name
    assert resolve(tmp_path) == second and resolve(first) == first
    assert Bundle.load(tmp_path).version == second.name
    assert list(Bundle.load(first).models) == LIGHT_MODELS
    # Nothing half-written is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name, CURRENT])


def test_a_failed_training_leaves_current_alone(shop: Dataset, tmp_path: Path) -> None:
    first = train_bundle(shop, tmp_path, LIGHT_MODELS, search=False)
    with pytest.raises(ValueError):
        train_bundle(shop, tmp_path, LIGHT_MODELS, configs={"cooccurrence": {"window": 0}})
    assert resolve(tmp_path) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, CURRENT])


def test_loaded_bundle_scores_like_the_trained_models(shop: Dataset, tmp_path: Path) -> None:
    bundle = Bundle.load(train_bundle(shop, tmp_path, LIGHT_MODELS, search=False))
    assert bundle.items["item_id"].to_list() == shop.items["item_id"].to_list()
    assert bundle.dataset().fingerprint == shop.fingerprint
    assert bundle.searcher is None


def test_configs_for_models_not_trained_are_an_error(shop: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="configs given for models not trained"):
        train_bundle(shop, tmp_path, ["popularity"], configs={"als": {}})


def test_not_a_bundle_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="shopsense train"):
        Bundle.load(tmp_path)


def test_train_command_writes_a_bundle(shop: Dataset, tmp_path: Path) -> None:
    data = tmp_path / "shop"
    data.mkdir()
    shop.items.write_parquet(data / "items.parquet")
    shop.interactions.write_parquet(data / "interactions.parquet")
    out = tmp_path / "bundles"
    result = CliRunner().invoke(
        app,
        [
            "train",
            f"--data={data}",
            f"--out={out}",
            "--models=cooccurrence,popularity",
            "--no-search",
        ],
    )
    assert result.exit_code == 0, result.output
    bundle = Bundle.load(out)
    assert list(bundle.models) == ["cooccurrence", "popularity"]
    assert bundle.manifest["dataset"]["interactions"] == shop.interactions.height


def test_train_command_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", f"--data={tmp_path / 'nope'}", f"--out={tmp_path}"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_the_server_follows_the_current_pointer(shop: Dataset, tmp_path: Path) -> None:
    root = tmp_path / "bundles"
    first = train_bundle(shop, root, LIGHT_MODELS, search=False)
    config = serving_config(root, tmp_path / "store.duckdb").model_copy(
        update={"watch_seconds": 0.1}
    )
    with TestClient(create_app(config)) as client:
        assert client.get("/healthz").json()["bundle"] == first.name
        second = train_bundle(shop, root, ["popularity"], search=False)
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["bundle"] != second.name:
            assert time.monotonic() < deadline, "the new bundle was not swapped in"
            time.sleep(0.1)
        picks = client.get("/v1/users/u1/recommendations", headers=READ).json()
        assert picks["bundle"] == second.name
        assert {s for r in picks["items"] for s in r["sources"]} == {"popularity"}
