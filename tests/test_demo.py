"""The demo shop: deterministic, labelled synthetic, big enough, coherent, and learnable."""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest
from scipy import sparse
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

import shopsense.data.demo as demo
from shopsense.data import Dataset
from shopsense.data.demo import (
    DEMO_NAME,
    DemoShopConfig,
    generate_demo_shop,
    judged_demo_shop,
    phrases_zh,
    vocabulary_zh,
)
from shopsense.data.demo.phrases import negative_phrases, positive_phrases
from shopsense.data.demo.vocabulary import CATEGORIES, product_types
from shopsense.data.language import has_han
from shopsense.data.shoppers import UserEvent
from shopsense.data.splits import leave_one_out
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.registry import create
from shopsense.ranking.rerank import RerankConfig, normalise_title

TYPE_OF_LEAF = {t.leaf: t for t in product_types().values()}
BRANDS_OF_CATEGORY = {c.name: set(c.brands) for c in CATEGORIES}


@pytest.fixture(scope="module")
def shop() -> Dataset:
    """The default shop."""
    return generate_demo_shop()


@pytest.fixture(scope="module")
def zh_shop() -> Dataset:
    """The Chinese shop of the same seed and size."""
    return generate_demo_shop(language="zh")


def _item_types(shop: Dataset) -> list:
    return [TYPE_OF_LEAF[path[-1]] for path in shop.items["categories"].to_list()]


def test_same_seed_same_shop_other_seed_other_shop() -> None:
    first = generate_demo_shop(seed=7, n_items=300, n_users=60)
    again = generate_demo_shop(seed=7, n_items=300, n_users=60)
    other = generate_demo_shop(seed=8, n_items=300, n_users=60)
    assert first.fingerprint == again.fingerprint != other.fingerprint
    for table in ("items", "interactions", "reviews", "queries"):
        assert getattr(first, table).equals(getattr(again, table))


def test_labelled_synthetic_everywhere(shop: Dataset) -> None:
    assert shop.synthetic is True
    assert shop.name == DEMO_NAME == "demo-shop (synthetic)"
    assert "synthetic" in shop.source and "seed=0" in shop.source
    assert "PROVENANCE" in demo.__doc__ and "SYNTHETIC" in demo.__doc__


