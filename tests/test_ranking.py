"""The ranking layer on tiny generated data: candidates, features, the learned ranker, the
fused "best" retriever (conformance, save/load), re-ranking and explanations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shopsense.data import DataError, Dataset
from shopsense.data.shoppers import UserEvent
from shopsense.data.splits import leave_one_out
from shopsense.learning import LambdaMART, LambdaMARTConfig, RankingExamples
from shopsense.ranking.candidates import GeneratorSpec, generate_candidates, score_generators
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.explain import describe
from shopsense.ranking.features import FeatureBuilder, FeatureConfig, item_statistics
from shopsense.ranking.fusion import (
    SEQUENTIAL_GENERATOR,
    FusionConfig,
    FusionRetriever,
    hold_out_last,
)
from shopsense.ranking.registry import RECOMMENDERS, create
from shopsense.ranking.rerank import (
    BusinessRules,
    Exposure,
    ItemSimilarity,
    RerankConfig,
    Reranker,
    explore,
    mmr,
)
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.explanation import Explanation
from shopsense.testing import RetrieverConformance, conformance_dataset

#: Small and fast: no text encoder, a few boosting rounds on one thread.
FAST_RANKER = LambdaMARTConfig(
    min_data_in_leaf=2, max_rounds=30, early_stopping_rounds=10, threads=1
)
FAST_GENERATORS = [
    GeneratorSpec(model="cooccurrence"),
    GeneratorSpec(model="cooccurrence", alias="last", history_window=1),
    GeneratorSpec(model="popularity", depth=3),
]


def fast_fusion(**overrides: object) -> FusionRetriever:
    settings = {
        "generators": FAST_GENERATORS,
        "depth": 8,
        "features": FeatureConfig(text=False),
        "ranker": FAST_RANKER,
        **overrides,
    }
    return FusionRetriever(**settings)


class TestFusionConformance(RetrieverConformance):
    def make_retriever(self) -> Retriever:
        return fast_fusion()


def _chains(n_users: int = 120, seed: int = 0) -> Dataset:
    """Users walk item chains i -> i+1 -> i+2 in one of three blocks of ten items."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(n_users):
        block = 10 * (user % 3)
        start = int(rng.integers(0, 5))
        length = int(rng.integers(4, 7))
        rows += [(f"u{user}", f"i{block + (start + step) % 10}") for step in range(length)]
    return Dataset(
        items=pl.DataFrame(
            {
                "item_id": [f"i{i}" for i in range(30)],
                "title": [f"title {i}" for i in range(30)],
                "categories": [[f"block{i // 10}"] for i in range(30)],
                "price": [float(i) for i in range(30)],
            }
        ),
        interactions=pl.DataFrame(rows, schema=["user_id", "item_id"], orient="row"),
        name="chains",
        synthetic=True,
    )


@pytest.fixture(scope="module")
def chains() -> Dataset:
    return _chains()


@pytest.fixture(scope="module")
def fitted_fusion(chains: Dataset) -> FusionRetriever:
    split = leave_one_out(chains)
    return fast_fusion().fit(split.train, split.validation)


# ---- registry and config -------------------------------------------------------------------
def test_best_is_registered_as_the_fusion() -> None:
    assert RECOMMENDERS.retriever_class("best") is FusionRetriever
    assert isinstance(create("best"), FusionRetriever)


def test_id_only_preset_reads_no_text() -> None:
    fusion = create("best-id")
    assert isinstance(fusion, FusionRetriever)
    models = [spec.model for spec in fusion.config.generators]
    assert "content" not in models and "cooccurrence" in models
    assert not fusion.config.features.text and not fusion.config.features.catalogue
    specs = [
        GeneratorSpec(model="sasrec", config={"hidden": 16}),
        GeneratorSpec(model="content"),
        GeneratorSpec(model="popularity"),
    ]
    ablated = FusionRetriever(generators=specs, text=False).config
    assert [spec.model for spec in ablated.generators] == ["sasrec", "popularity"]
    assert ablated.generators[0].config == {"hidden": 16, "item_representation": "id"}
    # Idempotent: a saved ID-only config reloads to the same config.
    assert type(ablated)(**ablated.model_dump()) == ablated


