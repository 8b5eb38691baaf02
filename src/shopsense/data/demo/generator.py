"""`generate_demo_shop`: the synthetic shop that `shopsense demo`, `train` and `evaluate` use
when no data is given; `judged_demo_shop`: the same shop with its searches judged."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from shopsense.data import schema
from shopsense.data.dataset import Dataset
from shopsense.data.demo.catalogue import Catalogue, build_catalogue, window_datetimes
from shopsense.data.demo.config import DemoShopConfig
from shopsense.data.demo.languages import demo_language
from shopsense.data.demo.queries import judged_queries
from shopsense.data.demo.reviews import Reviews, write_reviews
from shopsense.data.demo.shoppers import KINDS, Activity, draw_tastes, simulate
from shopsense.data.judgments import JudgedCatalogue

#: The name every demo dataset carries, so reports can never pass it off as real data.
DEMO_NAME = "demo-shop (synthetic)"


def generate_demo_shop(
    seed: int = 0,
    n_items: int = 2400,
    n_users: int = 1200,
    config: DemoShopConfig | None = None,
    language: str = "en",
) -> Dataset:
    """A synthetic shop: `n_items` products in 10 categories, `n_users` shoppers with >= 5
    chronological events each, reviews and searches, written in `language` ("en" or "zh").
    The same arguments give the same dataset (and `fingerprint`) on every machine."""
    return _simulate(seed, n_items, n_users, config, language).dataset


def judged_demo_shop(
    seed: int = 0,
    n_items: int = 2400,
    n_users: int = 1200,
    config: DemoShopConfig | None = None,
    language: str = "en",
) -> JudgedCatalogue:
    """The shop `generate_demo_shop` makes from the same arguments, with every distinct query
    its shoppers typed judged by the generator's own truth: the products that satisfy it (its
    product kind and its constraint) are relevant, all others are not. For comparing search
    quality across the demo's languages; synthetic, like the shop.

    The shop comes without its searches table: those searches are the judged queries, and a
    search evaluation must never learn from the queries it is scored on (it logs its dev half
    itself)."""
    shop = _simulate(seed, n_items, n_users, config, language)
    specs = [spec for _, spec, _, _ in shop.activity.queries]
    dataset = replace(shop.dataset, queries=schema.empty("queries"))
    return JudgedCatalogue(dataset, judged_queries(specs, shop.catalogue))


@dataclass(frozen=True)
class _Simulated:
    dataset: Dataset
    catalogue: Catalogue
    activity: Activity


def _simulate(
    seed: int, n_items: int, n_users: int, config: DemoShopConfig | None, language: str
) -> _Simulated:
    if n_users < 1:
        raise ValueError(f"the demo shop needs at least one user, got {n_users}")
    config = config or DemoShopConfig()
    writing = demo_language(language)
    rng = np.random.default_rng(seed)
    catalogue = build_catalogue(
        n_items,
        rng,
        language=writing,
        window_days=config.window_days,
        new_item_fraction=config.new_item_fraction,
        cold_item_fraction=config.cold_item_fraction,
        zipf_exponent=config.zipf_exponent,
    )
    tastes = draw_tastes(n_users, catalogue, rng)
    activity = simulate(catalogue, tastes, config, rng)
    reviews = write_reviews(activity, catalogue, tastes, config.review_share, rng)
    item_ids = catalogue.items["item_id"].to_numpy()
    user_ids = np.array([f"U{u:05d}" for u in range(n_users)], dtype=object)
    # The English shop's source predates its Chinese twin and is kept as it was.
    named = "" if language == "en" else f"language={language}, "
    dataset = Dataset(
        items=catalogue.items,
        users=pl.DataFrame({"user_id": user_ids.tolist()}, schema={"user_id": pl.Utf8}),
        interactions=_interactions(activity, user_ids, item_ids),
        reviews=_reviews(reviews, user_ids, item_ids),
        queries=_queries(activity, user_ids, item_ids),
        name=DEMO_NAME,
        synthetic=True,
        source=f"shopsense.data.demo (synthetic; {named}seed={seed}, "
        f"config={config.model_dump_json()})",
        language=language,
    )
    return _Simulated(dataset, catalogue, activity)


def _interactions(activity: Activity, user_ids: np.ndarray, item_ids: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": user_ids[activity.user].tolist(),
            "item_id": item_ids[activity.item].tolist(),
            "kind": np.array(KINDS)[activity.kind].tolist(),
            "value": np.ones(len(activity.item)),
            "timestamp": window_datetimes(activity.seconds),
        }
    )


def _reviews(reviews: Reviews, user_ids: np.ndarray, item_ids: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": user_ids[reviews.user].tolist(),
            "item_id": item_ids[reviews.item].tolist(),
            "rating": reviews.rating,
            "text": reviews.text,
            "timestamp": window_datetimes(reviews.seconds),
        }
    ).sort("timestamp", maintain_order=True)


def _queries(activity: Activity, user_ids: np.ndarray, item_ids: np.ndarray) -> pl.DataFrame:
    columns = zip(*activity.queries, strict=True) if activity.queries else ((), (), (), ())
    users, specs, seconds, clicked = columns
    return pl.DataFrame(
        {
            "user_id": user_ids[list(users)].tolist(),
            "text": [spec.text for spec in specs],
            "timestamp": window_datetimes(np.array(seconds, dtype=np.float64)),
            "clicked": [item_ids[c].tolist() for c in clicked],
        },
        schema_overrides={"clicked": pl.List(pl.Utf8)},
    )