def test_sizes_and_coverage(shop: Dataset) -> None:
    assert shop.n_items >= 2000 and shop.n_users >= 1000
    assert shop.items["categories"].list.get(1).n_unique() >= 8
    assert min(len(s) for s in shop.sequences) >= 5
    kinds = shop.interactions["kind"].value_counts()
    count = dict(zip(kinds["kind"], kinds["count"], strict=True))
    visits = count["view"] + count["click"]
    # Funnel: a few in a hundred product visits end in the cart, fewer in a purchase.
    assert 0.04 < count["cart"] / visits < 0.2
    assert 0.2 < count["purchase"] / count["cart"] < 0.8
    popularity = np.sort(shop.item_popularity)[::-1]
    assert popularity[: shop.n_items // 5].sum() > 0.5 * popularity.sum()  # Zipf-like skew


def test_items_are_composed_consistently(shop: Dataset) -> None:
    items = shop.items
    assert items["item_id"].n_unique() == items.height
    assert ((items["price"] * 100).round() % 100 == 99).all() and (items["price"] > 0).all()
    for row, kind in zip(items.iter_rows(named=True), _item_types(shop), strict=True):
        department, category, leaf = row["categories"]
        assert row["brand"] in BRANDS_OF_CATEGORY[category]
        assert row["title"].startswith(row["brand"]) and kind.noun in row["title"]
        attributes = json.loads(row["attributes"])
        features = attributes.pop("features").split(", ")
        assert features[0] in row["title"].lower()
        sentences = row["description"].replace(row["brand"], "BRAND").count(". ") + 1
        assert 1 <= sentences <= 3
        description = row["description"].lower()
        for key, value in attributes.items():
            assert value.lower() in description, (row["item_id"], key, value)
            if key in ("colour", "size"):
                assert value.lower() in row["title"].lower(), (row["item_id"], key, value)


def test_cold_items_have_no_events_and_no_event_precedes_its_listing(shop: Dataset) -> None:
    last_event = shop.interactions["timestamp"].max()
    listed_later = shop.items.filter(pl.col("created_at") > last_event)["item_id"]
    assert len(listed_later) >= 0.02 * shop.n_items
    assert not shop.interactions["item_id"].is_in(listed_later.implode()).any()
    joined = shop.interactions.join(shop.items.select("item_id", "created_at"), on="item_id")
    assert (joined["timestamp"] >= joined["created_at"]).all()


def test_leave_one_out_targets_are_new_to_the_user(shop: Dataset) -> None:
    gaps = shop.events.group_by("user").agg(pl.col("timestamp").diff().min().alias("gap"))
    assert (gaps["gap"].dt.total_microseconds() > 0).all()  # strictly chronological
    split = leave_one_out(shop)
    for history, target in zip(split.test.histories, split.test.targets, strict=True):
        assert target not in history


def test_next_kinds_follow_complements_more_than_the_reverse(shop: Dataset) -> None:
    kinds = _item_types(shop)
    forward = backward = 0
    for sequence in shop.sequences:
        distinct = sequence[np.r_[True, sequence[1:] != sequence[:-1]]]
        for before, after in zip(distinct[:-1], distinct[1:], strict=True):
            forward += kinds[after].key in kinds[before].complements
            backward += kinds[before].key in kinds[after].complements
    assert forward > 1.3 * backward


def test_review_sentiment_agrees_with_rating(shop: Dataset) -> None:
    reviews = shop.reviews
    assert reviews.height >= 300 and set(reviews["rating"].unique()) == {1, 2, 3, 4, 5}
    assert reviews["rating"].mode().item() == 5  # J-shaped, as in real shops

    def mean_rating_with(phrases: frozenset[str]) -> float:
        pattern = "|".join(re.escape(p) for p in phrases)
        return reviews.filter(pl.col("text").str.contains(pattern))["rating"].mean()

    assert mean_rating_with(negative_phrases()) < 2.5
    assert mean_rating_with(positive_phrases()) > 4.0
    # An independent judge: VADER's lexicon sentiment follows the stars.
    vader = SentimentIntensityAnalyzer()
    sentiment = np.array([vader.polarity_scores(t)["compound"] for t in reviews["text"]])
    ratings = reviews["rating"].to_numpy()
    assert sentiment[ratings <= 2].mean() < 0.0 < 0.5 < sentiment[ratings >= 4].mean()


def test_query_clicks_match_the_query(shop: Dataset) -> None:
    assert shop.queries.height >= 500
    items = shop.items.with_columns(
        pl.col("categories").list.last().alias("leaf"),
        pl.col("attributes").str.json_path_match("$.colour").alias("colour"),
    )
    leaf, price, colour = (
        dict(zip(items["item_id"], items[column], strict=True))
        for column in ("leaf", "price", "colour")
    )
    for query in shop.queries.iter_rows(named=True):
        text = query["text"]
        assert query["clicked"], text
        ceiling = re.search(r"under \$(\d+)", text)
        for item in query["clicked"]:
            kind = TYPE_OF_LEAF[leaf[item]]
            assert any(name in text for name in kind.searches), (text, item)
            if ceiling:
                assert price[item] < int(ceiling.group(1)), (text, item)
            if text.startswith("cheap "):
                assert price[item] < kind.price, (text, item)
            first, _, rest = text.partition(" ")
            if rest in kind.searches and first in kind.options.get("colour", ()):
                assert colour[item] == first, (text, item)  # "red lipstick"
    # Every click of a query is a click event of the same user in the log.
    clicks = shop.queries.explode("clicked").select("user_id", item_id="clicked")
    events = shop.interactions.filter(pl.col("kind") == "click").select("user_id", "item_id")
    assert clicks.join(events, on=["user_id", "item_id"], how="anti").height == 0


@pytest.mark.parametrize("language", ["en", "zh"])
def test_co_occurrence_beats_random_and_popularity_on_leave_one_out(
    language: str, request: pytest.FixtureRequest
) -> None:
    shop: Dataset = request.getfixturevalue("shop" if language == "en" else "zh_shop")
    split = leave_one_out(shop)
    train = split.train.user_item_matrix()
    co_occurrence = (train.T @ train).toarray()
    np.fill_diagonal(co_occurrence, 0.0)
    popularity = np.asarray(train.sum(axis=0)).ravel()
    cases = split.test
    rows = np.repeat(np.arange(len(cases)), [len(h) for h in cases.histories])
    seen = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.concatenate(cases.histories))),
        shape=(len(cases), shop.n_items),
    )
    seen.data[:] = 1.0

    def hit_rate(scores: np.ndarray) -> float:
        scores = np.where(seen.toarray() > 0, -np.inf, scores)
        top = np.argpartition(-scores, 10, axis=1)[:, :10]
        return float((top == cases.targets[:, None]).any(axis=1).mean())

    random_hit_rate = float(np.mean(10.0 / (shop.n_items - np.asarray(seen.sum(axis=1)))))
    co_occurrence_hit_rate = hit_rate(seen @ co_occurrence + 1e-6 * popularity)
    popularity_hit_rate = hit_rate(np.broadcast_to(popularity, seen.shape).astype(float))
    assert co_occurrence_hit_rate > 10 * random_hit_rate
    assert co_occurrence_hit_rate > 2 * popularity_hit_rate