def test_the_sequential_preset_adds_the_transformer_once() -> None:
    default = create("best").config
    assert all(spec.model != "sasrec" for spec in default.generators)
    with_sequence = create("best-seq").config
    assert with_sequence.generators == [*default.generators, SEQUENTIAL_GENERATOR]
    assert not SEQUENTIAL_GENERATOR.refit
    # Idempotent: a saved config reloads to the same config.
    assert type(with_sequence)(**with_sequence.model_dump()) == with_sequence


def test_a_refit_keeps_the_generators_that_are_not_refitted(chains: Dataset) -> None:
    specs = [
        GeneratorSpec(model="cooccurrence"),
        GeneratorSpec(model="popularity", depth=3, refit=False),
    ]
    split = leave_one_out(chains)
    fusion = fast_fusion(generators=specs)
    fusion._fit_components(split.train, split.validation)
    first = dict(fusion.generators)
    fusion._fit_components(split.train, None, refit=True)
    assert fusion.generators["popularity"] is first["popularity"]
    assert fusion.generators["cooccurrence"] is not first["cooccurrence"]


def test_aliases_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        FusionRetriever(generators=[GeneratorSpec(model="popularity")] * 2)


# ---- candidates ----------------------------------------------------------------------------
def test_candidates_are_the_union_of_top_lists_without_history(chains: Dataset) -> None:
    cooccurrence = create("cooccurrence").fit(chains)
    popularity = create("popularity").fit(chains)
    specs = [GeneratorSpec(model="cooccurrence", depth=3), GeneratorSpec(model="popularity")]
    users = [UserContext.of([0, 1]), UserContext.of([12])]
    dense = score_generators({"cooccurrence": cooccurrence, "popularity": popularity}, specs, users)
    candidates = generate_candidates(dense, specs, users, default_depth=2)
    for row, user in enumerate(users):
        items = set(candidates.items[candidates.rows == row].tolist())
        assert not items & set(user.history.tolist())
        for key, depth in (("cooccurrence", 3), ("popularity", 2)):
            ranked = dense[key][row].copy()
            ranked[user.history] = -np.inf
            ranked[dense[key][row] == 0] = -np.inf
            top = np.argsort(-ranked, kind="stable")[:depth]
            assert set(top[np.isfinite(ranked[top])].tolist()) <= items
    signals = candidates.signals["cooccurrence"]
    first = candidates.rows == 0
    # The generator's best item for the first user has rank 0 and relative score 1.
    best = candidates.items[first][np.argmin(signals.rank[first])]
    assert best == 2
    assert signals.relative[first][signals.rank[first] == 0] == pytest.approx(1.0)
    assert signals.proposed[first].sum() <= 3


def test_zero_scores_are_never_proposed(chains: Dataset) -> None:
    cooccurrence = create("cooccurrence").fit(chains)
    specs = [GeneratorSpec(model="cooccurrence", depth=30)]
    users = [UserContext.of([0])]
    dense = score_generators({"cooccurrence": cooccurrence}, specs, users)
    candidates = generate_candidates(dense, specs, users, default_depth=30)
    assert np.all(dense["cooccurrence"][0, candidates.items] != 0)
    assert len(candidates) == np.count_nonzero(dense["cooccurrence"][0]) - (
        dense["cooccurrence"][0, 0] != 0
    )


# ---- features ------------------------------------------------------------------------------
def test_item_statistics(chains: Dataset) -> None:
    table = item_statistics(chains)
    np.testing.assert_allclose(table[:, 0], np.log1p(chains.item_popularity))
    assert np.all((table[:, 2] >= 0) & (table[:, 2] <= 1))
    assert np.isnan(table[:, 3]).all()  # no timestamps: age unknown


