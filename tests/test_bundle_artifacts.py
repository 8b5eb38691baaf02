"""Bundle artifacts saved as arrays and JSON: each round-trips exactly, and nothing is a pickle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import sparse

from shopsense.bundle import ARTIFACTS, MANIFEST, BuildContext, Bundle, erase_user, train_bundle
from shopsense.data import Dataset
from shopsense.data.judgments import JudgedQuery
from shopsense.data.splits import EvalCases
from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.popularity import PopularityRetriever
from shopsense.search import LearnedFusionConfig, Searcher
from shopsense.search.index import IndexConfig
from shopsense.search.searcher import SearchConfig, SearchResults
from shopsense.text import Encoder, EncoderConfig
from tests.serving.conftest import make_shop

QUERIES = [
    "compact tent",
    "trail shoe under $12",
    "Northpeak chef knife",
    "cheap garden hose",
    "kettel",  # a misspelling
    "sleeping bag for camping",
]
#: Files that may run code when loaded; none may be in a bundle or a saved searcher.
PICKLE_SUFFIXES = {".pkl", ".pickle", ".pt", ".pth", ".joblib"}


@pytest.fixture(scope="module")
def shop() -> Dataset:
    return make_shop()


@pytest.fixture(scope="module")
def encoder(encoder_config: EncoderConfig) -> Encoder:
    return Encoder(encoder_config)


def assert_same_results(after: SearchResults, before: SearchResults) -> None:
    assert after.query == before.query
    assert after.fusion == before.fusion and after.personalized == before.personalized
    assert [hit.item_id for hit in after.hits] == [hit.item_id for hit in before.hits]
    assert [hit.signals for hit in after.hits] == [hit.signals for hit in before.hits]
    assert [hit.score for hit in after.hits] == pytest.approx([hit.score for hit in before.hits])


def assert_no_pickles(directory: Path) -> None:
    files = [path for path in directory.rglob("*") if path.is_file()]
    assert files
    assert not [path for path in files if path.suffix in PICKLE_SUFFIXES]
    # Object arrays (which `np.save` pickles) would fail to load here.
    for path in files:
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as stored:
                assert all(stored[name].dtype != object for name in stored.files)


# ---- the registry, through the Artifact interface --------------------------------------------
def test_every_artifact_round_trips(
    shop: Dataset, tmp_path: Path, encoder_config: EncoderConfig, monkeypatch
) -> None:
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(encoder_config.cache_dir))
    context = BuildContext(["cooccurrence", "itemknn", "content", "popularity"])
    loaded = {}
    for name, artifact in ARTIFACTS.items():
        built = artifact.build(shop, context)
        context.built[name] = built
        (tmp_path / name).mkdir()
        saved = artifact.save(built, tmp_path / name)
        context.folders[name] = tmp_path / name  # as `train_bundle` records it
        json.dumps(saved)  # the manifest entry is plain JSON
        loaded[name] = artifact.load(tmp_path / name, {"version": artifact.version, **saved})
    assert_no_pickles(tmp_path)

    assert loaded["catalogue"].items.equals(context.built["catalogue"].items)
    tables = loaded["data"].read()
    assert all(tables[name].equals(getattr(shop, name)) for name in tables)

    users = [UserContext.of(sequence) for sequence in shop.sequences] + [UserContext()]
    fitted = context.built["recommender"].models
    assert list(loaded["recommender"]) == list(fitted)
    for name, model in loaded["recommender"].items():
        after_ids, after_scores = model.recommend_batch(users, k=20)
        before_ids, before_scores = fitted[name].recommend_batch(users, k=20)
        for a, b in zip(after_ids, before_ids, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=name)
        for a, b in zip(after_scores, before_scores, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=name)

    built: Searcher = context.built["search"]
    shopper = UserContext.of(shop.sequences[0])
    for query in QUERIES:
        assert_same_results(loaded["search"].search(query, shopper), built.search(query, shopper))

    lists = loaded["precomputed"].read()
    assert set(lists) == set(shop.interactions["user_id"].to_list())


# ---- the searcher, every component -----------------------------------------------------------
def _judged(shop: Dataset) -> list[JudgedQuery]:
    """One query per product noun, the products of that noun judged relevant."""
    items = shop.items
    queries = []
    for title in sorted({t.split(" ", 1)[1] for t in items["title"].to_list()}):
        matches = items.filter(pl.col("title").str.ends_with(title))["item_id"].to_list()
        queries += [JudgedQuery(f"{title}{extra}", dict.fromkeys(matches, 3.0)) for extra in "s!"]
    return queries


@pytest.mark.parametrize("hnsw", [16, None], ids=["hnsw", "flat"])
def test_searcher_round_trips_with_fusion_log_and_updates(
    shop: Dataset, encoder: Encoder, tmp_path: Path, hnsw: int | None
) -> None:
    config = SearchConfig(index=IndexConfig(hnsw_neighbours=hnsw))
    searcher = Searcher.build(shop, encoder, config)
    judged = _judged(shop)
    searcher.log_judged(judged)
    searcher.learn_fusion(judged, LearnedFusionConfig(max_rounds=30, min_data_in_leaf=5))
    # A changed product (new slot, old one retired), a removed one and a new one: the delta
    # segment, retired slots and the filter maps all have to survive the round trip.
    changed = shop.items.filter(pl.col("item_id") == "cam-ultralight-tent-0").with_columns(
        title=pl.lit("Classic ultralight tent, now waterproof")
    )
    added = changed.with_columns(item_id=pl.lit("cam-tarp-0"), title=pl.lit("Camping tarp"))
    searcher.upsert(pl.concat([changed, added]))
    searcher.remove(["kit-tea-kettle-2"])

    loaded = Searcher.load(searcher.save(tmp_path / "search"), dataset=shop)
    assert_no_pickles(tmp_path / "search")
    assert loaded.fusion_used == searcher.fusion_used == "learned"
    assert len(loaded.log) == len(searcher.log)
    for query in [*QUERIES, "waterproof tent", "camping tarp", "tea kettle"]:
        for user in (None, "u1", UserContext.of([0, 1, 2])):
            assert_same_results(loaded.search(query, user), searcher.search(query, user))
    # Both keep working the same after more changes.
    for each in (searcher, loaded):
        each.upsert(added.with_columns(item_id=pl.lit("cam-tarp-1")))
    assert_same_results(loaded.search("camping tarp"), searcher.search("camping tarp"))


def test_a_loaded_searcher_without_the_shop_personalises_from_history(
    shop: Dataset, encoder: Encoder, tmp_path: Path
) -> None:
    searcher = Searcher.build(shop, encoder)
    loaded = Searcher.load(searcher.save(tmp_path / "search"))
    history = UserContext.of(shop.sequences[3])
    assert_same_results(loaded.search("tent", history), searcher.search("tent", history))
    # Shoppers by id need the shop's data, which a saved searcher does not hold.
    assert not loaded.search("tent", "u1").personalized
    assert not list((tmp_path / "search").rglob("interactions*"))


def test_an_old_searcher_format_is_refused(shop: Dataset, encoder: Encoder, tmp_path: Path) -> None:
    path = Searcher.build(Dataset(items=shop.items), encoder).save(tmp_path / "search")
    meta = json.loads((path / "searcher.json").read_text())
    (path / "searcher.json").write_text(json.dumps({**meta, "format": 0}))
    with pytest.raises(ValueError, match="build and save it again"):
        Searcher.load(path)


# ---- the retrievers' default save: arrays, sparse matrices, retrievers, JSON -----------------
class _HoldsEverything(Retriever):
    """A retriever whose fitted state has one attribute of each kind the default save writes."""

    name = "holds-everything"
    config_class = RetrieverConfig

    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        self.weights = np.linspace(0.0, 1.0, dataset.n_items, dtype=np.float32)
        self.links = sparse.random(dataset.n_items, dataset.n_items, 0.2, "csr", rng=0)
        self.popular = PopularityRetriever().fit(dataset)
        self.notes = {"seen": [1, 2.5, "three", None, True]}
        self.step = 3

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        scores = np.tile(self.weights, (len(users), 1))
        return scores + self.links.sum(axis=0).A1 + self.popular.score(users) * self.step


class _HoldsASet(_HoldsEverything):
    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        super()._fit(dataset, validation)
        self.tags = {"a", "b"}


def test_the_default_save_writes_each_attribute_by_type(
    tiny_dataset: Dataset, tmp_path: Path
) -> None:
    fitted = _HoldsEverything().fit(tiny_dataset)
    loaded = Retriever.load(fitted.save(tmp_path / "model"))
    assert_no_pickles(tmp_path / "model")
    assert isinstance(loaded, _HoldsEverything) and isinstance(loaded.popular, PopularityRetriever)
    assert loaded.notes == fitted.notes and loaded.step == 3 and loaded.n_items == fitted.n_items
    assert (loaded.links != fitted.links).nnz == 0
    users = [UserContext.of([0, 1]), UserContext()]
    np.testing.assert_array_equal(loaded.score(users), fitted.score(users))


def test_the_default_save_refuses_what_it_cannot_write(
    tiny_dataset: Dataset, tmp_path: Path
) -> None:
    with pytest.raises(TypeError, match=r"_HoldsASet.tags is a set.*override _save_state"):
        _HoldsASet().fit(tiny_dataset).save(tmp_path / "model")


def test_a_saved_class_must_be_a_retriever(tiny_dataset: Dataset, tmp_path: Path) -> None:
    path = PopularityRetriever().fit(tiny_dataset).save(tmp_path / "model")
    meta = json.loads((path / "retriever.json").read_text())
    (path / "retriever.json").write_text(json.dumps({**meta, "class": "pathlib.Path"}))
    with pytest.raises(TypeError, match="is not a Retriever"):
        Retriever.load(path)


# ---- formats and options ---------------------------------------------------------------------
def test_required_and_unknown_artifacts_cannot_be_skipped(shop: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be skipped"):
        train_bundle(shop, tmp_path, ["popularity"], skip=["catalogue"])
    with pytest.raises(ValueError, match="unknown artifacts"):
        train_bundle(shop, tmp_path, ["popularity"], skip=["sponsored"])


def test_unknown_or_newer_artifacts_are_refused(shop: Dataset, tmp_path: Path) -> None:
    version = train_bundle(shop, tmp_path, ["popularity"], search=False, precompute=False)
    manifest = json.loads((version / MANIFEST).read_text())
    newer = json.loads(json.dumps(manifest))
    newer["artifacts"]["recommender"]["version"] = 99
    (version / MANIFEST).write_text(json.dumps(newer))
    with pytest.raises(ValueError, match="'recommender' has format 99"):
        Bundle.load(version)
    unknown = json.loads(json.dumps(manifest))
    unknown["artifacts"]["voice"] = {"version": 1, "config": {}, "metrics": {}, "files": {}}
    (version / MANIFEST).write_text(json.dumps(unknown))
    with pytest.raises(ValueError, match="artifact 'voice' this ShopSense does not know"):
        Bundle.load(version)


def test_erasure_reaches_a_bundle_of_the_previous_format(tmp_path: Path) -> None:
    old = tmp_path / "20240101-000000-abcdef"
    (old / "data").mkdir(parents=True)
    (old / MANIFEST).write_text(json.dumps({"format": 1, "version": old.name}))
    events = pl.DataFrame({"user_id": ["u1", "u2", "u1"], "item_id": ["a", "b", "c"]})
    events.write_parquet(old / "data" / "interactions.parquet")
    with pytest.raises(ValueError, match="bundle format 1"):
        Bundle.load(old)
    assert erase_user(tmp_path, "u1") == 2
    assert pl.read_parquet(old / "data" / "interactions.parquet")["user_id"].to_list() == ["u2"]


def test_erasure_is_all_or_nothing(tmp_path: Path, shop: Dataset) -> None:
    path = train_bundle(shop, tmp_path, ["popularity"], search=False)
    before = {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}

    def refuse() -> None:
        raise OSError("the caller's own step failed")

    with pytest.raises(OSError, match="own step"):
        erase_user(tmp_path, "u1", before_commit=refuse)
    assert {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()} == before
    assert erase_user(tmp_path, "u1") > 0
    bundle = Bundle.load(tmp_path)  # the digests match the rewritten files
    assert bundle.dataset().interactions.filter(user_id="u1").height == 0