def test_config_and_size_are_checked() -> None:
    with pytest.raises(ValueError, match="at least 73 items"):
        generate_demo_shop(n_items=50, n_users=10)
    with pytest.raises(ValueError, match="compare_probability"):
        DemoShopConfig(compare_probability=0.8, complement_probability=0.5)
    with pytest.raises(ValueError):
        DemoShopConfig(unknown=1)


def test_same_titled_products_are_never_recommended_for_each_other(shop: Dataset) -> None:
    """The shop lists one product under several ids (a variant, another seller): the cascade
    de-duplicates titles, so nobody is shown an item "because you viewed" its own title."""
    titles = [normalise_title(title) for title in shop.items["title"].to_list()]
    assert len(set(titles)) < len(titles)  # the case the newcomer met
    models = {"cooccurrence": create("cooccurrence").fit(shop)}
    served = Recommender(models, shop.items)
    plain = Recommender(models, shop.items, rerank=RerankConfig(dedup_titles=False))
    echoed = 0
    for user in range(60):
        events = [
            UserEvent(str(shop.item_ids[i]), "view", float("nan")) for i in shop.sequences[user]
        ]
        history = served.history(events)
        viewed = {titles[i] for i in history.items.tolist()}
        echoed += any(
            pick.because is not None and titles[pick.because] == titles[pick.item]
            for pick in plain.recommend(history, 10)
        )
        picks = served.recommend(history, 10)
        shown = [titles[pick.item] for pick in picks]
        assert len(shown) == len(set(shown)) == 10
        assert not set(shown) & viewed
        assert all(
            pick.because is None or titles[pick.because] != titles[pick.item] for pick in picks
        )
    assert echoed > 0  # without de-duplication the echo does happen


# ---- the Chinese shop ------------------------------------------------------------------------
ZH_TYPE_OF_LEAF = {t.leaf: t for t in vocabulary_zh.product_types().values()}
ZH_BRANDS_OF_CATEGORY = {c.name: set(c.brands) for c in vocabulary_zh.CATEGORIES}
#: Budgets as Chinese shoppers type them: "200元以下", "200以内", "200元以内的…".
ZH_BUDGET = re.compile(r"(\d+)元?(?:以下|以内)")


