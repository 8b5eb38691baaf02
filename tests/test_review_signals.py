"""Review signals per product, and how search and recommendations use them: shrunk ratings and
positive shares, aspect scores and praised terms, review floors, "quiet espresso machine" on
the demo shop (English and Chinese), the ranker's review features and list filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopsense.data import DataError, Dataset
from shopsense.data.demo import generate_demo_shop, phrases, phrases_zh
from shopsense.data.splits import EvalCases
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.features import (
    REVIEW_FEATURES,
    FeatureBuilder,
    FeatureConfig,
    training_reviews,
)
from shopsense.ranking.fusion import hold_out_last
from shopsense.ranking.registry import create
from shopsense.retrieval import UserContext
from shopsense.reviews.analysis import ANALYZED
from shopsense.reviews.signals import ItemReviewSignals, ReviewFloor, SignalConfig
from shopsense.search import Filters, SearchConfig, Searcher

#: The term an aspect extractor reads off the demo shop's noise praise, per language.
QUIET = {"en": "quiet", "zh": "安静"}


def mention(term: str, aspect: str, sentiment: str, score: float = 0.9) -> dict[str, object]:
    return {
        "term": term,
        "aspect": aspect,
        "sentiment": sentiment,
        "score": score,
        "start": 0,
        "end": len(term),
    }


def analyzed(rows: list[tuple[str, float | None, float, list[dict[str, object]]]]) -> pl.DataFrame:
    """Analysed reviews from (item, rating, P(positive), aspects) rows."""
    return pl.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(len(rows))],
            "item_id": [row[0] for row in rows],
            "rating": [row[1] for row in rows],
            "positive": [row[2] for row in rows],
            "aspects": [row[3] for row in rows],
        },
        schema_overrides={"rating": pl.Float64, "aspects": ANALYZED["aspects"]},
    )


def demo_analyzed(shop: Dataset, language: str) -> pl.DataFrame:
    """The demo shop's reviews read the way an aspect extractor reads them: every praise or
    complaint sentence of `phrases` is a mention of its aspect (noise praise as "quiet")."""
    aspects = (phrases if language == "en" else phrases_zh).ASPECTS

    def read(text: str) -> list[dict[str, object]]:
        found = []
        for aspect, (praise, complaints) in aspects.items():
            term = QUIET[language] if aspect == "noise" else aspect
            for sentiment, said in (("positive", praise), ("negative", complaints)):
                if any(sentence in text for sentence in said):
                    found.append(mention(term, aspect, sentiment))
        return found

    return shop.reviews.with_columns(
        positive=(pl.col("rating") >= 4).cast(pl.Float64),
        aspects=pl.Series([read(text) for text in shop.reviews["text"]]),
    )


# ---- the signals ----------------------------------------------------------------------------
def test_counts_means_and_shrinkage() -> None:
    rows = [("one", 5.0, 0.95, [])] + [("many", 4.8, 0.9, [])] * 200 + [("mixed", 2.0, 0.1, [])]
    rows += [("mixed", 4.0, 0.8, []), ("not sold", 1.0, 0.0, [])] + [("other", 3.0, 0.5, [])] * 100
    items = ["one", "many", "mixed", "none", "other"]
    signals = ItemReviewSignals.from_analyzed(analyzed(rows), items)
    assert signals.reviews.tolist() == [1, 200, 2, 0, 100]
    assert signals.mean_rating[:3] == pytest.approx([5.0, 4.8, 3.0])
    assert np.isnan(signals.mean_rating[3]) and np.isnan(signals.positive_share[3])
    assert signals.positive_share[2] == pytest.approx(0.45)
    # One 5-star review does not outrank two hundred at 4.8; the unreviewed get the shop mean.
    assert signals.shrunk_rating[1] > signals.shrunk_rating[0] > signals.shop_rating
    assert signals.shrunk_rating[3] == pytest.approx(signals.shop_rating)
    assert signals.shrunk_positive[1] > signals.shrunk_positive[0]
    looser = ItemReviewSignals.from_analyzed(
        analyzed(rows), ["one", "many"], SignalConfig(prior_reviews=0.01)
    )
    assert looser.shrunk_rating[0] > looser.shrunk_rating[1]


def test_aspect_scores_and_praised_terms() -> None:
    rows = [
        ("grinder", 5.0, 0.9, [mention("quiet", "noise", "positive")]),
        ("grinder", 4.0, 0.8, [mention("Quiet", "noise", "positive", 0.7)]),
        ("grinder", 2.0, 0.2, [mention("burrs", "durability", "negative")]),
        ("grinder", 4.0, 0.6, [mention("sturdy", "durability", "positive", 0.5)]),
        ("mixer", 1.0, 0.1, [mention("loud", "noise", "negative")]),
        ("mixer", 5.0, 0.9, [mention("quiet", "noise", "positive", 0.6)]),
    ]
    signals = ItemReviewSignals.from_analyzed(analyzed(rows), ["grinder", "mixer"])
    assert signals.aspects == ["durability", "noise"]
    grinder = signals.aspect_scores_of("grinder")
    assert grinder["noise"] == pytest.approx(0.8)
    assert grinder["durability"] == pytest.approx((-0.9 + 0.5) / 2)
    assert signals.aspect_scores_of("mixer") == {"noise": pytest.approx((-0.9 + 0.6) / 2)}
    # Praised: terms of aspects praised more than criticised, lower-cased, most praised first.
    assert signals.praised == [["quiet"], []]


def test_from_ratings_reads_stars_alone() -> None:
    reviews = pl.DataFrame(
        {"item_id": ["a", "a", "a", "b", "b"], "rating": [5.0, 4.0, 2.0, None, 3.0]}
    )
    signals = ItemReviewSignals.from_ratings(reviews, ["a", "b", "c"])
    assert signals.reviews.tolist() == [3, 2, 0]
    assert signals.rated.tolist() == [3, 1, 0]
    assert signals.mean_rating[:2] == pytest.approx([11 / 3, 3.0])
    assert signals.positive_share[:2] == pytest.approx([2 / 3, 0.0])
    assert signals.aspects == [] and signals.praised == [[], [], []]


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        (pl.DataFrame({"item_id": ["a"], "rating": [4.0], "aspects": [[]]}), "positive"),
        (analyzed([("a", 6.0, 0.5, [])]), "rating"),
        (analyzed([("a", 4.0, 1.5, [])]), "positive"),
    ],
)
def test_bad_reviews_name_the_field(frame: pl.DataFrame, field: str) -> None:
    with pytest.raises(DataError) as error:
        ItemReviewSignals.from_analyzed(frame, ["a"])
    assert error.value.field == field


def test_duplicate_item_ids_are_refused() -> None:
    with pytest.raises(DataError, match="distinct"):
        ItemReviewSignals.empty(["a", "a"])


def test_save_load_and_align(tmp_path: Path) -> None:
    rows = [
        ("a", 5.0, 0.9, [mention("quiet", "noise", "positive")]),
        ("b", 2.0, 0.2, [mention("loud", "noise", "negative")]),
    ]
    signals = ItemReviewSignals.from_analyzed(analyzed(rows), ["a", "b", "c"])
    loaded = ItemReviewSignals.load(signals.save(tmp_path / "signals"))
    for name in ("reviews", "mean_rating", "shrunk_rating", "aspect_scores", "aspect_rows"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(signals, name))
    assert loaded.praised == signals.praised and loaded.aspects == signals.aspects
    assert loaded.shop_rating == signals.shop_rating
    assert not list(tmp_path.rglob("*.pkl"))
    moved = signals.aligned(["c", "b", "new"])
    assert moved.reviews.tolist() == [0, 1, 0]
    assert moved.aspect_scores_of("b") == {"noise": pytest.approx(-0.9)}
    assert moved.shrunk_rating[2] == pytest.approx(signals.shop_rating)
    assert moved.praised == [[], [], []]
    assert signals.aligned(["a", "b", "c"]) is signals
    empty = ItemReviewSignals.load(ItemReviewSignals.empty(["x"]).save(tmp_path / "empty"))
    assert np.isnan(empty.shop_rating) and not empty.has_reviews


def test_floors_keep_unreviewed_products_unless_reviews_are_required() -> None:
    rows = [("good", 5.0, 0.9, []), ("poor", 2.0, 0.2, []), ("unrated", None, 0.8, [])]
    signals = ItemReviewSignals.from_analyzed(analyzed(rows), ["good", "poor", "unrated", "new"])
    assert signals.passes(None).all()
    assert signals.passes(ReviewFloor(min_rating=4)).tolist() == [True, False, True, True]
    assert signals.passes(ReviewFloor(min_positive=0.5)).tolist() == [True, False, True, True]
    required = ReviewFloor(min_rating=4, require_reviews=True)
    assert signals.passes(required).tolist() == [True, False, False, False]
    assert signals.passes(ReviewFloor(require_reviews=True)).tolist() == [True, True, True, False]
    with pytest.raises(ValueError, match="min_rating"):
        ReviewFloor(min_rating=6)


# ---- search -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoSearch:
    """A searcher over one department of the demo shop, with review signals."""

    searcher: Searcher
    signals: ItemReviewSignals
    language: str
    query: str
    kind: str
    """What the query asks for, as product titles say it."""


@pytest.fixture(scope="module", params=["en", "zh"])
def demo_search(request: pytest.FixtureRequest) -> DemoSearch:
    """The demo shop's coffee and tea department, searched for a quiet machine (the default
    encoder, as `shopsense search` builds it: its exported models are cached once per user)."""
    language = request.param
    query, kind = {
        "en": ("quiet espresso machine", "Espresso Machine"),
        "zh": ("安静的磨豆机", "磨豆机"),
    }[language]
    shop = generate_demo_shop(language=language)
    department = shop.items.filter(pl.col("title").str.contains(kind))["categories"][0][0]
    items = shop.items.filter(pl.col("categories").list.first() == department)
    signals = ItemReviewSignals.from_analyzed(
        demo_analyzed(shop, language), items["item_id"].to_list()
    )
    config = SearchConfig(fusion="rrf")
    searcher = Searcher.build(Dataset(items=items), config=config, reviews=signals)
    return DemoSearch(searcher, signals, language, query, kind)


def _ranks(searcher: Searcher, query: str, review_weight: float) -> dict[str, int]:
    weighted = Searcher(
        searcher.index, searcher.config.model_copy(update={"review_weight": review_weight})
    )
    weighted.reviews = searcher.reviews
    hits = weighted.search(query, k=100).hits
    return {hit.item_id: rank for rank, hit in enumerate(hits)}


def test_praised_quiet_lifts_a_product_above_its_unpraised_kind(demo_search: DemoSearch) -> None:
    searcher, signals, query = demo_search.searcher, demo_search.signals, demo_search.query
    quiet = QUIET[demo_search.language]
    titles = {p.item_id: p.title for p in searcher.index.products if p is not None}
    praised = {
        item
        for item, terms in zip(signals.item_ids, signals.praised, strict=True)
        if quiet in terms
    }
    # Products whose title already says it are matched by their text, reviews or not.
    plain = {
        item
        for item, title in titles.items()
        if demo_search.kind in title
        and not any(word in title.lower() for word in ("quiet", "静音"))
    }
    lifted = praised & plain
    assert lifted, "the demo shop has a product of the kind praised for being quiet"
    without = _ranks(searcher, query, review_weight=0.0)
    ranks = _ranks(searcher, query, review_weight=SearchConfig().review_weight)
    unpraised = [ranks[other] for other in plain - praised if other in ranks]
    for item in lifted:
        assert ranks[item] < without[item]
        assert ranks[item] < 5
        assert ranks[item] < np.median(unpraised)
    hit = searcher.search(query, k=100).hits[min(ranks[item] for item in lifted)]
    assert hit.signals.praised_in_reviews == [quiet]
    assert "reviews" in hit.signals.sources()
    assert quiet in hit.signals.reason(demo_search.language)
    assert hit.signals.reviews and hit.signals.rating is not None


def test_search_filters_by_rating_and_positive_share(demo_search: DemoSearch) -> None:
    searcher, signals, query = demo_search.searcher, demo_search.signals, demo_search.query
    floors = [
        Filters(min_rating=4.5),
        Filters(min_positive=0.9, require_reviews=True),
        Filters(min_rating=5, min_positive=1),
    ]
    for filters in floors:
        hits = searcher.search(query, k=100, filters=filters).hits
        assert hits
        floor = filters.review_floor()
        for hit in hits:
            row = signals.item_ids.index(hit.item_id)
            if filters.require_reviews:
                assert signals.reviews[row] > 0
            if floor.min_rating is not None and signals.rated[row]:
                assert signals.mean_rating[row] >= floor.min_rating
            if floor.min_positive is not None and signals.reviews[row]:
                assert signals.positive_share[row] >= floor.min_positive
    reviewed = searcher.search(query, k=100, filters=Filters(require_reviews=True)).hits
    assert reviewed and all(hit.signals.reviews for hit in reviewed)


def test_a_saved_searcher_keeps_its_review_signals(demo_search: DemoSearch, tmp_path: Path) -> None:
    searcher, signals, query = demo_search.searcher, demo_search.signals, demo_search.query
    loaded = Searcher.load(searcher.save(tmp_path / "searcher"))
    assert loaded.reviews is not None
    assert loaded.reviews.signals.praised == signals.praised
    first = searcher.search(query, k=10, filters=Filters(min_rating=4))
    again = loaded.search(query, k=10, filters=Filters(min_rating=4))
    assert [h.item_id for h in again.hits] == [h.item_id for h in first.hits]


def test_a_searcher_without_reviews_keeps_every_product_unless_reviews_are_required(
    demo_search: DemoSearch,
) -> None:
    searcher, query = demo_search.searcher, demo_search.query
    bare = Searcher(searcher.index, searcher.config)
    assert bare.reviews is None
    assert bare.search(query, k=5, filters=Filters(min_rating=5)).hits
    assert not bare.search(query, k=5, filters=Filters(require_reviews=True)).hits


# ---- ranking ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_shop() -> Dataset:
    return generate_demo_shop(n_items=300, n_users=150)


def test_review_features_come_only_with_reviews(small_shop: Dataset) -> None:
    config = FeatureConfig(text=False)
    with_reviews = FeatureBuilder(config, ["popularity"]).fit(small_shop)
    assert with_reviews.names[-len(REVIEW_FEATURES) :] == list(REVIEW_FEATURES)
    table = with_reviews.review_table
    assert table is not None and table.shape == (small_shop.n_items, len(REVIEW_FEATURES))
    # A shop without reviews (Amazon Beauty) gets the features it always had.
    bare = replace(small_shop, reviews=small_shop.reviews.clear())
    plain = FeatureBuilder(config, ["popularity"]).fit(bare)
    assert plain.review_table is None
    assert plain.names == with_reviews.names[: -len(REVIEW_FEATURES)]
    off = FeatureBuilder(config.model_copy(update={"reviews": False}), ["popularity"])
    assert off.fit(small_shop).review_table is None
    restored = FeatureBuilder(config, ["popularity"]).restore(with_reviews.state())
    assert restored.names == with_reviews.names
    older = {k: v for k, v in with_reviews.state().items() if k != "review_table"}
    assert FeatureBuilder(config, ["popularity"]).restore(older).names == plain.names


def test_held_out_events_leave_their_reviews_out(small_shop: Dataset) -> None:
    inner, cases = hold_out_last(small_shop)
    user, item = small_shop.user_ids[cases.users[0]], small_shop.item_ids[cases.targets[0]]
    written = {"rating": [5.0, 4.0], "text": ["Great.", "Good."]}
    extra = pl.DataFrame({"user_id": [user, "nobody"], "item_id": [item, item], **written})
    reviews = pl.concat([small_shop.reviews, extra], how="diagonal_relaxed")
    kept = training_reviews(reviews, inner)
    pairs = set(kept.select("user_id", "item_id").rows())
    # The held-out target's review would give the answer away; a stranger's cannot.
    assert (user, item) not in pairs and ("nobody", item) in pairs
    assert kept.height == reviews.height - 1 - _held_reviews(small_shop, cases)


def _held_reviews(shop: Dataset, cases: EvalCases) -> int:
    """Reviews of the shop written about held-out (user, target) pairs."""
    held = pl.DataFrame(
        {
            "user_id": shop.user_ids[cases.users].tolist(),
            "item_id": shop.item_ids[cases.targets].tolist(),
        }
    )
    return shop.reviews.join(held, on=["user_id", "item_id"], how="semi").height


def test_fusion_reads_analysed_reviews(small_shop: Dataset) -> None:
    fusion = create(
        "best",
        generators=[{"model": "cooccurrence"}, {"model": "popularity"}],
        features={"text": False},
        ranker={"max_rounds": 10, "threads": 1},
        text=False,
    )
    fusion.use_reviews(demo_analyzed(small_shop, "en")).fit(small_shop)
    assert fusion.features.names[-len(REVIEW_FEATURES) :] == list(REVIEW_FEATURES)
    ids, _ = fusion.recommend(UserContext.of(small_shop.sequences[0][:3].tolist()), k=5)
    assert len(ids) == 5


def test_lists_never_return_an_item_below_the_floor(small_shop: Dataset) -> None:
    models = {"popularity": create("popularity").fit(small_shop)}
    recommender = Recommender(models, small_shop.items)
    signals = ItemReviewSignals.from_ratings(small_shop.reviews, small_shop.item_ids.tolist())
    floor = ReviewFloor(min_rating=4, require_reviews=True)
    allowed = signals.passes(floor)
    k = 60
    assert 0 < allowed.sum() < k
    picks = recommender.recommend(recommender.history([]), k=k, allowed=allowed)
    assert len(picks) == allowed.sum()
    assert all(allowed[pick.item] for pick in picks)
    assert all(signals.mean_rating[pick.item] >= 4 for pick in picks)
    # The anonymous list cached for everyone is the unfiltered one.
    plain = recommender.recommend(recommender.history([]), k=k)
    assert len(plain) == k and not all(allowed[pick.item] for pick in plain)
    with pytest.raises(ValueError, match="allowed"):
        recommender.recommend(recommender.history([]), k=5, allowed=allowed[:-1])
