"""Bundles: versioned directories with a manifest, an atomic `current` pointer, and a CLI."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopsense import __version__
from shopsense.bundle import (
    ARTIFACTS,
    BUNDLE_FORMAT,
    CURRENT,
    MANIFEST,
    Bundle,
    BundleIntegrityError,
    erase_user,
    resolve,
    train_bundle,
)
from shopsense.cli.app import app
from shopsense.data import Dataset
from shopsense.serving.app import create_app
from tests.serving.conftest import ADMIN, CATALOG, LIGHT_MODELS, private_copy, serving_config


def test_manifest_records_versions_data_and_models(shop: Dataset, tmp_path: Path) -> None:
    version = train_bundle(shop, tmp_path, LIGHT_MODELS, metrics={"ndcg@10": 0.5}, search=False)
    manifest = json.loads((version / MANIFEST).read_text())
    assert manifest["version"] == version.name
    assert manifest["shopsense"] == __version__ and manifest["python"].startswith("3.")
    assert {"numpy", "polars"} <= set(manifest["libraries"])
    assert manifest["dataset"]["fingerprint"] == shop.fingerprint
    assert manifest["dataset"]["interactions"] == shop.interactions.height
    models = manifest["artifacts"]["recommender"]["config"]["models"]
    assert [m["name"] for m in models] == LIGHT_MODELS
    assert models[0]["config"]["window"] >= 1  # the full config, defaults included
    assert manifest["metrics"] == {"ndcg@10": 0.5}
    assert manifest["created_at"] and "search" not in manifest["artifacts"]


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
        picks = client.get("/v1/users/u1/recommendations", headers=ADMIN).json()
        assert picks["bundle"] == second.name
        assert {s for r in picks["items"] for s in r["sources"]} == {"popularity"}


# ---- artifacts, digests and pickles ------------------------------------------------------------
def test_the_manifest_lists_every_artifact_with_its_files(text_bundle_root: Path) -> None:
    version = resolve(text_bundle_root)
    manifest = json.loads((version / MANIFEST).read_text())
    assert manifest["format"] == BUNDLE_FORMAT
    assert list(manifest["artifacts"]) == list(ARTIFACTS)  # all of them, in build order
    for name, entry in manifest["artifacts"].items():
        assert entry["version"] == ARTIFACTS[name].version
        assert isinstance(entry["config"], dict) and isinstance(entry["metrics"], dict)
        assert entry["seconds"] >= 0 and entry["files"], name
        for relative, sha256 in entry["files"].items():
            assert relative.startswith(f"{name}/")
            assert hashlib.sha256((version / relative).read_bytes()).hexdigest() == sha256
    listed = {f for entry in manifest["artifacts"].values() for f in entry["files"]}
    on_disk = {p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file()}
    assert on_disk - listed == {MANIFEST}


@pytest.mark.parametrize("root_fixture", ["text_bundle_root", "fused_bundle_root"])
def test_a_trained_bundle_holds_no_pickle(
    root_fixture: str, request: pytest.FixtureRequest
) -> None:
    version = resolve(request.getfixturevalue(root_fixture))
    suffixes = {p.suffix for p in version.rglob("*") if p.is_file()}
    assert not suffixes & {".pkl", ".pickle", ".pt", ".pth", ".joblib"}, suffixes
    # Arrays load without pickle (object arrays would need it).
    for path in version.rglob("*.npy"):
        np.load(path, allow_pickle=False)
    for path in version.rglob("*.npz"):
        with np.load(path, allow_pickle=False) as stored:
            assert all(stored[name].dtype != object for name in stored.files), path


@pytest.mark.parametrize(
    "relative",
    [
        "catalogue/items.parquet",
        "recommender/content/items.faiss",
        "recommender/cooccurrence/sparse/item_item.npz",
        "search/index/index.npz",
        "search/searcher.json",
    ],
)
def test_a_changed_byte_is_refused_naming_the_file(
    text_bundle_root: Path, tmp_path: Path, relative: str
) -> None:
    version = private_copy(resolve(text_bundle_root), tmp_path)
    path = version / relative
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    with pytest.raises(BundleIntegrityError, match=re.escape(relative)) as refused:
        Bundle.load(version)
    assert "SHA-256 does not match" in str(refused.value) and refused.value.path == path


def test_a_missing_or_unlisted_file_is_refused(bundle_root: Path, tmp_path: Path) -> None:
    version = private_copy(resolve(bundle_root), tmp_path)
    dropped = version / "recommender" / "cooccurrence" / "state.pkl"
    dropped.write_bytes(b"\x80\x05N.")
    with pytest.raises(BundleIntegrityError, match="state.pkl: file not listed"):
        Bundle.load(version)
    dropped.unlink()
    (version / "data" / "users.parquet").unlink()
    with pytest.raises(BundleIntegrityError, match="users.parquet: file listed .* is missing"):
        Bundle.load(version)


def test_erasure_rewrites_the_digests_of_the_tables_it_changes(
    bundle_root: Path, tmp_path: Path
) -> None:
    root = private_copy(bundle_root, tmp_path)
    before = json.loads((resolve(root) / MANIFEST).read_text())["artifacts"]
    assert erase_user(root, "u1") > 0
    after = json.loads((resolve(root) / MANIFEST).read_text())["artifacts"]
    for name in ("data", "precomputed"):
        assert after[name]["files"] != before[name]["files"], name
    for name in ("catalogue", "recommender"):
        assert after[name] == before[name], name
    bundle = Bundle.load(root)  # every digest checks out
    assert bundle.dataset().interactions.filter(user_id="u1").height == 0
    assert bundle.precomputed is not None and "u1" not in bundle.precomputed.read()
    assert not [p for p in resolve(root).rglob("*") if p.name.endswith(".partial")]


def test_items_are_served_from_the_catalogue_artifact(client: TestClient, shop: Dataset) -> None:
    catalogue = client.app.state.runtime.served.bundle.catalogue
    item_id = shop.items["item_id"][7]
    record = catalogue.record(item_id)
    assert record is not None and catalogue.index_of(item_id) == 7
    assert catalogue.record("nope") is None
    served = client.get(f"/v1/items/{item_id}", headers=CATALOG).json()
    assert served["item"] == item_id and served["title"] == record["title"]
    assert served["categories"] == record["categories"] and served["price"] == record["price"]
    assert client.get("/v1/items/nope", headers=CATALOG).status_code == 404