def test_the_english_shop_is_what_it_was_before_it_had_a_chinese_twin() -> None:
    # Written before the languages were split apart; a shop of a seed never changes.
    shop = generate_demo_shop(seed=7, n_items=300, n_users=60)
    assert shop.language == "en" and "language=" not in shop.source
    assert shop.items["title"].head(3).to_list() == [
        "Roastery Row Espresso-Grind Ground Coffee, Dark Roast, 250 g",
        "Wildmark Hydration-Compatible Hiking Backpack, Red, 65 L",
        "Ridgecraft Men's Waterproof Hiking Boot, Green, Size 11",
    ]
    assert shop.items["attributes"][1] == (
        '{"colour": "red", "size": "65 L", "material": "ripstop nylon", '
        '"features": "hydration-compatible"}'
    )
    assert shop.queries["text"].head(3).to_list() == [
        "black spatula set",
        "portable speaker",
        "laptop case",
    ]
    assert shop.reviews["text"][1] == "Returned it straight away. Tastes stale and sour."


def test_chinese_shop_is_deterministic_labelled_and_chinese(zh_shop: Dataset) -> None:
    first = generate_demo_shop(seed=7, n_items=300, n_users=60, language="zh")
    again = generate_demo_shop(seed=7, n_items=300, n_users=60, language="zh")
    english = generate_demo_shop(seed=7, n_items=300, n_users=60)
    assert first.fingerprint == again.fingerprint != english.fingerprint
    assert zh_shop.synthetic is True and zh_shop.name == DEMO_NAME
    assert "synthetic" in zh_shop.source and "language=zh" in zh_shop.source
    assert "seed=0" in zh_shop.source
    assert zh_shop.language == "zh" and zh_shop.languages == {"zh": 1.0}
    assert zh_shop.n_items >= 2000 and zh_shop.n_users >= 1000
    assert zh_shop.items["categories"].list.get(1).n_unique() == 10
    texts = [
        *zh_shop.items["title"],
        *zh_shop.items["description"],
        *zh_shop.items["categories"].list.join(" "),
        *zh_shop.reviews["text"],
        *zh_shop.queries["text"],
    ]
    assert all(has_han(text) for text in texts)
    with pytest.raises(ValueError, match="not 'fr'"):
        generate_demo_shop(n_items=100, n_users=10, language="fr")


def test_chinese_items_are_composed_consistently(zh_shop: Dataset) -> None:
    items = zh_shop.items
    # Yuan, ending in 9 as Chinese shelf prices do (or .9 under ten yuan).
    cents = (items["price"] * 10).round().cast(pl.Int64)
    assert ((cents % 100 == 90) | ((items["price"] < 10) & (cents % 10 == 9))).all()
    for row in items.iter_rows(named=True):
        department, category, leaf = row["categories"]
        kind = ZH_TYPE_OF_LEAF[leaf]
        assert row["brand"] in ZH_BRANDS_OF_CATEGORY[category]
        assert row["title"].startswith(row["brand"] + " ") and kind.noun in row["title"]
        attributes = json.loads(row["attributes"])
        features = attributes.pop("卖点").split("、")
        assert features[0] in row["title"].lower()
        assert row["description"].startswith("这款") and row["description"].endswith("。")
        for key, value in attributes.items():
            assert value in row["description"], (row["item_id"], key, value)
            if key in ("颜色", "尺码"):
                assert value in row["title"], (row["item_id"], key, value)