def test_text_features_are_cosines(chains: Dataset) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((chains.n_items, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    popularity = create("popularity").fit(chains)
    specs = [GeneratorSpec(model="popularity", depth=5)]
    users = [UserContext.of([3, 4, 7])]
    candidates = generate_candidates(
        score_generators({"popularity": popularity}, specs, users), specs, users, 5
    )
    builder = FeatureBuilder(FeatureConfig(), ["popularity"], vectors).fit(chains)
    features = builder.build(candidates, users)
    assert features.shape == (len(candidates), len(builder.names))
    last = features[:, builder.names.index("text_last_0")]
    np.testing.assert_allclose(last, vectors[candidates.items] @ vectors[7], rtol=1e-5)
    before = features[:, builder.names.index("text_last_1")]
    np.testing.assert_allclose(before, vectors[candidates.items] @ vectors[4], rtol=1e-5)


# ---- the ranker ----------------------------------------------------------------------------
def _planted(n_queries: int, seed: int) -> RankingExamples:
    """Twenty items per query; the positive has a higher feature 2, the rest is noise."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n_queries * 20, 4)).astype(np.float32)
    labels = np.zeros(n_queries * 20, dtype=np.float32)
    positives = np.arange(n_queries) * 20 + rng.integers(0, 20, n_queries)
    labels[positives] = 1.0
    features[positives, 2] += 4.0
    return RankingExamples(features, labels, np.full(n_queries, 20))


def test_ranker_learns_a_planted_signal() -> None:
    names = ["noise_a", "noise_b", "planted", "noise_c"]
    ranker = LambdaMART(FAST_RANKER.model_copy(update={"max_rounds": 40})).fit(
        _planted(300, seed=0), names
    )
    assert next(iter(ranker.importance())) == "planted"
    test = _planted(100, seed=1)
    scores = ranker.predict(test.features).reshape(100, 20)
    labels = test.labels.reshape(100, 20)
    top_is_positive = labels[np.arange(100), scores.argmax(axis=1)] == 1
    assert top_is_positive.mean() > 0.8  # chance is 0.05
    again = LambdaMART.from_text(ranker.to_text())
    np.testing.assert_allclose(again.predict(test.features), ranker.predict(test.features))


def test_ranker_refuses_queries_without_positives() -> None:
    with pytest.raises(ValueError, match="no training query"):
        LambdaMART(FAST_RANKER).fit(
            RankingExamples(np.zeros((0, 2), np.float32), np.zeros(0), np.zeros(0, int)), ["a", "b"]
        )


# ---- the fusion ----------------------------------------------------------------------------
def test_fusion_predicts_the_chain(fitted_fusion: FusionRetriever, chains: Dataset) -> None:
    ids, _ = fitted_fusion.recommend(UserContext.of([11, 12, 13]), k=3, exclude=[11, 12, 13])
    assert ids[0] == 14


def test_fusion_candidates_rank_above_the_rest(fitted_fusion: FusionRetriever) -> None:
    user = UserContext.of([21, 22])
    scores = fitted_fusion.score([user])[0]
    candidates = fitted_fusion.candidates([user])
    others = np.setdiff1d(np.arange(fitted_fusion.n_items), candidates.items)
    assert scores[candidates.items].min() > scores[others].max()


def test_fusion_beats_its_fallback_on_held_out_cases(chains: Dataset) -> None:
    from shopsense.evaluation.runner import evaluate_retriever

    split = leave_one_out(chains)
    fusion = fast_fusion().fit(split.train, split.validation)
    popularity = create("popularity").fit(split.train)
    fused = evaluate_retriever(fusion, split.test)["recall@5"]
    assert fused > evaluate_retriever(popularity, split.test)["recall@5"]
    assert fused > 0.5


def test_production_training_holds_out_last_items(chains: Dataset) -> None:
    remaining, cases = hold_out_last(chains)
    assert len(cases) == chains.n_users
    assert remaining.interactions.height == chains.interactions.height - len(cases)
    for user, target in zip(cases.users, cases.targets, strict=True):
        assert target not in remaining.sequences[user]
        assert chains.sequences[user][-1] == target
    fusion = fast_fusion().fit(chains)
    assert fusion.generators["cooccurrence"].n_items == chains.n_items
    ids, _ = fusion.recommend(UserContext.of([3, 4]), k=2, exclude=[3, 4])
    assert 5 in ids.tolist()


def test_fusion_save_load_round_trip(fitted_fusion: FusionRetriever, tmp_path) -> None:
    loaded = Retriever.load(fitted_fusion.save(tmp_path / "best"))
    users = [UserContext.of([1, 2]), UserContext()]
    np.testing.assert_allclose(loaded.score(users), fitted_fusion.score(users))


# ---- explanations --------------------------------------------------------------------------
def test_explanations_name_a_history_item(fitted_fusion: FusionRetriever, chains: Dataset) -> None:
    user = UserContext.of([20, 21, 22])
    ids, _ = fitted_fusion.recommend(user, k=3, exclude=user.history)
    explanations = fitted_fusion.explain(user, ids)
    assert [e.item for e in explanations] == ids.tolist()
    first = explanations[0]
    assert first.basis == "history" and first.because in user.history.tolist()
    assert first.source == "cooccurrence"  # the model of the "cooccurrence" or "last" generator
    assert _worded(first, chains) == f"because you viewed “title {first.because}”"
    by_generator = {s.generator: s for s in first.signals}
    assert by_generator["cooccurrence"].proposed and by_generator["cooccurrence"].rank >= 1
    assert by_generator["cooccurrence"].score > 0


def test_explanation_without_history(fitted_fusion: FusionRetriever, chains: Dataset) -> None:
    ids, _ = fitted_fusion.recommend(UserContext(), k=2)
    explanation = fitted_fusion.explain(UserContext(), ids)[0]
    assert explanation.because is None and explanation.basis == "popular"
    assert _worded(explanation, chains) == "popular in the shop"


def test_reasons_are_worded_in_the_shops_language() -> None:
    def worded(explanation: Explanation, kind: str | None, language: str) -> str:
        return describe(explanation, lambda i: f"“item {i}”", lambda i: kind, language)

    bought = Explanation(7, "history", because=3, source="cooccurrence")
    similar = Explanation(7, "text", because=3)
    bridge = Explanation(7, "history", because=3, source="bridge")
    cases = [
        (bought, "purchase", "because you bought “item 3”", "因为您购买了“item 3”"),
        (bought, "view", "because you viewed “item 3”", "因为您浏览了“item 3”"),
        (bought, "cart", "because you added to your cart “item 3”", "因为您加购了“item 3”"),
        (similar, "view", "similar to “item 3”, which you viewed", "与您浏览过的“item 3”相似"),
        (
            bridge,
            "purchase",
            "new arrival, like items often bought with “item 3”, which you bought",
            "新品，与您购买过的“item 3”常被一起购买",
        ),
        (bought, None, "similar to “item 3”", "与“item 3”相似"),
        (Explanation(7, "words"), None, "matches the interests you described", "符合您描述的兴趣"),
        (Explanation(7, "activity"), None, "based on your recent activity", "根据您最近的浏览"),
        (Explanation(7, "popular"), None, "popular in the shop", "店内热销"),
    ]
    for explanation, kind, english, chinese in cases:
        assert worded(explanation, kind, "en") == english
        assert worded(explanation, kind, "zh") == chinese
        # English by default, and for a shop in a language without a wording.
        assert describe(explanation, lambda i: f"“item {i}”", lambda i, k=kind: k) == english
        assert worded(explanation, kind, "ja") == english


def test_the_cascade_words_reasons_in_the_catalogues_language(chains: Dataset) -> None:
    models = {
        "cooccurrence": create("cooccurrence").fit(chains),
        "popularity": create("popularity").fit(chains),
    }
    chinese = chains.items.with_columns(pl.Series("title", [f"商品{i}" for i in range(30)]))
    history = [UserEvent("i3", "purchase", float("nan"))]
    for items, language, expected in [
        (chains.items, None, "because you bought “title 3”"),
        (chinese, None, "因为您购买了“商品3”"),  # detected from the titles
        (chinese, "en", "because you bought “商品3”"),  # the shop's language, as given
        (chains.items, "zh", "因为您购买了“title 3”"),
    ]:
        recommender = Recommender(models, items, language=language)
        assert recommender.language == (language or ("zh" if items is chinese else "en"))
        picks = recommender.recommend(recommender.history(history), k=10)
        assert picks[0].reason == expected
        popular = [p.reason for p in picks if p.because is None]
        assert popular and set(popular) == {
            "店内热销" if recommender.language == "zh" else "popular in the shop"
        }


def _worded(explanation: Explanation, data: Dataset) -> str:
    """The reason a shopper reads, for history items viewed."""
    titles = data.items["title"].to_list()
    return describe(explanation, lambda i: f"“{titles[i]}”", lambda i: "view")


# ---- re-ranking ----------------------------------------------------------------------------
def test_mmr_increases_category_diversity() -> None:
    categories = [["a"]] * 6 + [["b"], ["c"], ["d"], ["e"]]
    items = np.arange(10)
    scores = np.linspace(1.0, 0.5, 10)  # every "a" item scores above the rest
    similarity = ItemSimilarity(categories=categories)
    plain = items[mmr(items, scores, 5, 0.0, similarity)]
    diverse = items[mmr(items, scores, 5, 0.7, similarity)]
    assert plain.tolist() == [0, 1, 2, 3, 4]
    assert len({categories[i][0] for i in diverse}) > len({categories[i][0] for i in plain})
    assert diverse[0] == 0  # the most relevant item still leads


def test_mmr_with_vectors_skips_near_duplicates() -> None:
    vectors = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    picks = mmr(np.arange(3), np.array([1.0, 0.99, 0.9]), 2, 0.5, ItemSimilarity(vectors))
    assert picks.tolist() == [0, 2]


def test_exploration_is_seeded_and_prefers_unseen_items() -> None:
    exposure = Exposure(shown=np.array([1000.0] * 10 + [0.0] * 10), clicked=np.full(20, 10.0))
    page = np.arange(5)
    first = explore(page, np.arange(20), exposure, 0.5, 1, np.random.default_rng(3))
    second = explore(page, np.arange(20), exposure, 0.5, 1, np.random.default_rng(3))
    np.testing.assert_array_equal(first, second)
    assert first[0] == 0  # the protected slot
    swapped = first[first != page]
    assert len(swapped) > 0 and np.all(swapped >= 10)
    unchanged = explore(page, np.arange(20), exposure, 0.0, 1, np.random.default_rng(3))
    np.testing.assert_array_equal(unchanged, page)


def test_reranker_applies_business_rules_and_is_reproducible(chains: Dataset) -> None:
    rules = BusinessRules(exclude_items=["i0"], max_price=20.0)
    config = RerankConfig(diversity=0.3, exploration=0.3, seed=5, rules=rules)
    pool, scores = np.arange(30), np.linspace(1, 0, 30)
    page, page_scores = Reranker(config, chains.items).rerank(pool, scores, k=6)
    again, _ = Reranker(config, chains.items).rerank(pool, scores, k=6)
    np.testing.assert_array_equal(page, again)
    assert 0 not in page.tolist() and page.max() <= 20
    assert len(set(page.tolist())) == 6
    np.testing.assert_allclose(page_scores, scores[page])


def test_stock_rule_reads_attributes() -> None:
    items = pl.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "attributes": ['{"in_stock": false}', '{"in_stock": true}', "{}"],
            "price": [None, 5.0, 50.0],
        }
    )
    from shopsense.data.schema import conform

    items = conform(items, "items")
    assert BusinessRules(in_stock_only=True).allowed(items).tolist() == [False, True, True]
    assert BusinessRules(max_price=10).allowed(items).tolist() == [True, True, False]
    broken = items.with_columns(pl.lit("{not json").alias("attributes"))
    with pytest.raises(DataError, match="attributes"):
        BusinessRules(in_stock_only=True).allowed(broken)


def _shop_window(chains: Dataset) -> tuple[Recommender, Recommender, pl.DataFrame]:
    """The chains shop with brands (five, six items each), item 6 out of stock and item 5
    titled like item 4; a cascade over it with the default re-ranking and one without any."""
    from shopsense.data.schema import conform

    items = chains.items.with_columns(
        pl.Series("brand", [f"brand{i % 5}" for i in range(30)]),
        pl.Series("title", ["title 4" if i == 5 else f"title {i}" for i in range(30)]),
        pl.Series("attributes", ['{"in_stock": false}' if i == 6 else "{}" for i in range(30)]),
    )
    items = conform(items, "items")
    models = {
        "cooccurrence": create("cooccurrence").fit(chains),
        "popularity": create("popularity").fit(chains),
    }
    plain = Recommender(models, items, rerank=RerankConfig(dedup_titles=False))
    return Recommender(models, items), plain, items


def test_cascade_default_rerank_only_drops_repeated_titles(chains: Dataset) -> None:
    default, plain, items = _shop_window(chains)
    titles = items["title"].to_list()
    for user in range(12):
        history = default.history(
            [UserEvent(f"i{i}", "view", float("nan")) for i in chains.sequences[user][:3]]
        )
        picks = [p.item for p in default.recommend(history, 8)]
        unfiltered = [p.item for p in plain.recommend(history, 8)]
        assert len(picks) == 8 and len({titles[i] for i in picks}) == 8
        assert not {titles[i] for i in picks} & {titles[i] for i in history.items.tolist()}
        if not {4, 5} & set(unfiltered) and not {4, 5} & set(history.items.tolist()):
            assert picks == unfiltered  # nothing to de-duplicate: the cascade's own list
    # An item titled like the one viewed is not recommended "because you viewed" it.
    viewed = default.history([UserEvent("i4", "view", float("nan"))])
    assert 5 in [p.item for p in plain.recommend(viewed, 10)]
    assert 5 not in [p.item for p in default.recommend(viewed, 10)]


def test_cascade_rerank_filters_caps_and_refills(chains: Dataset) -> None:
    _, plain, items = _shop_window(chains)
    config = RerankConfig(rules=BusinessRules(in_stock_only=True), max_per_brand=2)
    shop_window = Recommender(dict(plain.models), items, rerank=config)
    brands = items["brand"].to_list()
    for user in range(12):
        events = [UserEvent(f"i{i}", "view", float("nan")) for i in chains.sequences[user]]
        history = shop_window.history(events)
        picks = shop_window.recommend(history, 8)
        chosen = [p.item for p in picks]
        assert len(chosen) == 8 and 6 not in chosen
        assert max(chosen.count(i) for i in chosen) == 1
        assert max(sum(brands[i] == b for i in chosen) for b in set(brands)) <= 2
        assert all(p.reason for p in picks)
    similar = [p.item for p in shop_window.similar(3, 8)]
    assert 6 not in similar and 3 not in similar and len(similar) == 8


def test_conformance_data_is_used_by_the_fusion() -> None:
    data = conformance_dataset()
    fusion = fast_fusion().fit(data)
    assert fusion.ranker.booster is not None
    assert fusion.ranker.feature_names == fusion.features.names


def test_brand_and_category_features(chains: Dataset) -> None:
    popularity = create("popularity").fit(chains)
    specs = [GeneratorSpec(model="popularity", depth=30)]
    users = [UserContext.of([0, 1, 12])]
    candidates = generate_candidates(
        score_generators({"popularity": popularity}, specs, users), specs, users, 30
    )
    builder = FeatureBuilder(FeatureConfig(text=False), ["popularity"]).fit(chains)
    assert list(builder.item_groups) == ["category"]  # the chains catalogue has no brands
    features = builder.build(candidates, users)
    share = features[:, builder.names.index("category_share")]
    same = features[:, builder.names.index("category_same_as_last")]
    block = candidates.items // 10
    np.testing.assert_allclose(share, np.where(block == 0, 2 / 3, np.where(block == 1, 1 / 3, 0)))
    np.testing.assert_array_equal(same, (block == 1).astype(np.float32))
    without = FeatureBuilder(FeatureConfig(text=False, catalogue=False), ["popularity"]).fit(chains)
    assert not any(name.startswith("category") for name in without.names)


def test_refit_adds_warm_validation_targets_only(chains: Dataset) -> None:
    from shopsense.ranking.fusion import with_case_targets

    split = leave_one_out(chains, cold_item_fraction=0.2, seed=1)
    combined = with_case_targets(split.train, split.validation)
    warm = split.train.item_popularity > 0
    expected = int(warm[split.validation.targets].sum())
    assert combined.interactions.height == split.train.interactions.height + expected
    assert np.all(combined.item_popularity[split.cold_items] == 0)
    for user, target in zip(split.validation.users, split.validation.targets, strict=True):
        if warm[target]:
            assert combined.sequences[user][-1] == target


def test_reserved_slot_shows_a_new_item_from_its_text(encoder_config) -> None:
    # In the conformance data item 23, a shampoo, has no interactions; the bridge scores it
    # for shampoo buyers and the reserved first slot shows it to them.
    data = conformance_dataset()
    bridge = GeneratorSpec(model="bridge", config={"encoder": encoder_config, "neighbours": 3})
    generators = [*FAST_GENERATORS, bridge]
    shopper = UserContext.of([14, 15, 16])
    reserved = fast_fusion(generators=generators, new_item_slots=[1]).fit(data)
    assert reserved.recommend(shopper, k=1, exclude=shopper.history)[0].tolist() == [23]
    reason = _worded(reserved.explain(shopper, [23])[0], data)
    assert reason.startswith("new arrival, like items often bought with “shampoo number 1")
    plain = fast_fusion(generators=generators, new_item_slots=[]).fit(data)
    assert plain.recommend(shopper, k=1, exclude=shopper.history)[0].tolist() != [23]


def test_slots_9_and_10_are_reserved_for_new_items_by_default(encoder_config) -> None:
    assert FusionConfig().new_item_slots == [9, 10]
    data = conformance_dataset()
    bridge = GeneratorSpec(model="bridge", config={"encoder": encoder_config, "neighbours": 3})
    fused = fast_fusion(generators=[*FAST_GENERATORS, bridge], depth=20).fit(data)
    assert "new_item_slots" not in fused.config.model_fields_set  # the default is what runs
    column = fused.features.names.index("item_log_popularity")

    class ByPopularity:
        """A ranker that puts the new item (no interactions) below every other candidate."""

        def predict(self, features: np.ndarray) -> np.ndarray:
            return features[:, column]

    fused.ranker = ByPopularity()
    shopper = UserContext.of([14, 15, 16])
    ranked = fused.recommend(shopper, k=20, exclude=shopper.history)[0].tolist()
    assert ranked.index(23) == 8  # item 23, the bridge's new shampoo, lifted into slot 9
    fused.config = fused.config.model_copy(update={"new_item_slots": []})
    unreserved = fused.recommend(shopper, k=20, exclude=shopper.history)[0].tolist()
    assert unreserved.index(23) >= 10  # where the ranker alone puts it


# ---- shoppers who have seen (nearly) everything ---------------------------------------------
@pytest.mark.parametrize("left", [0, 1, 3])
def test_a_shopper_who_has_seen_nearly_every_item(
    fitted_fusion: FusionRetriever, chains: Dataset, left: int
) -> None:
    history = np.arange(chains.n_items - left)
    user = UserContext.of(history)
    ids, scores = fitted_fusion.recommend(user, k=10, exclude=history)
    assert sorted(ids.tolist()) == list(range(chains.n_items - left, chains.n_items))
    assert np.all(np.isfinite(scores))
    explanations = fitted_fusion.explain(user, ids)
    assert [e.item for e in explanations] == ids.tolist()


@pytest.mark.parametrize("left", [0, 2])
def test_the_served_cascade_gives_what_is_left(
    fitted_fusion: FusionRetriever, chains: Dataset, left: int
) -> None:
    popularity = create("popularity").fit(chains)
    recommender = Recommender({"best": fitted_fusion, "popularity": popularity}, chains.items)
    seen = chains.item_ids[: chains.n_items - left].tolist()
    events = [UserEvent(item, "view", float(t)) for t, item in enumerate(seen)]
    picks = recommender.recommend(recommender.history(events), k=10, user="greedy")
    assert sorted(p.item for p in picks) == list(range(chains.n_items - left, chains.n_items))
    assert all(p.reason for p in picks)


def test_an_empty_catalogue_is_refused_by_name() -> None:
    empty = Dataset(items=pl.DataFrame({"item_id": []}, schema={"item_id": pl.Utf8}), name="bare")
    for name in ("popularity", "best"):
        with pytest.raises(DataError, match="catalogue has no items") as caught:
            create(name).fit(empty)
        assert caught.value.field == "items"