def test_chinese_review_sentiment_agrees_with_rating(zh_shop: Dataset) -> None:
    reviews = zh_shop.reviews
    assert reviews.height >= 300 and set(reviews["rating"].unique()) == {1, 2, 3, 4, 5}
    assert reviews["rating"].mode().item() == 5
    # The generator's own polarity: every sentence is praise, a complaint or neutral.
    positive, negative = phrases_zh.positive_phrases(), phrases_zh.negative_phrases()
    assert not positive & negative
    polarity = []
    for text, rating in zip(reviews["text"], reviews["rating"], strict=True):
        sentences = re.findall(r"[^。！]+[。！]", text)
        assert "".join(sentences) == text
        praise = sum(s in positive for s in sentences)
        complaints = sum(s in negative for s in sentences)
        if rating >= 4:
            assert praise >= 1 and complaints == 0, text
        elif rating <= 2:
            assert complaints >= 1 and praise == 0, text
        else:
            assert praise == complaints == 1, text
        polarity.append(praise - complaints)
    polarity = np.array(polarity)
    assert np.corrcoef(polarity, reviews["rating"].to_numpy())[0, 1] > 0.8


def test_chinese_query_clicks_match_the_query(zh_shop: Dataset) -> None:
    assert zh_shop.queries.height >= 500
    items = zh_shop.items.with_columns(
        pl.col("categories").list.last().alias("leaf"),
        pl.col("attributes").str.json_path_match("$.颜色").alias("colour"),
    )
    leaf, price, colour, brand = (
        dict(zip(items["item_id"], items[column], strict=True))
        for column in ("leaf", "price", "colour", "brand")
    )
    shapes = {"budget": 0, "cheap": 0, "colour": 0, "brand": 0}
    for query in zh_shop.queries.iter_rows(named=True):
        text = query["text"]
        assert query["clicked"], text
        budget = ZH_BUDGET.search(text)
        for item in query["clicked"]:
            kind = ZH_TYPE_OF_LEAF[leaf[item]]
            assert any(name in text for name in kind.searches), (text, item)
            if budget:
                shapes["budget"] += 1
                assert price[item] < int(budget.group(1)), (text, item)
            if "便宜" in text or text.startswith("平价"):
                shapes["cheap"] += 1
                assert price[item] < kind.price, (text, item)
            named = [c for c in kind.options.get(vocabulary_zh.COLOUR, ()) if text.startswith(c)]
            if named:
                shapes["colour"] += 1
                assert colour[item] == max(named, key=len), (text, item)  # "红色 连衣裙"
            if text.startswith(brand[item]):
                shapes["brand"] += 1
    assert min(shapes.values()) > 20, shapes
    clicks = zh_shop.queries.explode("clicked").select("user_id", item_id="clicked")
    events = zh_shop.interactions.filter(pl.col("kind") == "click").select("user_id", "item_id")
    assert clicks.join(events, on=["user_id", "item_id"], how="anti").height == 0


@pytest.mark.parametrize("language", ["en", "zh"])
def test_judged_queries_are_the_generators_truth(language: str) -> None:
    judged = judged_demo_shop(seed=3, n_items=600, n_users=200, language=language)
    shop = generate_demo_shop(seed=3, n_items=600, n_users=200, language=language)
    # The same shop, without the searches that became the judged queries (no leak into a
    # search log).
    assert judged.dataset.queries.is_empty() and judged.dataset.language == language
    for table in ("items", "interactions", "reviews"):
        assert getattr(judged.dataset, table).equals(getattr(shop, table))
    texts = [query.text for query in judged.queries]
    assert len(texts) == len(set(texts)) == shop.queries["text"].n_unique() > 50
    leaf = dict(zip(shop.items["item_id"], shop.items["categories"].list.last(), strict=True))
    relevance = {query.text: query.relevance for query in judged.queries}
    for text, clicked in zip(shop.queries["text"], shop.queries["clicked"], strict=True):
        # Whatever a shopper clicked satisfies the query, and so does all that is judged
        # relevant: products of one kind, each with the query's constraint.
        assert set(clicked) <= set(relevance[text]), text
        assert len({leaf[item] for item in relevance[text]}) == 1, text
        assert set(relevance[text].values()) == {1.0}
    sizes = np.array([len(r) for r in relevance.values()])
    assert np.median(sizes) >= 5  # enough relevant products for NDCG@10 to mean something
